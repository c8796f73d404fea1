// The byte-level codec under every ledger object, as ledger/codec.cpp:
// big-endian integers, booleans that are 0 or 1, length-prefixed UTF-8 text
// with a byte limit, tickers, accounts. Writer checks each value before it
// writes it; Reader refuses (DecodeError) whatever Writer would not produce.
import { checkBytes, concatBytes, fromUtf8, utf8 } from './bytes.js';

export class DecodeError extends Error {
  constructor(message) {
    super(message);
    this.name = 'DecodeError';
  }
}

// ---- sizes ----------------------------------------------------------------

export const ticker_chars_min = 3;
export const ticker_chars_max = 10;
export const key_bytes = 32;
export const hash_bytes = 32;
export const signature_bytes = 64;
const u64_max = (1n << 64n) - 1n;
const u32_max = 0xffff_ffff;

const account_kind_codes = { key: 1, phone: 2 };
const account_kind_names = { 1: 'key', 2: 'phone' };

// ---- text ---------------------------------------------------------------

/**
 * True for the invisible characters that change how the text around them is
 * shown (the hidden-format rule, ledger/codec.cpp hidden_format_char): the
 * bidi embeddings, overrides and isolates, the bidi marks and the zero-width
 * characters. Text holding one could read as something else (Trojan Source).
 */
export function hiddenFormatChar(codePoint) {
  return (
    (codePoint >= 0x202a && codePoint <= 0x202e) || // LRE, RLE, PDF, LRO, RLO
    (codePoint >= 0x2066 && codePoint <= 0x2069) || // LRI, RLI, FSI, PDI
    codePoint === 0x200e || codePoint === 0x200f || // LRM, RLM
    codePoint === 0x061c || // ARABIC LETTER MARK
    (codePoint >= 0x200b && codePoint <= 0x200d) || // ZERO WIDTH SPACE, NON-JOINER, JOINER
    codePoint === 0x2060 || // WORD JOINER
    codePoint === 0xfeff // ZERO WIDTH NO-BREAK SPACE (BOM)
  );
}

/** `U+202E`: 4 hex digits, 6 above U+FFFF (as ledger/codec.cpp). */
function codePointName(codePoint) {
  return `U+${codePoint.toString(16).toUpperCase().padStart(codePoint > 0xffff ? 6 : 4, '0')}`;
}

/**
 * The first fault of a well-formed string as ledger text, in text order (as
 * ledger/codec.cpp check_display_text): `{ fault: 'surrogate' | 'control' |
 * 'hidden', codePoint }`, or null when it has none.
 */
function textFault(text) {
  for (let i = 0; i < text.length; i++) {
    const u = text.charCodeAt(i);
    let cp = u;
    if (u >= 0xd800 && u <= 0xdbff) {
      const lo = text.charCodeAt(i + 1);
      if (!(lo >= 0xdc00 && lo <= 0xdfff)) return { fault: 'surrogate', codePoint: u };
      cp = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
      i++;
    } else if (u >= 0xdc00 && u <= 0xdfff) {
      return { fault: 'surrogate', codePoint: u };
    }
    if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return { fault: 'control', codePoint: cp };
    if (hiddenFormatChar(cp)) return { fault: 'hidden', codePoint: cp };
  }
  return null;
}

function hiddenMessage(field, codePoint) {
  return `${field} holds ${codePointName(codePoint)}, an invisible direction or zero-width character that can disguise text; remove it`;
}

/**
 * Why `text` cannot be ledger text, or null if it can: it must be a
 * well-formed string (no lone surrogates, which UTF-8 cannot carry) with no C0
 * control, DEL or C1 control character, none of the hidden format characters
 * (hiddenFormatChar), and at most `maxBytes` bytes of UTF-8. The messages are
 * ledger/codec.cpp display_text_error's.
 */
export function textProblem(text, maxBytes, field) {
  if (typeof text !== 'string') return `${field} must be a string`;
  const f = textFault(text);
  if (f?.fault === 'surrogate') return `${field} is not valid Unicode text`;
  // The length first, then the characters, as ledger/types.cpp check_text.
  const n = utf8(text).length;
  if (n > maxBytes) return `${field} is ${n} bytes; at most ${maxBytes} allowed`;
  if (f?.fault === 'control') return `${field} must be UTF-8 text without control characters`;
  if (f?.fault === 'hidden') return hiddenMessage(field, f.codePoint);
  return null;
}

/** The number of UTF-8 bytes `text` takes (limits are in bytes, not characters). */
export function textBytes(text) {
  return utf8(text).length;
}

/** True for 3-10 characters of A-Z and 0-9. */
export function validTicker(ticker) {
  return typeof ticker === 'string' && /^[A-Z0-9]{3,10}$/.test(ticker);
}

// ---- writer -------------------------------------------------------------

function toU64(value, field) {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new RangeError(`${field} must be a safe integer or a BigInt`);
    value = BigInt(value);
  }
  if (typeof value !== 'bigint') throw new TypeError(`${field} must be a BigInt`);
  if (value < 0n || value > u64_max) throw new RangeError(`${field} is outside u64`);
  return value;
}

function checkInt(value, min, max, field) {
  if (!Number.isInteger(value)) throw new TypeError(`${field} must be an integer Number`);
  if (value < min || value > max) throw new RangeError(`${field} must be from ${min} to ${max}`);
  return value;
}

/** Appends big-endian fields to a growing byte string. */
export class Writer {
  #parts = [];

  u8(v, field = 'u8') {
    this.#parts.push(Uint8Array.of(checkInt(v, 0, 0xff, field)));
    return this;
  }
  u16(v, field = 'u16') {
    checkInt(v, 0, 0xffff, field);
    this.#parts.push(Uint8Array.of(v >>> 8, v & 0xff));
    return this;
  }
  u32(v, field = 'u32') {
    checkInt(v, 0, u32_max, field);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v);
    this.#parts.push(b);
    return this;
  }
  i32(v, field = 'i32') {
    checkInt(v, -0x8000_0000, 0x7fff_ffff, field);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setInt32(0, v);
    this.#parts.push(b);
    return this;
  }
  u64(v, field = 'u64') {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, toU64(v, field));
    this.#parts.push(b);
    return this;
  }
  bool(v, field = 'bool') {
    if (typeof v !== 'boolean') throw new TypeError(`${field} must be a boolean`);
    return this.u8(v ? 1 : 0);
  }
  raw(bytes, length, field = 'bytes') {
    this.#parts.push(checkBytes(bytes, length, field).slice());
    return this;
  }
  key(bytes, field = 'key') {
    return this.raw(bytes, key_bytes, field);
  }
  hash(bytes, field = 'hash') {
    return this.raw(bytes, hash_bytes, field);
  }
  sig(bytes, field = 'signature') {
    return this.raw(bytes, signature_bytes, field);
  }
  /** `u16 length || UTF-8`, after checking textProblem. */
  text(value, maxBytes, field) {
    const why = textProblem(value, maxBytes, field);
    if (why) throw new RangeError(why);
    const b = utf8(value);
    return this.u16(b.length).raw(b);
  }
  /** `u8 length || ASCII`, 3-10 of A-Z and 0-9. */
  ticker(value, field = 'ticker') {
    if (!validTicker(value)) throw new RangeError(`${field} must be 3-10 characters of A-Z and 0-9`);
    return this.u8(value.length).raw(utf8(value));
  }
  /** `u8 kind (1 key, 2 phone) || 32 bytes`. */
  account(a, field = 'account') {
    if (a === null || typeof a !== 'object') throw new TypeError(`${field} must be an account object`);
    const code = account_kind_codes[a.kind];
    if (code === undefined) throw new RangeError(`${field}.kind must be 'key' or 'phone'`);
    return this.u8(code).raw(a.bytes, 32, `${field}.bytes`);
  }
  bytes() {
    return concatBytes(...this.#parts);
  }
}

// ---- reader -------------------------------------------------------------

/** Reads big-endian fields; every method throws DecodeError when the input does not hold one. */
export class Reader {
  #in;
  #pos = 0;

  constructor(bytes) {
    this.#in = checkBytes(bytes, undefined, 'input');
  }
  get offset() {
    return this.#pos;
  }
  get remaining() {
    return this.#in.length - this.#pos;
  }
  raw(n) {
    if (this.remaining < n)
      throw new DecodeError(`truncated: needed ${n} more bytes at offset ${this.#pos}, have ${this.remaining}`);
    const out = this.#in.slice(this.#pos, this.#pos + n);
    this.#pos += n;
    return out;
  }
  #view(n) {
    const b = this.raw(n);
    return new DataView(b.buffer, b.byteOffset, n);
  }
  u8() {
    return this.raw(1)[0];
  }
  u16() {
    return this.#view(2).getUint16(0);
  }
  u32() {
    return this.#view(4).getUint32(0);
  }
  i32() {
    return this.#view(4).getInt32(0);
  }
  u64() {
    return this.#view(8).getBigUint64(0);
  }
  bool() {
    const at = this.#pos;
    const v = this.u8();
    if (v > 1) throw new DecodeError(`non-canonical boolean ${v} at offset ${at}`);
    return v === 1;
  }
  key() {
    return this.raw(key_bytes);
  }
  hash() {
    return this.raw(hash_bytes);
  }
  sig() {
    return this.raw(signature_bytes);
  }
  text(maxBytes, field) {
    const n = this.u16();
    if (n > maxBytes) throw new DecodeError(`${field} is ${n} bytes; at most ${maxBytes} allowed`);
    let s;
    try {
      s = fromUtf8(this.raw(n));
    } catch (e) {
      if (e instanceof DecodeError) throw e;
      throw new DecodeError(`${field} is not valid UTF-8 text`);
    }
    const f = textFault(s);
    if (f?.fault === 'hidden') throw new DecodeError(hiddenMessage(field, f.codePoint));
    if (f) throw new DecodeError(`${field} is not valid UTF-8 text`);
    return s;
  }
  ticker() {
    const n = this.u8();
    if (n < ticker_chars_min || n > ticker_chars_max)
      throw new DecodeError(`ticker length ${n} is outside 3-10`);
    const t = String.fromCharCode(...this.raw(n));
    if (!validTicker(t)) throw new DecodeError('ticker must be 3-10 characters of A-Z and 0-9');
    return t;
  }
  account() {
    const code = this.u8();
    const kind = account_kind_names[code];
    if (kind === undefined) throw new DecodeError(`unknown account kind ${code}`);
    return { kind, bytes: this.hash() };
  }
  /** Refuses trailing bytes. */
  finish() {
    if (this.remaining !== 0) throw new DecodeError(`${this.remaining} trailing bytes after the object`);
  }
}

/** Runs `read(reader)` over all of `bytes`, refusing trailing bytes; messages start with `what`. */
export function decodeAll(bytes, what, read) {
  try {
    const r = new Reader(bytes);
    const out = read(r);
    r.finish();
    return out;
  } catch (e) {
    if (e instanceof DecodeError) throw new DecodeError(`malformed ${what}: ${e.message}`);
    throw e;
  }
}
