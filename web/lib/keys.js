// Domain-separated Ed25519, as crypto/keys.cpp and docs/design.md invariant 4:
// every signature is over
//
//     u8 len(tag) || tag (ASCII) || chain id (32) || canonical bytes
//
// so a signature made for one chain or one kind of object verifies nowhere
// else. Keys come from a 32-byte seed (the RFC 8032 private key), as
// libsodium's crypto_sign_seed_keypair. noble is the only signing path: the
// browser's WebCrypto Ed25519 is missing on older phones and insecure pages.
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { randomBytes } from '@noble/hashes/utils.js';
import { checkBytes, concatBytes, utf8 } from './bytes.js';
import { signature_bytes } from './codec.js';

export const seed_bytes = 32;
export const public_key_bytes = 32;

export const chain_id_bytes = 32;

/** The domain tags (docs/formats.md); a new domain is a new line here and in crypto/keys.cpp. */
export const domains = Object.freeze({
  transaction: 'kopilka/tx/v1',
  voucher: 'kopilka/voucher/v1',
  block: 'kopilka/block/v1',
  attestation: 'kopilka/attestation/v1',
  lookup: 'kopilka/lookup/v1',
  staff_accept: 'kopilka/staff-accept/v1',
  invite_open: 'kopilka/invite-open/v1',
  messages: 'kopilka/messages/v1',
  webhook: 'kopilka/webhook/v1',
  templates: 'kopilka/templates/v1',
  push: 'kopilka/push/v1',
  pay: 'kopilka/pay/v1',
});

function tagOf(domain) {
  const tag = domains[domain];
  if (tag === undefined) throw new RangeError(`unknown signing domain '${domain}'`);
  return tag;
}

/** The exact bytes signed for `message` in `domain` on the chain `chainId`. */
export function signingMessage(domain, chainId, message) {
  const tag = utf8(tagOf(domain));
  checkBytes(chainId, chain_id_bytes, 'chain id');
  checkBytes(message, undefined, 'message');
  return concatBytes(Uint8Array.of(tag.length), tag, chainId, message);
}

/** A fresh 32-byte seed from the platform's CSPRNG (crypto.getRandomValues). */
export function generateSeed() {
  return randomBytes(seed_bytes);
}

/** The Ed25519 public key of a 32-byte seed. */
export function publicKeyOf(seed) {
  return ed25519.getPublicKey(checkBytes(seed, seed_bytes, 'seed'));
}

/** The 64-byte signature by `seed`'s key over the domain-separated message. */
export function sign(domain, chainId, message, seed) {
  return ed25519.sign(signingMessage(domain, chainId, message), checkBytes(seed, seed_bytes, 'seed'));
}

/**
 * True only if `signature` is `publicKey`'s over the domain-separated
 * message, with exactly libsodium's crypto_sign_verify_detached rules:
 * canonical encodings only (RFC 8032, not ZIP-215), S below the group order,
 * no small-order public key or R, and the cofactorless equation
 * [S]B = R + [k]A, so that no signature verifies here that the ledger
 * refuses, and a third party cannot turn one valid signature into a second
 * one. Malformed input is simply false.
 */
export function verify(domain, chainId, message, signature, publicKey) {
  const m = signingMessage(domain, chainId, message);
  if (!(signature instanceof Uint8Array) || signature.length !== signature_bytes) return false;
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== public_key_bytes) return false;
  try {
    const R = ed25519.Point.fromBytes(signature.subarray(0, 32), false);
    if (R.isSmallOrder()) return false;
    // Decoding, S < L, small-order A and the cofactored equation.
    if (!ed25519.verify(signature, m, publicKey, { zip215: false })) return false;
    // noble checks [8][S]B = [8](R + [k]A); libsodium the equation without
    // the cofactor, which also refuses an R or A with a torsion component.
    const A = ed25519.Point.fromBytes(publicKey, false);
    const L = ed25519.Point.Fn.ORDER;
    let k = 0n;
    const h = sha512(concatBytes(signature.subarray(0, 32), publicKey, m));
    for (let i = h.length - 1; i >= 0; i--) k = (k << 8n) | BigInt(h[i]);
    let S = 0n;
    for (let i = 63; i >= 32; i--) S = (S << 8n) | BigInt(signature[i]);
    return ed25519.Point.BASE.multiplyUnsafe(S).equals(R.add(A.multiplyUnsafe(k % L)));
  } catch {
    return false;
  }
}

/** A random u64 nonce (BigInt), as the CLI picks for each transaction and voucher. */
export function randomNonce() {
  return new DataView(randomBytes(8).buffer).getBigUint64(0);
}
