// BLAKE2b-256 (unkeyed, 32-byte digest) and the ids built on it, as
// crypto/hash.cpp and docs/formats.md "Hashes, ids and signatures".
import { blake2b } from '@noble/hashes/blake2.js';
import { checkBytes, concatBytes, utf8 } from './bytes.js';
import { hash_bytes } from './codec.js';
import { encodeStaffAcceptanceUnsigned, encodeTx, encodeVoucherUnsigned } from './encoding.js';

/** BLAKE2b with a 32-byte digest, no key, no personalisation. */
export function blake2b256(bytes) {
  return blake2b(checkBytes(bytes, undefined, 'message'), { dkLen: hash_bytes });
}

/** A transaction's id: the hash of its unsigned bytes (a tx object or those bytes). */
export function txId(txOrUnsigned) {
  return blake2b256(txOrUnsigned instanceof Uint8Array ? txOrUnsigned : encodeTx(txOrUnsigned));
}

/** A voucher's id: the hash of its unsigned bytes. */
export function voucherId(voucher) {
  return blake2b256(encodeVoucherUnsigned(voucher));
}

/** A staff acceptance's id: the hash of its unsigned bytes (each is accepted once). */
export function staffAcceptanceId(acceptance) {
  return blake2b256(encodeStaffAcceptanceUnsigned(acceptance));
}

/** The chain id: the hash of the genesis bytes. */
export function chainIdOf(genesisBytes) {
  return blake2b256(genesisBytes);
}

const phone_domain = utf8('kopilka/phone/v1');
export const operator_secret_bytes = 32;

/**
 * A phone reference (ledger/phone.h): keyed BLAKE2b-256 with the operator's
 * 32-byte secret over `"kopilka/phone/v1" || 0x00 || e164`. Only the node
 * holds the secret; this is here for auditors and tests, a client never
 * needs it. `e164` must already be normalised (`+` and 1-15 digits).
 */
export function phoneReference(operatorSecret, e164) {
  checkBytes(operatorSecret, operator_secret_bytes, 'operator secret');
  if (typeof e164 !== 'string' || !/^\+[0-9]{1,15}$/.test(e164))
    throw new RangeError('phone must be normalised E.164: + and 1-15 digits');
  return blake2b(concatBytes(phone_domain, Uint8Array.of(0), utf8(e164)), {
    dkLen: hash_bytes,
    key: operatorSecret,
  });
}

/**
 * The Merkle root of transaction ids (RFC 6962 shape): leaf = H(0x00 || id),
 * node = H(0x01 || left || right), split at the largest power of two smaller
 * than the count; no ids give H("").
 */
export function merkleRoot(ids) {
  if (!Array.isArray(ids)) throw new TypeError('ids must be an array');
  for (const id of ids) checkBytes(id, hash_bytes, 'tx id');
  const root = (lo, hi) => {
    if (hi - lo === 1) return blake2b256(concatBytes(Uint8Array.of(0), ids[lo]));
    let split = 1;
    while (split * 2 < hi - lo) split *= 2;
    return blake2b256(concatBytes(Uint8Array.of(1), root(lo, lo + split), root(lo + split, hi)));
  };
  return ids.length === 0 ? blake2b256(new Uint8Array(0)) : root(0, ids.length);
}
