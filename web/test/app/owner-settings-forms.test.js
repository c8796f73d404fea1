// The settings' forms (app/owner/settings/forms.js) before anything is
// signed: every bad field is refused with a problem that names it, limits
// count bytes as the chain does, map points and amounts are exact (no
// float), and the removal's return is min(balance, allowance). Also: every
// message key the forms and the chain errors can give exists in both
// languages, with the params it needs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeTranslator } from '../../app/i18n-core.js';
import { messages } from '../../app/owner/messages-settings.js';
import { describeSettingsError, MediaError } from '../../app/owner/settings/chain.js';
import {
  degreesE7,
  degreesForm,
  fundFromForm,
  limitsFromForm,
  nextProductId,
  productFromForm,
  profileForm,
  profileFromForm,
  returnedOnRemoval,
} from '../../app/owner/settings/forms.js';
import { problemText, shownParams } from '../../app/owner/settings/parts.js';
import { RpcError, RpcUnavailable } from '../../lib/rpc.js';

const volodya = {
  name: 'U Volodi',
  logo_url: '/media/' + 'a'.repeat(64) + '.png',
  address: 'ul. Lenina 1',
  geo: { lat_e7: 557558000, lon_e7: 376173000 },
  phone: '+7 495 000-00-00',
  links: ['https://example.org/u-volodi'],
  hours: 'Mo-Su 08:00-22:00',
};

test('a profile goes to the form and back unchanged', () => {
  const form = profileForm(volodya);
  assert.equal(form.lat, '55.7558');
  assert.equal(form.lon, '37.6173');
  const { profile, problems } = profileFromForm(form);
  assert.deepEqual(problems, {});
  assert.deepEqual(profile, {
    name: 'U Volodi',
    logo_url: volodya.logo_url,
    street_address: 'ul. Lenina 1',
    geo: volodya.geo,
    phone: '+7 495 000-00-00',
    links: ['https://example.org/u-volodi'],
    hours: 'Mo-Su 08:00-22:00',
  });
});

test('map points are exact degrees × 10^7, typed with a point or a comma', () => {
  assert.equal(degreesE7('55.7558'), 557558000);
  assert.equal(degreesE7('-0,5'), -5000000);
  assert.equal(degreesE7('37'), 370000000);
  assert.equal(degreesE7('-180.0000000'), -1800000000);
  assert.equal(degreesE7('1.12345678'), null, 'an eighth decimal');
  assert.equal(degreesE7('1e3'), null);
  assert.equal(degreesE7(''), null);
  assert.equal(degreesForm(-5000000), '-0.5');
  assert.equal(degreesForm(0), '0');
  assert.equal(degreesForm(557558001), '55.7558001');
});

test('each bad profile field is named, and the rest of the form is not lost', () => {
  const form = { ...profileForm(volodya), name: '  ', lat: '91', links: 'https://ok.example\nftp://x' };
  const { profile, problems } = profileFromForm(form);
  assert.equal(profile, null);
  assert.deepEqual(Object.keys(problems).sort(), ['lat', 'links', 'name']);
  assert.deepEqual(problems.name, { key: 'settings.bad.required', params: { field: 'settings.field.name' } });
  assert.deepEqual(problems.lat.params, { field: 'settings.field.lat', min: '-90', max: '90' });
  assert.deepEqual(problems.links, { key: 'settings.bad.link', params: { field: 'settings.field.links', line: 2 } });
  assert.equal(form.address, 'ul. Lenina 1', 'the form itself is left as typed');
});

test('limits are bytes of UTF-8: 32 Cyrillic letters fill a 64-byte name, 33 do not', () => {
  const base = profileForm(volodya);
  assert.deepEqual(profileFromForm({ ...base, name: 'ж'.repeat(32) }).problems, {});
  const p = profileFromForm({ ...base, name: 'ж'.repeat(33) }).problems.name;
  assert.deepEqual(p, { key: 'settings.bad.too_long', params: { field: 'settings.field.name', max: 64, bytes: 66 } });
  assert.equal(profileFromForm({ ...base, hours: 'a\u202eb' }).problems.hours.key, 'settings.bad.characters');
  assert.equal(profileFromForm({ ...base, links: Array(9).fill('https://x.example').join('\n') }).problems.links.key, 'settings.bad.links_count');
});

test('a map point needs both halves, or neither', () => {
  const base = profileForm(volodya);
  assert.equal(profileFromForm({ ...base, lat: '', lon: '' }).profile.geo, null);
  assert.equal(profileFromForm({ ...base, lon: '' }).problems.lon.key, 'settings.bad.geo_pair');
  assert.equal(profileFromForm({ ...base, lon: '180.0000001' }).problems.lon.key, 'settings.bad.degrees');
});

test('a reward needs a name and a price from 0.01 to the whole supply, in BigInt minor units', () => {
  assert.deepEqual(productFromForm({ name: ' tea ', price: '1,50', category: ' drinks ' }), { name: 'tea', price: 150n, category: 'drinks', problems: {} });
  assert.equal(productFromForm({ name: 'x', price: '1', category: 'ж'.repeat(17) }).problems.category.key, 'settings.bad.too_long');
  assert.equal(productFromForm({ name: '', price: '1' }).problems.name.params.field, 'settings.field.product_name');
  assert.equal(productFromForm({ name: 'x', price: '0' }).problems.price.key, 'settings.bad.amount_zero');
  assert.equal(productFromForm({ name: 'x', price: '1.005' }).problems.price.key, 'settings.bad.amount');
  assert.equal(productFromForm({ name: 'x', price: '1000000.00' }).price, 100_000_000n);
  assert.deepEqual(productFromForm({ name: 'x', price: '1000000.01' }).problems.price, {
    key: 'settings.bad.price_max',
    params: { field: 'settings.field.price', max_amount: '1000000.00' },
  });
  assert.equal(nextProductId([]), 1);
  assert.equal(nextProductId([{ id: 1 }, { id: 7 }, { id: 3 }]), 8);
});

test('staff limits: empty is no limit; a limit per transfer above the day limit is refused', () => {
  assert.deepEqual(limitsFromForm({ per_tx: '', per_day: ' ' }), { limits: { per_tx: null, per_day: null }, problems: {} });
  assert.deepEqual(limitsFromForm({ per_tx: '50', per_day: '300,5' }), { limits: { per_tx: 5000n, per_day: 30050n }, problems: {} });
  assert.equal(limitsFromForm({ per_tx: '301', per_day: '300' }).problems.per_tx.key, 'settings.bad.limit_order');
  assert.equal(limitsFromForm({ per_tx: 'fifty', per_day: '' }).problems.per_tx.key, 'settings.bad.amount');
});

test('a top-up is above zero and at most what the treasury holds', () => {
  assert.deepEqual(fundFromForm('100', 50_000n), { units: 10_000n });
  assert.deepEqual(fundFromForm('500.00', 50_000n), { units: 50_000n });
  assert.deepEqual(fundFromForm('500.01', 50_000n).problem, {
    key: 'settings.bad.treasury',
    params: { field: 'settings.field.fund', max_amount: '500.00' },
  });
  assert.equal(fundFromForm('0', 50_000n).problem.key, 'settings.bad.amount_zero');
});

test('removing a member returns what the treasury gave them, never more than they hold', () => {
  assert.equal(returnedOnRemoval(50_000n, 50_000n), 50_000n);
  assert.equal(returnedOnRemoval(70_000n, 50_000n), 50_000n, 'coins from others stay theirs');
  assert.equal(returnedOnRemoval(20_000n, 50_000n), 20_000n, 'what they gave on is gone');
  assert.equal(returnedOnRemoval(0n, 0n), 0n);
});

test('every refusal and problem has a message in both languages, naming the field', () => {
  assert.deepEqual(Object.keys(messages.ru).sort(), Object.keys(messages.en).sort());
  const refusals = [
    new RpcUnavailable('tx.submit', 'down'),
    new RpcError('tx.submit', 1008, 'not owner', { reason: 'not_owner' }),
    new RpcError('tx.submit', 1010, 'short', { reason: 'insufficient_balance' }),
    new RpcError('tx.submit', 1032, 'gone', { reason: 'unknown_staff' }),
    new RpcError('tx.submit', 1029, 'full', { reason: 'catalogue_full' }),
    new MediaError('too_large', 'big'),
    new MediaError('wrong_type', 'gif'),
  ];
  const problems = [
    profileFromForm({ ...profileForm(volodya), name: 'ж'.repeat(40), lat: 'x', lon: '', links: 'x' }).problems,
    productFromForm({ name: '', price: '-1' }).problems,
    limitsFromForm({ per_tx: '3', per_day: '2' }).problems,
    { fund: fundFromForm('9', 100n).problem },
  ].flatMap((p) => Object.values(p));
  for (const lang of ['ru', 'en']) {
    const i18n = makeTranslator({ [lang]: messages[lang] }, lang);
    const { t } = i18n;
    for (const e of refusals) {
      const { key, params } = describeSettingsError(e);
      assert.ok(key.startsWith('settings.'), `${e.message}: ${key}`);
      assert.ok(t(key, params).length > 20, key);
    }
    for (const p of problems) {
      const text = problemText(i18n, p);
      assert.ok(text.includes(t(p.params.field)), `${lang}: "${text}" names its field`);
    }
  }
  assert.equal(
    problemText(makeTranslator({ ru: messages.ru }, 'ru'), fundFromForm('9', 150n).problem),
    '«Пополнить из казны»: в казне только 1,50. Введите сумму не больше.',
  );
  // Amounts and roles in a message are shown at render, so a switch of language redoes them.
  assert.deepEqual(shownParams(makeTranslator({ ru: messages.ru }, 'ru'), { role: 'cashier', back_amount: '1234.50', address: 'kop1…' }), {
    role: 'Кассир',
    back_amount: '1\u00a0234,50',
    address: 'kop1…',
  });
  assert.equal(shownParams(makeTranslator({ en: messages.en }, 'en'), { treasury_amount: '999400.00' }).treasury_amount, '999,400');
});
