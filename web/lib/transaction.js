// Signing and checking whole transactions: the unsigned bytes
// (encoding.js), their id (hash.js) and the signer's Ed25519 signature in the
// domain kopilka/tx/v1 (keys.js). As ledger/tx.cpp sign_tx and
// verify_tx_signatures.
import { equalBytes } from './bytes.js';
import { decodeSignedTx, encodeAttestationUnsigned, encodeStaffAcceptanceUnsigned, encodeTx } from './encoding.js';
import { txId } from './hash.js';
import { publicKeyOf, sign, verify } from './keys.js';
import { verifyVoucher } from './voucher.js';

/**
 * Signs `tx` with `seed` for the chain `chainId`: `{ id, unsigned, signature,
 * blob }`, where `blob` is what tx.submit takes (as base64url). Refuses a seed
 * whose key is not `tx.signer`, since the ledger would refuse the result.
 */
export function signTx(tx, seed, chainId) {
  if (!equalBytes(publicKeyOf(seed), tx.signer)) throw new RangeError("the seed's key is not the transaction's signer");
  const unsigned = encodeTx(tx);
  const signature = sign('transaction', chainId, unsigned, seed);
  const blob = new Uint8Array(unsigned.length + signature.length);
  blob.set(unsigned);
  blob.set(signature, unsigned.length);
  return { id: txId(unsigned), unsigned, signature, blob };
}

/**
 * True when every signature in a decoded transaction (decodeSignedTx's
 * result) verifies for `chainId`: the signer's, and for a redeem the
 * voucher's, for a phone_bind the attestor's, for a staff_add the staff
 * member's acceptance. Whether the signer may do this
 * (owner, staff, balance) is the ledger's question, not this one.
 */
export function verifyTx(decoded, chainId) {
  const { tx, signature, unsigned } = decoded;
  if (!verify('transaction', chainId, unsigned, signature, tx.signer)) return false;
  if (tx.kind === 'redeem') return verifyVoucher(tx.body.voucher, chainId);
  if (tx.kind === 'phone_bind') {
    const a = tx.body.attestation;
    return verify('attestation', chainId, encodeAttestationUnsigned(a), a.signature, a.attestor);
  }
  if (tx.kind === 'staff_add') return verifyStaffAcceptance(tx.body.acceptance, chainId);
  return true;
}

/** Decodes a signed blob strictly and returns it with its id: `{ tx, signature, unsigned, id }`. */
export function readSignedTx(blob) {
  const decoded = decodeSignedTx(blob);
  return { ...decoded, id: txId(decoded.unsigned) };
}

/**
 * A key's consent to become staff of `ticker` (docs/formats.md "Staff
 * acceptance"), as ledger/tx.cpp accept_staff and `kopilka staff accept`:
 * `{ ticker, staff, expiry_s, signature }`, signed by `seed` (whose key is
 * `staff`) in the domain kopilka/staff-accept/v1. The owner puts it in a
 * staff_add; encodeStaffAcceptance gives the bytes to hand over.
 */
export function signStaffAcceptance({ ticker, expiry_s }, seed, chainId) {
  const a = { ticker, staff: publicKeyOf(seed), expiry_s };
  const signature = sign('staff_accept', chainId, encodeStaffAcceptanceUnsigned(a), seed);
  return { ...a, signature };
}

/** True when the acceptance is signed by its own `staff` key for `chainId`. */
export function verifyStaffAcceptance(a, chainId) {
  return verify('staff_accept', chainId, encodeStaffAcceptanceUnsigned(a), a.signature, a.staff);
}
