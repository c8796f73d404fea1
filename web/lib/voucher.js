// Vouchers: the client's signed promise to pay a product's price, and its
// QR text `KV1:` + base41(body), as ledger/tx.cpp and wallet-cli/qr_format.cpp
// (docs/formats.md "Voucher", docs/qr.md).
import { checkBytes, equalBytes, utf8 } from './bytes.js';
import { DecodeError, Reader, Writer, validTicker, ticker_chars_min, ticker_chars_max } from './codec.js';
import { encodeVoucherUnsigned } from './encoding.js';
import { publicKeyOf, sign, verify } from './keys.js';

export const voucher_qr_prefix = 'KV1:';
// Every realistic voucher is at most 200 characters; the theoretical maximum is 216.
export const voucher_qr_chars_max = 256;
export const base41_alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ+-./:';
const base = 41;
const form_codes = { key: 1, phone: 2 };

export class VoucherQrError extends Error {
  constructor(message) {
    super(message);
    this.name = 'VoucherQrError';
  }
}

/**
 * Signs a voucher `{ ticker, product_id, price, client, nonce, expiry_s }`
 * with `seed` for `chainId` (domain kopilka/voucher/v1): the same voucher with
 * `signer` and `signature` set.
 */
export function signVoucher(fields, seed, chainId) {
  const v = { ...fields, signer: publicKeyOf(seed) };
  v.signature = sign('voucher', chainId, encodeVoucherUnsigned(v), seed);
  return v;
}

/** True when the voucher's signature is its signer's for `chainId`. */
export function verifyVoucher(v, chainId) {
  return verify('voucher', chainId, encodeVoucherUnsigned(v), v.signature, v.signer);
}

// ---- base41: base45 (RFC 9285) over the 41 shell-safe alphanumeric characters

/** Two bytes as three characters (least significant first), an odd last byte as two. */
export function base41Encode(bytes) {
  checkBytes(bytes);
  let out = '';
  let i = 0;
  for (; i + 1 < bytes.length; i += 2) {
    let n = (bytes[i] << 8) | bytes[i + 1];
    for (let k = 0; k < 3; k++, n = Math.floor(n / base)) out += base41_alphabet[n % base];
  }
  if (i < bytes.length) {
    let n = bytes[i];
    for (let k = 0; k < 2; k++, n = Math.floor(n / base)) out += base41_alphabet[n % base];
  }
  return out;
}

/**
 * Strict base41: refuses a character outside the alphabet (lowercase with a
 * Caps Lock hint), a length of 3k+1, a triple above 65535 and a final pair
 * above 255, so every body has exactly one text.
 */
export function base41Decode(text) {
  if (text.length % 3 === 1)
    throw new VoucherQrError(`the text has ${text.length} characters; a length of 3k+1 is never produced (truncated?)`);
  const out = [];
  for (let i = 0; i < text.length; i += 3) {
    const chars = Math.min(3, text.length - i);
    let n = 0;
    for (let k = 0, scale = 1; k < chars; k++, scale *= base) {
      const c = text[i + k];
      const d = base41_alphabet.indexOf(c);
      if (d < 0) {
        if (c >= 'a' && c <= 'z')
          throw new VoucherQrError("the text has lowercase letters; a voucher is all uppercase (check the scanner's Caps Lock)");
        throw new VoucherQrError(`character ${i + k + 1} is not one a voucher uses`);
      }
      n += d * scale;
    }
    if (chars === 3) {
      if (n > 0xffff) throw new VoucherQrError(`characters ${i + 1}-${i + 3} do not encode two bytes`);
      out.push(n >> 8, n & 0xff);
    } else {
      if (n > 0xff) throw new VoucherQrError('the last two characters do not encode a byte');
      out.push(n);
    }
  }
  return Uint8Array.from(out);
}

// ---- LEB128 varints, shortest form only

function putVarint(w, v) {
  v = BigInt(v);
  while (v >= 0x80n) {
    w.u8(Number((v & 0x7fn) | 0x80n));
    v >>= 7n;
  }
  w.u8(Number(v));
}

function getVarint(r, field) {
  let v = 0n;
  for (let shift = 0n; ; shift += 7n) {
    const b = r.u8();
    // The tenth byte carries bit 63 only.
    if (shift === 63n && b > 1) throw new DecodeError(`${field} does not fit in 64 bits`);
    v |= BigInt(b & 0x7f) << shift;
    if (!(b & 0x80)) {
      if (b === 0 && shift > 0n) throw new DecodeError(`${field} is not in its shortest form`);
      return v;
    }
  }
}

/**
 * The QR text of a signed voucher. A key account's voucher must be signed by
 * that key (the ledger refuses any other, and the payload has no room for a
 * signer); a phone account's signer is the key bound to the phone on chain.
 */
export function encodeVoucherQr(v) {
  if (!validTicker(v.ticker)) throw new VoucherQrError("the voucher's ticker is not 3-10 of A-Z and 0-9");
  const form = form_codes[v.client?.kind];
  if (form === undefined) throw new VoucherQrError("the voucher's client must be a key or phone account");
  if (v.client.kind === 'key' && !equalBytes(v.client.bytes, v.signer))
    throw new VoucherQrError("a key account's voucher must be signed by that key");
  if (!Number.isInteger(v.product_id) || v.product_id < 0 || v.product_id > 0xffff_ffff)
    throw new VoucherQrError('product_id must be a u32');
  // The u64 writes check the ranges of price and expiry, which travel as varints.
  new Writer().u64(v.price, 'price').u64(v.expiry_s, 'expiry_s');
  const body = new Writer();
  body.u8(form).u8(v.ticker.length).raw(utf8(v.ticker));
  putVarint(body, v.product_id);
  putVarint(body, v.price);
  body.raw(v.client.bytes, 32, 'client').u64(v.nonce, 'nonce');
  putVarint(body, v.expiry_s);
  body.sig(v.signature, 'signature');
  return voucher_qr_prefix + base41Encode(body.bytes());
}

/**
 * Reads a voucher's QR text strictly: `{ form: 'key' | 'phone', voucher }`.
 * For a key client the signer is the client key; for a phone client
 * `voucher.signer` is null: ask the node for the key bound to the phone
 * (account.balances' `key`) and set it before checking the signature.
 */
export function decodeVoucherQr(text) {
  if (typeof text !== 'string') throw new VoucherQrError('a voucher is text');
  if (text.length > voucher_qr_chars_max)
    throw new VoucherQrError(`the text is ${text.length} characters; a voucher has at most ${voucher_qr_chars_max}`);
  if (!text.startsWith(voucher_qr_prefix)) {
    if (text.length >= 4 && text.startsWith('KV') && text[3] === ':')
      throw new VoucherQrError(`this is a voucher of another format version (${text.slice(0, 3)}); this wallet reads ${voucher_qr_prefix.slice(0, 3)}`);
    throw new VoucherQrError(`not a Kopilka voucher: it does not start with ${voucher_qr_prefix}`);
  }
  let body;
  try {
    body = base41Decode(text.slice(voucher_qr_prefix.length));
  } catch (e) {
    throw new VoucherQrError(`damaged voucher: ${e.message}`);
  }
  try {
    const r = new Reader(body);
    const formCode = r.u8();
    if (formCode !== 1 && formCode !== 2) throw new DecodeError(`unknown form ${formCode}`);
    const form = formCode === 1 ? 'key' : 'phone';
    const tickerLength = r.u8();
    if (tickerLength < ticker_chars_min || tickerLength > ticker_chars_max)
      throw new DecodeError(`the ticker length is ${tickerLength}`);
    const ticker = String.fromCharCode(...r.raw(tickerLength));
    if (!validTicker(ticker)) throw new DecodeError('the ticker is not 3-10 of A-Z and 0-9');
    const product = getVarint(r, 'the product id');
    if (product > 0xffff_ffffn) throw new DecodeError('the product id does not fit in 32 bits');
    const price = getVarint(r, 'the price');
    const client = r.raw(32);
    const nonce = r.u64();
    const expiry_s = getVarint(r, 'the expiry');
    const signature = r.sig();
    r.finish();
    const voucher = {
      ticker,
      product_id: Number(product),
      price,
      client: { kind: form, bytes: client },
      nonce,
      expiry_s,
      signer: form === 'key' ? client.slice() : null,
      signature,
    };
    return { form, voucher };
  } catch (e) {
    if (e instanceof DecodeError) throw new VoucherQrError(`damaged voucher: ${e.message}`);
    throw e;
  }
}
