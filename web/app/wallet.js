// What the client's key signs, in the browser, and how it reaches the node:
// the phone_bind with the node's attestation, the re-bind's cancel and
// completion, gifts from the phone account, signed phone lookups and the
// reward vouchers. Only signatures and public keys leave: the seed stays in
// the page's memory and IndexedDB. `node` is connection.js's: its client,
// chain id and clock.
import { accountFromText, addressFromKey } from '../lib/address.js';
import { fromBase64url, toHex } from '../lib/bytes.js';
import { decodeAttestation } from '../lib/encoding.js';
import { voucherId } from '../lib/hash.js';
import { generateSeed, publicKeyOf, randomNonce } from '../lib/keys.js';
import { signLookup } from '../lib/lookup.js';
import { signConsent } from '../lib/consent.js';
import { signTx } from '../lib/transaction.js';
import { encodeVoucherQr, signVoucher } from '../lib/voucher.js';

// A transaction is good for ten minutes of the node's clock: enough for a
// slow network, far inside the ledger's 24 hours.
export const tx_life_s = 600n;
// A voucher lives five minutes (the CLI's default): long enough to walk to
// the till, short enough that a photographed QR is soon worthless.
export const voucher_life_s = 300n;

async function submit(node, seed, kind, body) {
  const tx = { kind, signer: publicKeyOf(seed), nonce: randomNonce(), expiry_s: node.nowS() + tx_life_s, body };
  const { blob } = signTx(tx, seed, node.chainId);
  // wait: the answer comes once the block holding it is synced, or the refusal.
  return node.client.submitTx(blob, { wait: true });
}

/** A fresh key: `{ seed, address }`. */
export function newKey() {
  const seed = generateSeed();
  return { seed, address: addressFromKey(publicKeyOf(seed)) };
}

/** Asks the node to send a claim code by SMS to `phone`: `{ sent, expires_in_s }`. */
export function requestCode(node, phone) {
  return node.client.call('phone.claim.request', { phone });
}

/** Confirms the code for the key's address: the node's attestation, `{ account, e164, attestation, … }`. */
export function confirmCode(node, phone, code, address) {
  return node.client.call('phone.claim.confirm', { phone, code, key: address });
}

/**
 * Binds the phone to the key with the attestation (base64url): committed at
 * once for an unclaimed phone, an announced re-bind for a claimed one.
 */
export function bindPhone(node, seed, attestationText) {
  const attestation = decodeAttestation(fromBase64url(attestationText, 'attestation'));
  return submit(node, seed, 'phone_bind', { attestation });
}

/** The bound key says no to a pending re-bind of its phone. */
export function cancelRebind(node, seed, account) {
  return submit(node, seed, 'phone_rebind_cancel', { phone: accountFromText(account).bytes });
}

/** The waiting key takes the phone once the delay is over. */
export function completeRebind(node, seed, account) {
  return submit(node, seed, 'phone_rebind_complete', { phone: accountFromText(account).bytes });
}

/** A friend's number, looked up with a request this phone's key signs: `{ e164, account, … }`. */
export async function lookupPhone(node, seed, holder, phone) {
  const { time_ms } = await node.client.nodeInfo();
  return node.client.phoneLookup(signLookup({ phone, time_ms, holder: accountFromText(holder) }, seed, node.chainId));
}

/**
 * This phone's key chooses whether `ticker`'s automatic messages ("" every
 * venue's) reach the phone, signed at the node's time.
 */
export async function chooseMessages(node, seed, account, ticker, receive) {
  const { time_ms } = await node.client.nodeInfo();
  return node.client.messagesConsentSet(signConsent({ holder: accountFromText(account), ticker, receive, time_ms }, seed, node.chainId));
}

/** A gift from the phone account `from` to the account `to` (texts), `amount` in minor units. */
export function sendGift(node, seed, { ticker, from, to, amount, memo }) {
  return submit(node, seed, 'transfer', { ticker, from: accountFromText(from), to: accountFromText(to), amount, memo });
}

/**
 * A voucher for `product` (venue.get's, with `priceUnits`) paid from the
 * phone account `client`, valid `voucher_life_s` by the node's clock:
 * `{ id (hex), text (the QR's KV1: payload), expiry_s }`.
 */
export function makeVoucher(node, seed, { ticker, product, client }) {
  const voucher = signVoucher(
    {
      ticker,
      product_id: product.id,
      price: product.priceUnits,
      client: accountFromText(client),
      nonce: randomNonce(),
      expiry_s: node.nowS() + voucher_life_s,
    },
    seed,
    node.chainId,
  );
  return { id: toHex(voucherId(voucher)), text: encodeVoucherQr(voucher), expiry_s: voucher.expiry_s };
}

/** The address of a seed's key, to compare with the chain's `key` of a phone. */
export function addressOf(seed) {
  return addressFromKey(publicKeyOf(seed));
}
