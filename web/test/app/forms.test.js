// The pure rules behind the forms and the cabinet's views: the memo's byte
// counter, typed amounts, the rewards' split, the history's rows, the
// venue's links, masked numbers, the two addresses, the socket's backoff and
// the QR symbol's size.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeEntry, redeemedVoucher, tickersOf } from '../../app/activity.js';
import { memoState, typedAmount } from '../../app/gift-form.js';
import { retryDelayMs, ws_retry_first_ms, ws_retry_max_ms } from '../../app/live.js';
import { maskPhone, unbroken } from '../../app/phone-text.js';
import { qrSvg } from '../../app/qr.js';
import { splitRewards } from '../../app/rewards.js';
import { parseRoute, phonePath } from '../../app/route.js';
import { degreesText, initialOf, mapLink, sameOriginImage, telLink, webLinks } from '../../app/venue-info.js';

test('the memo counts bytes: 70 Cyrillic letters fit in 140, 71 do not; hidden characters are refused', () => {
  assert.deepEqual(memoState(''), { bytes: 0, max: 140, problem: null });
  assert.deepEqual(memoState('ж'.repeat(70)), { bytes: 140, max: 140, problem: null });
  assert.deepEqual(memoState('ж'.repeat(71)), { bytes: 142, max: 140, problem: 'too_long' });
  assert.deepEqual(memoState('a'.repeat(140)), { bytes: 140, max: 140, problem: null });
  assert.equal(memoState('☕').bytes, 3);
  assert.equal(memoState('спасибо\u202e').problem, 'characters');
  assert.equal(memoState('line\nbreak').problem, 'characters');
});

test('an amount as people type it, with a point or a comma; never a float', () => {
  assert.equal(typedAmount('1'), 100n);
  assert.equal(typedAmount(' 1,5 '), 150n);
  assert.equal(typedAmount('1.50'), 150n);
  assert.equal(typedAmount('0'), 0n);
  for (const bad of ['', '1.005', '-1', '1e2', 'one', '1,2,3']) assert.equal(typedAmount(bad), null, bad);
});

test('rewards split into what the balance buys and what is missing, active only, cheapest first', () => {
  const products = [
    { id: 3, name: 'cheesecake', price: '3.00', active: true },
    { id: 1, name: 'coffee', price: '1.00', active: true },
    { id: 4, name: 'cake', price: '10.00', active: true },
    { id: 2, name: 'donut', price: '2.00', active: false },
    { id: 5, name: 'tea', price: '2.50', active: true },
  ];
  const { affordable, notYet } = splitRewards(products, '2.50');
  assert.deepEqual(affordable.map((p) => p.name), ['coffee', 'tea']);
  assert.deepEqual(notYet.map((p) => [p.name, p.missing]), [['cheesecake', '0.50'], ['cake', '7.50']]);
  assert.equal(splitRewards(products, '0.00').affordable.length, 0);
});

test('history entries read from the phone account: received, spent on a reward, sent; binds are left out', () => {
  const me = `phone:${'a'.repeat(64)}`;
  const friend = `phone:${'b'.repeat(64)}`;
  const staff = 'kop1staff';
  const entry = (tx, id = 'x') => ({ id, height: 1, index: 0, time_ms: 1, tx });
  assert.equal(describeEntry(entry({ kind: 'transfer', ticker: 'VOLODYA', from: staff, to: me, amount: '3.00', memo: 'hi' }), me).kind, 'received');
  assert.equal(describeEntry(entry({ kind: 'transfer', ticker: 'VOLODYA', from: me, to: friend, amount: '1.00', memo: '' }), me).kind, 'sent');
  const spent = describeEntry(entry({ kind: 'redeem', ticker: 'VOLODYA', voucher: { id: 'v1', client: me, price: '1.00', product_id: 1 } }), me);
  assert.deepEqual([spent.kind, spent.amount, spent.product_id], ['spent', '1.00', 1]);
  assert.equal(describeEntry(entry({ kind: 'phone_bind', attestation: {} }), me), null);
  const entries = [
    entry({ kind: 'redeem', ticker: 'VOLODYA', voucher: { id: 'v1', client: me, price: '1.00', product_id: 1 } }),
    entry({ kind: 'transfer', ticker: 'BARBER', from: staff, to: me, amount: '5.00', memo: '' }),
    entry({ kind: 'transfer', ticker: 'VOLODYA', from: staff, to: me, amount: '3.00', memo: '' }),
  ];
  assert.deepEqual(tickersOf(entries, me), ['VOLODYA', 'BARBER']);
  assert.equal(redeemedVoucher(entries, ['v0', 'v1']), 'v1');
  assert.equal(redeemedVoucher(entries, ['v2']), null);
});

test("a venue's profile made safe: a map link without floats, same-origin logos, http(s) links, a dialable phone", () => {
  assert.equal(degreesText(557558000), '55.7558000');
  assert.equal(degreesText(-1), '-0.0000001');
  assert.equal(degreesText(-1800000000), '-180.0000000');
  assert.equal(mapLink({ lat_e7: 557558000, lon_e7: 376173000 }), 'https://www.openstreetmap.org/?mlat=55.7558000&mlon=37.6173000#map=17/55.7558000/37.6173000');
  assert.equal(mapLink(null), null);
  const origin = 'https://kopilka.example';
  assert.equal(sameOriginImage('/assets/logo.png', origin), 'https://kopilka.example/assets/logo.png');
  assert.equal(sameOriginImage('https://kopilka.example/l.png', origin), 'https://kopilka.example/l.png');
  for (const other of ['https://evil.example/l.png', '//evil.example/l.png', 'data:image/png;base64,AA', 'javascript:alert(1)', ''])
    assert.equal(sameOriginImage(other, origin), null, other);
  assert.deepEqual(webLinks(['https://a.example/', 'javascript:alert(1)', 'http://b.example', 'not a url', 'data:text/html,x']), ['https://a.example/', 'http://b.example']);
  assert.equal(telLink('+7 (495) 000-00-00'), 'tel:+74950000000');
  assert.equal(telLink('ask at the bar'), null);
  assert.equal(initialOf('  у Володи'), 'У');
  assert.equal(initialOf('☕ Café'), '☕');
  assert.equal(initialOf(''), '?');
});

test('numbers are masked as the node masks them; the two addresses of the cabinet', () => {
  assert.equal(maskPhone('+79000000002'), '+7900*****02');
  assert.equal(maskPhone('+4420'), '+4420');
  assert.equal(unbroken('+7 900 000-00-02'), '+7\u00a0900\u00a0000\u201100\u201102');
  const ref = 'ab'.repeat(32);
  assert.deepEqual(parseRoute(`/c/${ref}`), { page: 'phone', account: `phone:${ref}` });
  assert.deepEqual(parseRoute(`/c/${ref}/`), { page: 'phone', account: `phone:${ref}` });
  assert.deepEqual(parseRoute('/'), { page: 'home' });
  for (const other of [`/c/${ref.toUpperCase()}`, `/c/${ref}0`, '/c/', '/s', '/c/abc']) assert.deepEqual(parseRoute(other), { page: 'unknown' }, other);
  assert.equal(phonePath(`phone:${ref}`), `/c/${ref}`);
});

test('the socket reconnects after 1 s, doubling to at most 30 s, spread ±20%', () => {
  const mid = () => 0.5;
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 50].map((a) => retryDelayMs(a, mid)), [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  assert.equal(retryDelayMs(0, () => 0), 0.8 * ws_retry_first_ms);
  assert.equal(retryDelayMs(9, () => 1), 1.2 * ws_retry_max_ms);
});

test("the QR of docs/qr.md's vector 1 is a version 8 symbol (49 modules) with a 4-module quiet zone", () => {
  const payload =
    'KV1:H60-5DJPBVGA++9ECFAPRT3763ZC/-OFI2+2PXPALPXW4V/8:WM-ZW-QY-V1QS0H9F9F5JVFT6QKK+L1.4IWF:HYANX5URWOJ.21Q0I.M58GREEAJJBWFG6PBLF9P43009T7CA0G+-X3-W/X41MIJ0LTS8B340XV3X3QIV2X41UT/5MEADYV';
  assert.equal(payload.length, 184);
  const svg = qrSvg(payload);
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" viewBox="0 0 57 57" shape-rendering="crispEdges">/);
  assert.ok(!/[<>"]/.test(svg.slice(svg.indexOf(' d="') + 4, svg.lastIndexOf('"/>'))), 'the path holds only drawing commands');
});
