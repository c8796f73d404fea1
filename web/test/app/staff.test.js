// The staff till's pure pieces: the phone preview agrees with the node's
// normalisation (ledger/phone.cpp) on what cashiers type; scanner input is
// read through a Russian layout and Caps Lock; every refusal a till meets
// maps to a message saying what to do, in both languages with the same keys
// and placeholders; today's totals are exact BigInt sums of the right entries.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { memoState } from '../../app/gift-form.js';
import { makeTranslator } from '../../app/i18n-core.js';
import { messages as cabinetMessages } from '../../app/messages.js';
import { summariseDay, utcDayStart } from '../../app/staff/day.js';
import { messages } from '../../app/staff/messages.js';
import { phonePreview } from '../../app/staff/phone-preview.js';
import { refusalMessage, staffError } from '../../app/staff/refusals.js';
import { scannedVoucher } from '../../app/staff/scan-text.js';
import { RpcError, RpcUnavailable } from '../../lib/rpc.js';

const placeholders = (entry) =>
  [...new Set((typeof entry === 'string' ? [entry] : Object.values(entry)).flatMap((s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1])))].sort();
// The page's dictionary as staff/app.js builds it: the cabinet's shared texts under the till's own.
const shared = (lang) => Object.fromEntries(Object.entries(cabinetMessages[lang]).filter(([k]) => /^(brand|loading|retry|language|error\.|offline\.|refused\.|not_found\.)/.test(k)));
const dictionaries = { ru: { ...shared('ru'), ...messages.ru }, en: { ...shared('en'), ...messages.en } };

test('the phone preview reads what cashiers type as the node does (default country 7)', () => {
  const cases = [
    ['8 900 000-00-01', '+79000000001'],
    ['+7 (900) 000-00-01', '+79000000001'],
    ['7 900 000 00 01', '+79000000001'],
    ['9000000001', '+79000000001'],
    ['8(900)000.00.01', '+79000000001'],
    ['0044 20 7946 0000', '+442079460000'],
    ['+375 29 000-00-01', '+375290000001'],
  ];
  for (const [typed, e164] of cases) assert.deepEqual(phonePreview(typed), { e164 }, typed);
  assert.deepEqual(phonePreview(''), { problem: 'empty' });
  assert.deepEqual(phonePreview('  -() '), { problem: 'empty' });
  assert.deepEqual(phonePreview('8 900 OOO-00-01'), { problem: 'letter' });
  assert.deepEqual(phonePreview('7+900'), { problem: 'plus' });
  assert.deepEqual(phonePreview('8 900 000_00_01'), { problem: 'character' });
  assert.deepEqual(phonePreview('+0 900 000'), { problem: 'country_zero' });
  assert.deepEqual(phonePreview('12'), { problem: 'too_short' });
  assert.deepEqual(phonePreview('+7 900 000 00 01 23456'), { problem: 'too_long' });
  assert.deepEqual(phonePreview('1'.repeat(65)), { problem: 'too_long_text' });
  for (const { problem } of [phonePreview(''), phonePreview('x'), phonePreview('7+'), phonePreview('_'), phonePreview('+0'), phonePreview('1'), phonePreview('1'.repeat(16)), phonePreview('1'.repeat(65))])
    for (const lang of ['ru', 'en']) assert.ok(messages[lang][`staff.phone.problem_${problem}`], `${lang}: staff.phone.problem_${problem}`);
});

test("the phone preview follows the node's own default country (node.info default_country)", () => {
  assert.deepEqual(phonePreview('07700 900123', '44'), { e164: '+447700900123' });
  assert.deepEqual(phonePreview('7700 900123', '44'), { e164: '+447700900123' });
  assert.deepEqual(phonePreview('8 900 000-00-01', '44'), { e164: '+4489000000001' }, 'an 8 is no trunk prefix in the UK');
  assert.deepEqual(phonePreview('+7 900 000-00-01', '44'), { e164: '+79000000001' });
  assert.deepEqual(phonePreview('8 900 000-00-01', undefined), { e164: '+79000000001' }, 'a node that does not say: 7');
});

test('scanner input: trimmed, Caps Lock and a Russian keyboard layout undone, words around the code dropped', () => {
  const code = 'KV1:H60-5DJ.+/:Z9';
  assert.deepEqual(scannedVoucher(`${code}\r\n`), { text: code });
  assert.deepEqual(scannedVoucher(`  ${code.toLowerCase()}  `), { text: code });
  // The same keys pressed with the Russian layout on: K→Л, V→М, :→Ж, H→Р, D→В, J→О, .→Ю, /→., Z→Я.
  assert.deepEqual(scannedVoucher('ЛМ1ЖР60-5ВОЮ+.ЖЯ9'), { text: code });
  assert.deepEqual(scannedVoucher('лм1жр60-5вою+.жя9'), { text: code }, 'Russian layout with Caps Lock');
  assert.deepEqual(scannedVoucher(`code: ${code} thanks`), { text: code });
  assert.deepEqual(scannedVoucher(''), { problem: 'empty' });
  assert.deepEqual(scannedVoucher('hello'), { problem: 'not_voucher' });
  assert.deepEqual(scannedVoucher(`KV1:${'A'.repeat(300)}`), { problem: 'too_long' });
  assert.deepEqual(scannedVoucher('A'.repeat(2000)), { problem: 'too_long' });
});

test('send refusals quote the figures and say what to do; redeem refusals speak of the client', () => {
  const facts = { ticker: 'VOLODYA', balance: '7.00', limit_per_tx: '10.00', limit_per_day: '15.00', given_today: '13.00' };
  const ru = makeTranslator(dictionaries, 'ru');
  const en = makeTranslator(dictionaries, 'en');
  const show = (m, tr) => tr.t(m.key, m.params);
  assert.deepEqual(refusalMessage('limit_per_tx', 'send', facts), { key: 'staff.error.limit_per_tx', params: { limit: '10.00', ticker: 'VOLODYA' } });
  assert.deepEqual(refusalMessage('limit_per_day', 'send', facts), { key: 'staff.error.limit_per_day', params: { limit: '15.00', given: '13.00', ticker: 'VOLODYA' } });
  assert.deepEqual(refusalMessage('insufficient_balance', 'send', facts), { key: 'staff.error.insufficient_balance', params: { balance: '7.00', ticker: 'VOLODYA' } });
  assert.equal(refusalMessage('insufficient_balance', 'redeem', { client_balance: '2.00', ticker: 'VOLODYA' }).key, 'staff.refusal.client_not_enough');
  assert.equal(refusalMessage('limit_per_tx', 'send', { ticker: 'VOLODYA' }).key, 'staff.error.limit_per_tx_plain');
  for (const [reason, key] of [
    ['voucher_expired', 'staff.refusal.voucher_expired'],
    ['voucher_used', 'staff.refusal.voucher_used'],
    ['price_changed', 'staff.refusal.price_changed'],
    ['product_inactive', 'staff.refusal.price_changed'],
    ['not_staff', 'staff.error.not_staff'],
    ['voucher_wrong_venue', 'staff.refusal.wrong_venue'],
  ])
    assert.equal(refusalMessage(reason, 'redeem', { ticker: 'VOLODYA', voucher_ticker: 'OTHER' }).key, key, reason);
  assert.deepEqual(refusalMessage('catalogue_full', 'redeem', {}), { key: 'staff.error.refused', params: { reason: 'catalogue_full' } });
  // Errors of the node and the network.
  const refusal = (code, reason) => new RpcError('tx.submit', code, 'refused', { reason });
  assert.equal(staffError(refusal(1011, 'limit_per_tx'), 'send', facts).key, 'staff.error.limit_per_tx');
  assert.equal(staffError(new RpcError('phone.lookup', 2002, 'unauthorized'), 'lookup', facts).key, 'staff.error.not_staff');
  assert.equal(staffError(new RpcUnavailable('tx.submit', 'down'), 'send', facts).key, 'staff.error.offline');
  assert.equal(staffError(new RpcUnavailable('tx.submit', 'down'), 'send', facts, { sent: true }).key, 'staff.error.offline_sent');
  assert.deepEqual(staffError(new RpcError('tx.submit', 2003, 'tx.submit: rate limited; retry in 4200 ms'), 'redeem', facts), { key: 'staff.error.too_many_seconds', params: { count: 5 } });
  assert.equal(staffError(new RpcError('invite.accept', 2007, 'no invite'), 'join').key, 'staff.join.error.unknown');
  assert.equal(staffError(new RpcError('invite.accept', 2008, 'taken'), 'join').key, 'staff.join.error.taken');
  // The texts, as a person reads them.
  assert.equal(show(refusalMessage('limit_per_tx', 'send', facts), ru), 'Больше 10.00 VOLODYA за один раз начислить нельзя. Введите сумму поменьше или попросите владельца поднять лимит.');
  assert.match(show(refusalMessage('limit_per_day', 'send', facts), en), /^The daily limit is 15.00 VOLODYA and 13.00 was given today/);
  assert.equal(en.t('staff.error.too_many_seconds', { count: 5 }), 'The request limit is reached. Wait 5 seconds and try again.');
  assert.equal(ru.t('staff.error.too_many_seconds', { count: 5 }), 'Достигнут лимит запросов. Подождите 5 секунд и попробуйте снова.');
});

test('the till speaks Russian and English with the same keys and placeholders, and has every key its code names', () => {
  assert.deepEqual(Object.keys(messages.ru).sort(), Object.keys(messages.en).sort());
  for (const key of Object.keys(messages.ru)) assert.deepEqual(placeholders(messages.ru[key]), placeholders(messages.en[key]), key);
  const dir = new URL('../../app/staff/', import.meta.url).pathname;
  const named = new Set();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.js')))
    for (const m of readFileSync(join(dir, file), 'utf8').matchAll(/'((?:staff|error)\.[a-z_.]+[a-z_])'/g)) named.add(m[1]);
  assert.ok(named.size > 60, `found ${named.size} keys in the code`);
  // Keys the code builds from a pure function's answer: every answer has its text.
  for (const problem of [memoState('б'.repeat(71)).problem, memoState('a\u200bb').problem]) named.add(`staff.send.memo_${problem}`);
  for (const problem of [scannedVoucher('').problem, scannedVoucher('x').problem, scannedVoucher('x'.repeat(2000)).problem]) named.add(`staff.scan.problem_${problem}`);
  for (const key of named) for (const lang of ['ru', 'en']) assert.ok(key in dictionaries[lang], `${lang}: ${key}`);
});

test("today's totals: only this key's own transfers and redeems at this venue since the day's start, summed in BigInt", () => {
  const me = 'kop1me';
  const fromMs = utcDayStart(Date.UTC(2026, 11, 2, 15, 30));
  assert.equal(fromMs, Date.UTC(2026, 11, 2));
  const entry = (time_ms, tx) => ({ id: String(time_ms), time_ms, tx: { ticker: 'VOLODYA', signer: me, ...tx } });
  const entries = [
    entry(fromMs + 10, { kind: 'purchase', client: 'phone:ab', receipt: { id: 'R-1', total: '550.50', lines: [] } }),
    entry(fromMs + 9, { kind: 'redeem', voucher: { product_id: 1, price: '1.00' } }),
    entry(fromMs + 8, { kind: 'transfer', from: me, to: 'phone:ab', amount: '0.10', memo: 'a' }),
    entry(fromMs + 7, { kind: 'transfer', from: me, to: 'phone:cd', amount: '0.20', memo: '' }),
    entry(fromMs + 6, { kind: 'transfer', from: me, to: 'phone:ab', amount: '9007199254740993.01', memo: '' }),
    entry(fromMs + 5, { kind: 'transfer', from: 'kop1owner', signer: 'kop1owner', to: me, amount: '20.00' }),
    entry(fromMs + 4, { kind: 'transfer', from: me, to: 'phone:ab', amount: '5.00', ticker: 'OTHER' }),
    entry(fromMs - 1, { kind: 'transfer', from: me, to: 'phone:ab', amount: '3.00' }),
  ];
  const day = summariseDay(entries, { address: me, ticker: 'VOLODYA', fromMs, productNames: new Map([[1, 'coffee']]) });
  // 0.10 + 0.20 is 0.30 exactly, and a sum past 2^53 units stays exact.
  assert.equal(day.given, '9007199254740993.31');
  assert.equal(day.givenCount, 3);
  assert.equal(day.redeemed, '1.00');
  assert.equal(day.redeemedCount, 1);
  assert.equal(day.received, '20.00');
  assert.equal(day.sales, '550.50');
  assert.equal(day.purchaseCount, 1);
  assert.deepEqual(day.rows.map((r) => r.kind), ['purchase', 'redeemed', 'given', 'given', 'given', 'received']);
  assert.equal(day.rows[1].product, 'coffee');
});

test("a purchase's lines as typed, the programme's categories and what a quote gives the client, in BigInt", async () => {
  const { accruedToClient, programmeCategories, typedLines } = await import('../../app/staff/purchase.js');
  assert.deepEqual(typedLines([{ category: 'coffee', amount: '350' }, { category: '', amount: '200,50' }]), {
    lines: [
      { category: 'coffee', amount: 35000n },
      { category: '', amount: 20050n },
    ],
  });
  // An untouched extra row is left out; a typed one is checked.
  assert.deepEqual(typedLines([{ category: '', amount: '1' }, { category: '', amount: '' }]), { lines: [{ category: '', amount: 100n }] });
  assert.deepEqual(typedLines([{ category: '', amount: '1' }, { category: 'tea', amount: '' }]), { problem: 'amount_invalid', index: 1 });
  assert.deepEqual(typedLines([{ category: '', amount: '0' }]), { problem: 'zero_amount', index: 0 });
  assert.deepEqual(typedLines([{ category: '', amount: '' }]), { problem: 'amount_invalid', index: 0 });
  assert.deepEqual(
    programmeCategories({
      accrual_excluded: ['tobacco'],
      pay_excluded: ['tobacco', 'alcohol'],
      rules: [{ when: { categories: ['coffee', ''] } }, { when: { categories: [] } }],
      stamp_cards: [{ category: 'cake' }],
    }),
    ['alcohol', 'cake', 'coffee', 'tobacco'],
  );
  assert.deepEqual(programmeCategories(null), []);
  const quote = {
    client: 'phone:ab',
    credits: [
      { to: 'phone:ab', amount: '33.03' },
      { to: 'phone:ab', amount: '100.00' },
      { to: 'kop1referrer', amount: '27.52' },
    ],
  };
  assert.equal(accruedToClient(quote), 13303n);
  // The programme's refusals say what to do.
  assert.deepEqual(refusalMessage('programme_version', 'purchase', { ticker: 'VOLODYA' }), { key: 'staff.purchase.programme_changed', params: { ticker: 'VOLODYA' } });
  assert.equal(refusalMessage('insufficient_balance', 'purchase', { ticker: 'VOLODYA', balance: '2.00' }).key, 'staff.error.insufficient_balance');
});
