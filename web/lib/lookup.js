// The signed phone.lookup request (docs/formats.md "Signed phone lookup"), as
// ledger/phone.cpp lookup_request_bytes and the functional tests'
// lookup_params: a staff member's or a client's key signs the phone text as
// typed and the time, in the domain kopilka/lookup/v1. Never in a block.
import { accountText, addressFromKey } from './address.js';
import { concatBytes, toHex, utf8 } from './bytes.js';
import { publicKeyOf, sign } from './keys.js';

/** The longest phone text a lookup may sign, in UTF-8 bytes (ledger/phone.h phone_input_chars_max). */
export const phone_input_bytes_max = 64;

/** A request's time_ms as a Number: a non-negative safe integer, or a BigInt in that range. */
export function timeMs(value) {
  if (typeof value === 'bigint') {
    if (value < 0n || value > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError('time_ms is outside 0..2^53-1');
    return Number(value);
  }
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError('time_ms must be a non-negative safe integer or a BigInt');
  return value;
}

/**
 * The signed bytes: `u64 time_ms || u8 n || phone` (n UTF-8 bytes, the text
 * exactly as it will be sent, not normalised). Throws for a phone over 64
 * bytes, which the node could not check either.
 */
export function lookupRequestBytes(phone, time_ms) {
  if (typeof phone !== 'string') throw new TypeError('phone must be a string');
  if (/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(phone))
    throw new RangeError('phone is not valid Unicode text');
  const text = utf8(phone);
  if (text.length > phone_input_bytes_max)
    throw new RangeError(`phone is ${text.length} bytes; at most ${phone_input_bytes_max} allowed`);
  const head = new Uint8Array(9);
  new DataView(head.buffer).setBigUint64(0, BigInt(timeMs(time_ms)));
  head[8] = text.length;
  return concatBytes(head, text);
}

/**
 * The params of a signed phone.lookup: `{ phone, key, time_ms, signature }`,
 * and `holder` (the `phone:<hex>` text of an account object) when given, for
 * a client looking up with its bound key; `holder` is not signed. `time_ms`
 * should be the node's clock (node.info's time_ms): the node takes a request
 * within 300 s of it, and each one once.
 */
export function signLookup({ phone, time_ms, holder }, seed, chainId) {
  const message = lookupRequestBytes(phone, time_ms);
  const params = {
    phone,
    key: addressFromKey(publicKeyOf(seed)),
    time_ms: timeMs(time_ms),
    signature: toHex(sign('lookup', chainId, message, seed)),
  };
  if (holder !== undefined && holder !== null) params.holder = accountText(holder);
  return params;
}
