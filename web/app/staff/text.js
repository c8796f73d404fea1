// The staff till's message helpers: a refusal's figures (decimal strings
// from the node) shown as the person's language writes amounts, and the
// alert that shows such a message.
import { html, useI18n } from '../ui.js';

// Params that carry an amount ("12.50") rather than a word or a number.
const amount_params = new Set(['limit', 'given', 'balance', 'amount', 'price']);

/** `t(message.key, params)` with every amount param formatted ("1234.50" → "1 234,50"). */
export function say(i18n, message) {
  const params = {};
  for (const [name, value] of Object.entries(message.params ?? {}))
    params[name] = amount_params.has(name) && typeof value === 'string' && /^[0-9]+(\.[0-9]{1,2})?$/.test(value) ? i18n.amount(value) : value;
  return i18n.t(message.key, params);
}

/** A refusal or error (`{ key, params }`, or null) as an alert that says what to do. */
export function StaffAlert({ error, testid = 'error' }) {
  const i18n = useI18n();
  if (!error) return null;
  return html`<p class="alert" role="alert" data-testid=${testid}>${say(i18n, error)}</p>`;
}
