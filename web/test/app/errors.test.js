// Every error a client can meet maps to a message that exists in both
// languages and says what to do; the node's own words never reach the page.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeError, retryAfter } from '../../app/errors.js';
import { makeI18n } from '../../app/i18n.js';
import { RpcError, RpcUnavailable } from '../../lib/rpc.js';

const refusal = (n, reason) => new RpcError('tx.submit', 1000 + n, `tx.submit: ${reason}`, { reason });

test('node errors and ledger refusals map to their messages', () => {
  const cases = [
    [new RpcUnavailable('node.info', 'node.info: the node cannot be reached'), 'error.offline'],
    [new RpcError('phone.claim.confirm', 2006, 'phone.claim.confirm: the code is wrong, expired or used'), 'error.code_wrong'],
    [new RpcError('phone.claim.request', -32602, "phone.claim.request: param 'phone': not a phone number"), 'error.phone_invalid'],
    [new RpcError('phone.lookup', -32602, 'phone.lookup: not a phone number'), 'error.phone_invalid'],
    [new RpcError('tx.submit', 2004, 'tx.submit: the node cannot write', { reason: 'disk' }), 'error.node_cannot_write'],
    [new RpcError('tx.submit', 2005, 'tx.submit: mempool full'), 'error.node_busy'],
    [new RpcError('phone.lookup', 2002, 'phone.lookup: unauthorized'), 'error.unauthorized'],
    [new RpcError('tx.submit', 2010, 'tx.submit: a read-only follower', { reason: 'follower', source: 'http://n' }), 'error.follower'],
    [refusal(10, 'insufficient_balance'), 'error.not_enough'],
    [refusal(19, 'voucher_expired'), 'error.voucher_expired'],
    [refusal(20, 'voucher_used'), 'error.voucher_used'],
    [refusal(26, 'attestation_expired'), 'error.claim_slow'],
    [refusal(27, 'attestation_sequence'), 'error.claim_again'],
    [refusal(36, 'rebind_pending'), 'error.rebind_pending'],
    [refusal(37, 'no_rebind_pending'), 'error.no_rebind'],
    [refusal(38, 'rebind_not_due'), 'error.rebind_not_due'],
    [refusal(24, 'not_account_holder'), 'error.not_holder'],
    [refusal(14, 'self_transfer'), 'error.self_transfer'],
    [refusal(18, 'price_changed'), 'error.reward_changed'],
    [new TypeError('x is undefined'), 'error.internal'],
  ];
  for (const [error, key] of cases) assert.equal(describeError(error).key, key, `${error.name} ${error.code ?? ''} ${error.message}`);
});

test('a refusal or code the page does not know still says what to do, naming it', () => {
  const en = makeI18n('en');
  const odd = describeError(refusal(29, 'catalogue_full'));
  assert.deepEqual(odd, { key: 'error.refused', params: { reason: 'catalogue_full' } });
  assert.equal(en.t(odd.key, odd.params), 'The server refused (catalogue_full). Try again; if it happens again, tell the venue.');
  const unknown = describeError(new RpcError('account.history', -32603, 'internal'));
  assert.equal(en.t(unknown.key, unknown.params), 'Something went wrong (code -32603). Try again; if it happens again, tell the venue.');
});

test('too many tries says when to try again, from the node\'s words', () => {
  assert.deepEqual(retryAfter('too many wrong codes for this phone; try again in an hour'), { key: 'error.too_many_hour' });
  assert.deepEqual(retryAfter('too many codes sent to this phone today; try again tomorrow'), { key: 'error.too_many_tomorrow' });
  assert.deepEqual(retryAfter('too many phone lookups now; wait a minute'), { key: 'error.too_many_minute' });
  assert.deepEqual(retryAfter('rate limited; retry in 1500 ms'), { key: 'error.too_many_seconds', params: { count: 2 } });
  const ru = makeI18n('ru');
  const e = describeError(new RpcError('phone.claim.confirm', 2003, 'phone.claim.confirm: too many wrong codes from this address; try again in an hour'));
  assert.equal(ru.t(e.key, e.params), 'Слишком много попыток. Попробуйте снова через час.');
  const s = retryAfter('retry in 5000 ms');
  assert.equal(ru.t(s.key, s.params), 'Сервер занят. Попробуйте снова через 5 секунд.');
});
