// The gift form's rules, before anything is signed. The note is limited in
// bytes of UTF-8, not characters (memo_bytes_max, 140: 70 Cyrillic
// letters), and may hold no control or hidden format character; the amount
// is a decimal as people type it. Pure.
import { parseAmount } from '../lib/amount.js';
import { textBytes, textProblem } from '../lib/codec.js';
import { memo_bytes_max } from '../lib/encoding.js';

/** `{ bytes, max, problem }`: problem is null, 'too_long' or 'characters' (a message key's last part). */
export function memoState(text) {
  const bytes = textBytes(text);
  if (bytes > memo_bytes_max) return { bytes, max: memo_bytes_max, problem: 'too_long' };
  return { bytes, max: memo_bytes_max, problem: textProblem(text, memo_bytes_max, 'memo') ? 'characters' : null };
}

/** Minor units of an amount as typed ("1", "1.5", "1,50" with a decimal comma), or null. */
export function typedAmount(text) {
  return parseAmount(text.trim().replace(',', '.'));
}
