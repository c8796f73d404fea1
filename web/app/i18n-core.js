// Russian and English without a library, for every page: one dictionary per
// language (each page has its own: messages.js is the cabinet's), plural forms
// from Intl.PluralRules, amounts from Intl.NumberFormat fed the exact decimal
// string (never a float), dates from Intl.DateTimeFormat. Pure: the unit tests
// run it in node.

export const languages = Object.freeze(['ru', 'en']);
export const language_fallback = 'en';
export const language_storage_key = 'kopilka.language';

/**
 * The page's language: the one the person chose here before (`stored`), else
 * the first of the browser's `navigator.languages` we have, else English.
 */
export function pickLanguage(stored, preferred = []) {
  if (languages.includes(stored)) return stored;
  for (const tag of preferred) {
    const base = String(tag).toLowerCase().split('-')[0];
    if (languages.includes(base)) return base;
  }
  return language_fallback;
}

const decimal_pattern = /^(0|[1-9][0-9]*)(\.[0-9]{1,2})?$/;

/**
 * Text and formats for `lang` from `dictionaries` ({ ru, en }): `t(key, params)` fills `{name}` from params;
 * an entry with plural forms picks one by `params.count`, a decimal amount
 * string ("3.00", "1.50") or an integer, shown as `{count}`.
 */
export function makeTranslator(dictionaries, lang) {
  const dict = dictionaries[lang];
  if (!dict) throw new RangeError(`no messages for language '${lang}'`);
  // Whole amounts without decimals ("3 бонуса"), others with two ("1,50 бонуса").
  const amountFormat = new Intl.NumberFormat(lang, {
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
    trailingZeroDisplay: 'stripIfInteger',
  });
  const wholeRules = new Intl.PluralRules(lang);
  const fractionRules = new Intl.PluralRules(lang, { minimumFractionDigits: 2 });
  const dateTimeFormat = new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short' });

  /** "1234.50" → "1 234,50" (ru) or "1,234.50" (en); "3.00" → "3". Exact: the string goes to Intl as is. */
  function amount(decimal) {
    const text = typeof decimal === 'number' ? String(decimal) : decimal;
    if (typeof text !== 'string' || !decimal_pattern.test(text)) throw new RangeError(`not a decimal amount: ${decimal}`);
    return amountFormat.format(text);
  }

  function pluralCategory(count) {
    const text = String(count);
    const whole = !text.includes('.') || /\.0+$/.test(text);
    // The category only needs the last digits, which a Number of an amount keeps.
    return (whole ? wholeRules : fractionRules).select(Number(text));
  }

  function t(key, params = {}) {
    let entry = dict[key];
    if (entry === undefined) throw new RangeError(`no message '${key}' in '${lang}'`);
    if (typeof entry === 'object') entry = entry[pluralCategory(params.count)] ?? entry.other;
    return entry.replace(/\{(\w+)\}/g, (_, name) => {
      if (name === 'count') return amount(params.count);
      const value = params[name];
      if (value === undefined) throw new RangeError(`message '${key}' needs {${name}}`);
      return String(value);
    });
  }

  return {
    lang,
    t,
    amount,
    pluralCategory,
    /** A moment (unix ms) as the person's calendar shows it. */
    dateTime: (ms) => dateTimeFormat.format(new Date(Number(ms))),
  };
}

/** "4:05": a countdown of whole seconds, the same in both languages. */
export function countdownText(seconds) {
  const s = Math.max(0, Math.floor(Number(seconds)));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}
