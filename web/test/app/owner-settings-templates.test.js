// The message templates' form (app/owner/settings/templates-form.js): the
// node's rules, in its order, before anything is signed; what is saved for
// the node's own words; the node's refusals as the page's messages; and the
// cost line's plurals in both languages ("2 SMS parts, 2 credits").
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeTranslator } from '../../app/i18n-core.js';
import { messages } from '../../app/owner/messages-settings.js';
import { templateProblem, templateRefusal, textShown, textToSave } from '../../app/owner/settings/templates-form.js';

const slot = {
  kind: 'coins_received',
  language: 'ru',
  text: '',
  default_text: '{venue}: вам начислено {amount} {ticker}. Баланс: {balance} {ticker}. Подробнее: {link}',
  variables: ['venue', 'amount', 'ticker', 'balance', 'link'],
  required: ['link'],
  signed_ms: 0,
};
const reason = (text) => templateProblem(slot, text)?.key.replace('settings.templates.bad.', '') ?? null;

test('a template holds only the kind’s variables, its link, no stray brace, no line break, at most 480 bytes', () => {
  assert.equal(reason(''), null, 'empty: the node’s own words');
  assert.equal(reason(slot.default_text), null);
  assert.equal(reason('Кофейня {venue}: +{amount}. {link} {link}'), null);
  assert.deepEqual(templateProblem(slot, '{venue} {name} {link}'), {
    key: 'settings.templates.bad.unknown_variable',
    params: { token: '{name}', tokens: ['{venue}', '{amount}', '{ticker}', '{balance}', '{link}'] },
  });
  assert.equal(templateProblem(slot, '{Link}').params.token, '{Link}');
  assert.deepEqual(templateProblem(slot, '{venue}: +{amount}'), { key: 'settings.templates.bad.missing_variable', params: { token: '{link}' } });
  for (const text of ['{link} {', '{link} }', '{} {link}', '{{link}}', `{link} {${'a'.repeat(33)}}`]) assert.equal(reason(text), 'brace', text);
  assert.equal(reason('{link}\nПока'), 'characters');
  assert.equal(reason('{link} \u202e'), 'characters');
  const longest = `{link}${'ы'.repeat(237)}`; // 6 + 474 bytes
  assert.equal(reason(longest), null);
  assert.deepEqual(templateProblem(slot, `${longest}ы`), { key: 'settings.templates.bad.too_long', params: { max: 480, bytes: 482 } });
});

test('the node’s words are saved as "" and shown as its text; anything else as typed', () => {
  assert.equal(textShown(slot), slot.default_text);
  assert.equal(textToSave(slot, slot.default_text), '');
  assert.equal(textToSave(slot, 'Привет: {link}'), 'Привет: {link}');
  assert.equal(textShown({ ...slot, text: 'Привет: {link}' }), 'Привет: {link}');
});

test('the node’s refusals become the page’s messages; others are left to the settings’ own', () => {
  const invalid = (data) => Object.assign(new Error('x'), { code: -32602, data });
  assert.deepEqual(templateRefusal(invalid({ reason: 'unknown_variable', variable: 'x' }), slot), {
    key: 'settings.templates.bad.unknown_variable',
    params: { token: '{x}', tokens: ['{venue}', '{amount}', '{ticker}', '{balance}', '{link}'] },
  });
  assert.deepEqual(templateRefusal(invalid({ reason: 'too_long' }), slot, 'ы'.repeat(241)).params, { max: 480, bytes: 482 });
  const denied = (why) => Object.assign(new Error('x'), { code: 2002, data: { reason: why } });
  assert.equal(templateRefusal(denied('not_owner'), slot).key, 'settings.error.not_owner');
  assert.equal(templateRefusal(denied('stale'), slot).key, 'settings.error.clock');
  assert.equal(templateRefusal(denied('clock'), slot).key, 'settings.error.clock');
  assert.equal(templateRefusal(Object.assign(new Error('x'), { code: 2004 }), slot), null);
  assert.equal(templateRefusal(invalid({ reason: 'language' }), slot), null);
});

test('the cost line: 1 часть SMS, 2 части SMS, 5 частей SMS, 21 кредит; 1 SMS part, 2 SMS parts, 2 credits', () => {
  const cost = (lang, parts, credits) => {
    const { t } = makeTranslator(messages, lang);
    return t('settings.templates.cost', {
      parts: t('settings.templates.parts', { count: String(parts) }),
      credits: t('settings.templates.credits', { count: String(credits) }),
    });
  };
  assert.equal(cost('ru', 1, 1), '1 часть SMS, 1 кредит');
  assert.equal(cost('ru', 2, 2), '2 части SMS, 2 кредита');
  assert.equal(cost('ru', 5, 0), '5 частей SMS, 0 кредитов');
  assert.equal(cost('ru', 21, 21), '21 часть SMS, 21 кредит');
  assert.equal(cost('en', 1, 1), '1 SMS part, 1 credit');
  assert.equal(cost('en', 2, 2), '2 SMS parts, 2 credits');
  const { t } = makeTranslator(messages, 'ru');
  assert.equal(
    t('settings.templates.bad.unknown_variable', { token: '{x}', tokens: new Intl.ListFormat('ru', { type: 'disjunction' }).format(['{venue}', '{link}']) }),
    'Подстановки {x} нет. Можно использовать {venue} или {link}.',
  );
});
