// Byte helpers shared by the other modules: hex, base64url, comparison,
// concatenation. Every decoder here is strict: one text per byte string.
import { base64urlnopad, hex as scureHex } from '@scure/base';

/** Throws unless `value` is a Uint8Array, of `length` bytes when given. */
export function checkBytes(value, length, field = 'value') {
  if (!(value instanceof Uint8Array)) throw new TypeError(`${field} must be a Uint8Array`);
  if (length !== undefined && value.length !== length)
    throw new RangeError(`${field} must be ${length} bytes, not ${value.length}`);
  return value;
}

/** Lowercase hex of the bytes. */
export function toHex(bytes) {
  return scureHex.encode(checkBytes(bytes));
}

/**
 * Bytes of a hex text. Only lowercase hex of an even length is accepted (as
 * the C++ side writes it), so each byte string has one hex spelling; `length`,
 * when given, is the exact number of bytes required.
 */
export function fromHex(text, length, field = 'hex') {
  if (typeof text !== 'string') throw new TypeError(`${field} must be a string`);
  if (!/^(?:[0-9a-f]{2})*$/.test(text)) throw new RangeError(`${field} is not lowercase hex`);
  const out = scureHex.decode(text);
  if (length !== undefined && out.length !== length)
    throw new RangeError(`${field} must be ${length} bytes of hex, not ${out.length}`);
  return out;
}

/** base64url without padding, as JSON-RPC carries signed blobs and vouchers. */
export function toBase64url(bytes) {
  return base64urlnopad.encode(checkBytes(bytes));
}

/**
 * Bytes of a base64url text without padding. Refuses padding, the `+/`
 * alphabet and non-zero trailing bits, so each byte string has one text.
 */
export function fromBase64url(text, field = 'base64url') {
  if (typeof text !== 'string') throw new TypeError(`${field} must be a string`);
  let out;
  try {
    out = base64urlnopad.decode(text);
  } catch {
    throw new RangeError(`${field} is not base64url without padding`);
  }
  if (base64urlnopad.encode(out) !== text) throw new RangeError(`${field} is not canonical base64url`);
  return out;
}

/** The bytes of all arguments, one after the other. */
export function concatBytes(...parts) {
  let length = 0;
  for (const p of parts) length += checkBytes(p).length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** True when both are byte arrays with the same contents (not constant-time: public data only). */
export function equalBytes(a, b) {
  if (!(a instanceof Uint8Array) || !(b instanceof Uint8Array) || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** UTF-8 bytes of a string (lone surrogates become U+FFFD, as TextEncoder does). */
export function utf8(text) {
  return utf8Encoder.encode(text);
}

/** The string of UTF-8 bytes; throws on anything that is not valid UTF-8. */
export function fromUtf8(bytes) {
  return utf8Decoder.decode(bytes);
}
