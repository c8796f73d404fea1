// Account text, exactly as crypto/address.cpp and ledger/types.cpp:
// a key account is a Bech32m (BIP 350) address `kop1` + 52 + 6 characters;
// a phone account is `phone:` and 64 lowercase hex digits.
import { bech32m } from '@scure/base';
import { checkBytes, fromHex, toHex } from './bytes.js';

export const address_hrp = 'kop';
// BIP 173 caps the text at 90 characters, where the BCH code's guarantees end.
export const bech32_text_chars_max = 90;
// 256 key bits in 5-bit groups: 51 full groups and one padded with 4 zero bits.
export const address_data_groups = 52;
export const address_chars = address_hrp.length + 1 + address_data_groups + 6;
const phone_prefix = 'phone:';

export class AddressError extends Error {
  constructor(message) {
    super(message);
    this.name = 'AddressError';
  }
}

/** The address text of a 32-byte public key (always lowercase, 62 characters). */
export function addressFromKey(key) {
  return bech32m.encode(address_hrp, bech32m.toWords(checkBytes(key, 32, 'public key')), bech32_text_chars_max);
}

/**
 * The 32-byte key an address holds. Accepts the lowercase text and the same
 * text in all uppercase (QR alphanumeric mode); refuses mixed case, another
 * prefix, another length, a bad checksum and non-zero padding bits, so each
 * key has exactly one address (and its uppercase twin).
 */
export function keyFromAddress(text) {
  if (typeof text !== 'string') throw new AddressError('an address must be a string');
  // Checked first so nothing below looks at hostile-length input.
  if (text.length > bech32_text_chars_max) throw new AddressError('not a Kopilka address: too long');
  if (text.length !== address_chars)
    throw new AddressError(`not a Kopilka address: ${text.length} characters, an address has ${address_chars}`);
  // BIP 173: printable US-ASCII only. Checked here, not left to toLowerCase,
  // which maps some non-ASCII letters (the Kelvin sign) onto ASCII ones.
  if (!/^[\x21-\x7e]+$/.test(text)) throw new AddressError('not a Kopilka address: a character outside ASCII');
  let decoded;
  try {
    decoded = bech32m.decode(text, bech32_text_chars_max);
  } catch {
    throw new AddressError('not a Kopilka address: mixed case, a character outside Bech32, or a bad checksum');
  }
  if (decoded.prefix !== address_hrp) throw new AddressError(`not a Kopilka address: it does not start with ${address_hrp}1`);
  if (decoded.words.length !== address_data_groups) throw new AddressError('not a Kopilka address: wrong length');
  const key = bech32m.fromWordsUnsafe(decoded.words);
  if (!key || key.length !== 32) throw new AddressError('not a Kopilka address: non-zero padding bits');
  return key;
}

/** True when `text` is an address keyFromAddress accepts. */
export function isAddress(text) {
  try {
    keyFromAddress(text);
    return true;
  } catch {
    return false;
  }
}

/** Text form of an account: its address, or `phone:` and lowercase hex. */
export function accountText(account) {
  if (account === null || typeof account !== 'object') throw new TypeError('account must be an object');
  if (account.kind === 'key') return addressFromKey(account.bytes);
  if (account.kind === 'phone') return phone_prefix + toHex(checkBytes(account.bytes, 32, 'phone reference'));
  throw new RangeError("account.kind must be 'key' or 'phone'");
}

/** The account a text names: an address, or `phone:` and 64 lowercase hex digits (one spelling only). */
export function accountFromText(text) {
  if (typeof text !== 'string') throw new AddressError('an account must be a string');
  if (text.startsWith(phone_prefix)) {
    const hex = text.slice(phone_prefix.length);
    if (!/^[0-9a-f]{64}$/.test(hex))
      throw new AddressError('a phone account is phone: and 64 lowercase hex digits');
    return { kind: 'phone', bytes: fromHex(hex, 32) };
  }
  return { kind: 'key', bytes: keyFromAddress(text) };
}

/** A key account of a 32-byte public key. */
export function keyAccount(key) {
  return { kind: 'key', bytes: checkBytes(key, 32, 'public key').slice() };
}
