// The cabinet's web push part, its pure pieces: its texts in both languages
// (the same keys and variables, laid over the cabinet's without hiding
// any), and messages.push.* refusals turned into words that say what to do.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeError } from '../../app/errors.js';
import { makeTranslator } from '../../app/i18n-core.js';
import { messages } from '../../app/messages.js';
import { messages as pushMessages } from '../../app/push-messages.js';
import { RpcError, RpcUnavailable } from '../../lib/rpc.js';

const variables = (s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
const merged = Object.fromEntries(Object.keys(messages).map((lang) => [lang, { ...messages[lang], ...pushMessages[lang] }]));

test('the push texts: the same keys and variables in Russian and English, none hiding a cabinet text', () => {
  assert.deepEqual(Object.keys(pushMessages).sort(), ['en', 'ru']);
  assert.deepEqual(Object.keys(pushMessages.ru).sort(), Object.keys(pushMessages.en).sort());
  for (const key of Object.keys(pushMessages.ru)) {
    assert.ok(key.startsWith('push.'), key);
    assert.equal(messages.ru[key], undefined, `${key} is the push part's own`);
    assert.deepEqual(variables(pushMessages.ru[key]), variables(pushMessages.en[key]), key);
  }
  const en = makeTranslator(merged, 'en');
  assert.equal(en.t('push.on', { since: '4 Dec 2026, 23:00' }), 'Notifications are on since 4 Dec 2026, 23:00: messages about bonuses come to the browser, not by SMS.');
  assert.match(makeTranslator(merged, 'ru').t('push.off'), /бесплатно/);
});

test('messages.push.set refusals say what to do, in both languages; other errors read as everywhere', () => {
  const set = (code, message = 'x') => new RpcError('messages.push.set', code, `messages.push.set: ${message}`);
  const cases = [
    [set(-32602, "param 'subscription': endpoint"), 'push.error.invalid'],
    [set(2002, 'unauthorized'), 'push.error.unauthorized'],
    [set(2004, 'the node cannot do this now'), 'push.error.unavailable'],
    [set(-32601, 'no such method'), 'push.error.unavailable'],
    [set(2001, 'this node sends no web push (it runs without --push-contact): messages come by SMS'), 'push.error.unavailable'],
    [new RpcError('messages.push.get', -32601, 'no such method'), 'push.error.unavailable'],
    [set(2010, 'a read-only follower'), 'error.follower'],
    [new RpcUnavailable('messages.push.set', 'cannot be reached'), 'error.offline'],
    [set(2003, 'rate limited; retry in 2000 ms'), 'error.too_many_seconds'],
    // The same codes from other methods keep their own words.
    [new RpcError('phone.lookup', 2002, 'unauthorized'), 'error.unauthorized'],
    [new RpcError('messages.consent.set', -32602, 'bad'), 'error.unexpected'],
  ];
  for (const lang of ['ru', 'en']) {
    const { t } = makeTranslator(merged, lang);
    for (const [error, key] of cases) {
      const d = describeError(error);
      assert.equal(d.key, key, `${error.method} ${error.code}`);
      assert.ok(t(d.key, d.params).length > 20, `${lang} ${key}`);
    }
  }
});
