// Phone numbers as the page shows them. Pure.

/**
 * An E.164 number with its middle hidden, as the node's logs mask it
 * (node/notifier.cpp mask_phone): "+79000000002" → "+7900*****02".
 */
export function maskPhone(e164) {
  const s = String(e164);
  if (s.length <= 7) return s;
  return s.slice(0, 5) + '*'.repeat(s.length - 7) + s.slice(-2);
}

/** A number as typed, kept on one line: no-break spaces and hyphens ("+7 900 000-00-02"). */
export function unbroken(text) {
  return String(text).replace(/ /g, '\u00a0').replace(/-/g, '\u2011');
}
