// The cabinet's texts: both languages hold the same keys, plural forms and
// placeholders; plurals follow Intl.PluralRules (1 бонус, 2 бонуса,
// 5 бонусов, 1,50 бонуса); amounts go to Intl.NumberFormat as exact decimal
// strings; the language comes from the stored choice, then the browser.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countdownText, languages, makeI18n, pickLanguage } from '../../app/i18n.js';
import { messages } from '../../app/messages.js';

const placeholders = (entry) =>
  [...new Set((typeof entry === 'string' ? [entry] : Object.values(entry)).flatMap((s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1])))].sort();

test('Russian and English have the same keys, and each entry the same placeholders', () => {
  assert.deepEqual(languages, ['ru', 'en']);
  assert.deepEqual(Object.keys(messages.ru).sort(), Object.keys(messages.en).sort());
  for (const key of Object.keys(messages.ru)) {
    assert.deepEqual(placeholders(messages.ru[key]), placeholders(messages.en[key]), key);
    const ru = messages.ru[key];
    const en = messages.en[key];
    assert.equal(typeof ru, typeof en, `${key}: plural in both or in neither`);
    if (typeof ru === 'object') {
      // Every category each language's rules can pick (fractions are 'other' in both).
      assert.deepEqual(Object.keys(ru).sort(), ['few', 'many', 'one', 'other'], key);
      assert.deepEqual(Object.keys(en).sort(), ['one', 'other'], key);
      assert.ok(Object.values(ru).concat(Object.values(en)).every((s) => s.includes('{count}') || key === 'cabinet.unit'), `${key} shows its count`);
    }
  }
});

test('Russian plural forms: 1 бонус, 2 бонуса, 5 бонусов, 21 бонус, 1,50 бонуса; English: 1 bonus, 2 bonuses', () => {
  const { t } = makeI18n('ru');
  const forms = ['1.00', '2.00', '5.00', '11.00', '21.00', '22.00', '0.00', '1.50', '0.01'].map((count) => t('rewards.price', { count }));
  assert.deepEqual(forms, ['1 бонус', '2 бонуса', '5 бонусов', '11 бонусов', '21 бонус', '22 бонуса', '0 бонусов', '1,50 бонуса', '0,01 бонуса']);
  assert.equal(t('rewards.missing', { count: '7.00' }), 'не хватает 7 бонусов');
  assert.equal(t('rewards.missing', { count: '1.00' }), 'не хватает 1 бонуса');
  const en = makeI18n('en');
  assert.deepEqual(['1.00', '2.00', '0.00', '1.50'].map((count) => en.t('rewards.price', { count })), ['1 bonus', '2 bonuses', '0 bonuses', '1.50 bonuses']);
  assert.equal(en.t('claim.code_sent', { phone: '+7 900', count: 10 }), 'We sent a code to +7 900. It works for 10 minutes.');
  assert.equal(t('claim.code_sent', { phone: '+7 900', count: 10 }), 'Отправили код на +7 900. Он действует 10 минут.');
});

test('amounts are formatted from the exact decimal string, grouped as each language groups them', () => {
  const ru = makeI18n('ru');
  const en = makeI18n('en');
  assert.equal(ru.amount('1234.50'), '1\u00a0234,50');
  assert.equal(en.amount('1234.50'), '1,234.50');
  assert.equal(ru.amount('3.00'), '3');
  // Past 2^53 a float would round; the string stays exact.
  assert.equal(en.amount('184467440737095516.15'), '184,467,440,737,095,516.15');
  assert.equal(en.amount('1000000.00'), '1,000,000');
  for (const bad of ['1.005', '-1.00', '1e3', '', '01.00']) assert.throws(() => en.amount(bad), RangeError, bad);
});

test('t() names a missing key or placeholder instead of showing a half-filled text', () => {
  const { t } = makeI18n('en');
  assert.throws(() => t('no.such.key'), /no message 'no.such.key' in 'en'/);
  assert.throws(() => t('voucher.title'), /needs \{product\}/);
  assert.throws(() => makeI18n('de'), RangeError);
});

test('the language: the stored choice, else the first of the browser languages we have, else English', () => {
  assert.equal(pickLanguage('ru', ['en-US']), 'ru');
  assert.equal(pickLanguage(null, ['de-DE', 'ru-RU', 'en']), 'ru');
  assert.equal(pickLanguage(null, ['en-GB', 'ru']), 'en');
  assert.equal(pickLanguage('fr', ['fr-FR']), 'en');
  assert.equal(pickLanguage(null, []), 'en');
});

test('a countdown is minutes and zero-padded seconds, never negative', () => {
  assert.equal(countdownText(300), '5:00');
  assert.equal(countdownText(65), '1:05');
  assert.equal(countdownText(0), '0:00');
  assert.equal(countdownText(-3), '0:00');
});
