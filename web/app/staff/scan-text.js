// What a USB scanner (or a paste) puts in the voucher field, made into the
// voucher's QR text. A scanner is a keyboard: it types the characters of
// `KV1:…` through whatever layout the till has on, so with the Russian
// layout active "KV1:H6" arrives as "ЛМ1ЖР6", and with Caps Lock on as
// "kv1:h6". Both are undone here, since the voucher alphabet (docs/qr.md,
// base41) has no lowercase and no Cyrillic: the mapping loses nothing. Pure.
import { voucher_qr_chars_max, voucher_qr_prefix } from '../../lib/voucher.js';

// Text longer than this is no voucher and is not looked at further (a
// voucher is at most voucher_qr_chars_max; a pasted line may carry spaces).
export const scan_text_chars_max = 1024;

// The Russian (ЙЦУКЕН) key under each US (QWERTY) character of the voucher
// alphabet that differs: the same physical keys, shifted as the scanner
// types them. Digits, '+' and '-' are the same in both layouts.
const russian_layout_keys = Object.freeze({
  Ф: 'A', И: 'B', С: 'C', В: 'D', У: 'E', А: 'F', П: 'G', Р: 'H', Ш: 'I', О: 'J', Л: 'K', Д: 'L', Ь: 'M',
  Т: 'N', Щ: 'O', З: 'P', Й: 'Q', К: 'R', Ы: 'S', Е: 'T', Г: 'U', М: 'V', Ц: 'W', Ч: 'X', Н: 'Y', Я: 'Z',
  // Shift+';' is 'Ж' (US ':'); '.' sits where US '/' is, 'Ю' where US '.' is.
  Ж: ':', Ю: '.', '.': '/',
});

function fromRussianLayout(text) {
  let out = '';
  for (const c of text.toUpperCase()) out += russian_layout_keys[c] ?? c;
  return out;
}

/**
 * `{ text }`: the voucher text (starting `KV1:`) found in what was typed or
 * pasted, or `{ problem }`: 'empty', 'too_long' or 'not_voucher' (a
 * message key's last part). Surrounding spaces and line ends go; a line
 * pasted with words around the code ("code: KV1:…") gives the code.
 */
export function scannedVoucher(raw) {
  let text = String(raw ?? '').trim();
  if (text === '') return { problem: 'empty' };
  if (text.length > scan_text_chars_max) return { problem: 'too_long' };
  if (/[\u0400-\u04ff]/.test(text)) text = fromRussianLayout(text);
  else text = text.toUpperCase();
  const at = text.indexOf(voucher_qr_prefix);
  if (at < 0) return { problem: 'not_voucher' };
  const code = text.slice(at).split(/\s/)[0];
  if (code.length > voucher_qr_chars_max) return { problem: 'too_long' };
  return { text: code };
}
