// The cabinet's texts (messages.js) on the shared i18n core (i18n-core.js).
import { makeTranslator } from './i18n-core.js';
import { messages } from './messages.js';

export * from './i18n-core.js';

/** The cabinet's text and formats for `lang` (i18n-core.js, makeTranslator). */
export const makeI18n = (lang) => makeTranslator(messages, lang);
