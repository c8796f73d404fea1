// The number a staff member types, as the node will read it: a preview of
// ledger/phone.cpp normalize_phone, shown under the field while they type, so
// "8 900 000-00-01" is seen to mean +79000000001 before anything is signed.
// Only a preview: the signed phone.lookup's `e164` is what the confirm step
// shows and what the coins go to. Pure.

// The country assumed when node.info does not say the node's own
// (`default_country`, kopilkad's `default-country`; an older node): the
// project's default, as the worked example has it.
export const default_country_code = '7';
/** ITU-T E.164 bounds (ledger/phone.h e164_digits_min / e164_digits_max), in digits with the country code. */
export const e164_digits_min = 8;
export const e164_digits_max = 15;
/** ledger/phone.h phone_input_chars_max: longer text the node does not read. */
export const phone_input_chars_max = 64;

const international_prefix = '00';
// Russia and Kazakhstan dial a trunk "8" before the national number, most others "0".
const trunk_prefix_of = (country) => (country === '7' ? '8' : '0');
// Countries whose numbers all have one length (E.164 digits): there a number
// typed without '+' that starts with the country code and has that length is
// international ("7 900 000-00-01" is +7 900 000-00-01).
const fixed_length_digits = Object.freeze({ 7: 11, 375: 12, 380: 12, 998: 12 });
const separators = new Set([' ', '-', '.', '(', ')']);

/**
 * `{ e164 }` for text the node would read as that number, else
 * `{ problem }`: 'empty', 'too_long_text', 'letter', 'character', 'plus'
 * (a '+' not in front), 'country_zero', 'too_short', 'too_long' — the last
 * part of a message key (staff.phone.problem_*).
 */
export function phonePreview(text, country = default_country_code) {
  const input = String(text ?? '');
  if (input.length > phone_input_chars_max) return { problem: 'too_long_text' };
  let digits = '';
  let plus = false;
  for (const c of input) {
    if (c >= '0' && c <= '9') digits += c;
    else if (separators.has(c)) continue;
    else if (c === '+') {
      if (plus || digits !== '') return { problem: 'plus' };
      plus = true;
    } else if (/^[A-Za-z]$/.test(c)) return { problem: 'letter' };
    else return { problem: 'character' };
  }
  if (digits === '') return { problem: 'empty' };
  let international;
  if (plus) international = digits;
  else if (digits.startsWith(international_prefix)) international = digits.slice(international_prefix.length);
  else if (fixed_length_digits[country] === digits.length && digits.startsWith(country)) international = digits;
  else international = country + (digits[0] === trunk_prefix_of(country) ? digits.slice(1) : digits);
  if (international.startsWith('0')) return { problem: 'country_zero' };
  if (international.length < e164_digits_min) return { problem: 'too_short' };
  if (international.length > e164_digits_max) return { problem: 'too_long' };
  return { e164: `+${international}` };
}
