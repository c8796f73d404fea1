// What the settings sign with the owner's key and how it reaches the node:
// each change is one transaction (docs/formats.md "Bodies"), built as the
// CLI builds it (wallet-cli/cmd_owner.cpp) and submitted with wait, so the
// page says "saved" only once the block holding it is synced, or shows the
// ledger's refusal. The seed stays in this page's memory and IndexedDB:
// only the signed blob leaves. Also the logo upload (POST /media).
import { accountFromText, keyFromAddress } from '../../../lib/address.js';
import { publicKeyOf } from '../../../lib/keys.js';
import { RpcUnavailable } from '../../../lib/rpc.js';
import { describeError } from '../../errors.js';
import { submitSigned, tx_life_s } from '../wizard/chain.js';

// A transaction is good for ten minutes of the node's clock, as the wizard's
// (its chain.js signs and submits for both).
export const owner_tx_life_s = tx_life_s;
// The node's own bound on an upload (docs/node.md "Media", media_upload_bytes_max).
export const media_upload_bytes_max = 262_144;
export const media_types = Object.freeze(['image/png', 'image/jpeg', 'image/webp']);

/** Signs `body` as a `kind` transaction of the owner (`seed`) and submits it with wait: the node's answer. */
export const submitOwnerTx = (node, seed, kind, body) => submitSigned(node, seed, { kind, body });

export const updateProfile = (node, seed, ticker, profile) => submitOwnerTx(node, seed, 'venue_update', { ticker, profile });

export const upsertProduct = (node, seed, ticker, product) => submitOwnerTx(node, seed, 'product_upsert', { ticker, product });

/** staff_update (kind 5): a member's role and limits; `limits` BigInt or null each. */
export const updateStaff = (node, seed, ticker, address, role, limits) =>
  submitOwnerTx(node, seed, 'staff_update', { ticker, staff: keyFromAddress(address), role, limits });

/** The treasury (the owner's key account) tops up a member: a transfer, as `kopilka fund`. */
export const fundStaff = (node, seed, ticker, address, units) =>
  submitOwnerTx(node, seed, 'transfer', {
    ticker,
    from: { kind: 'key', bytes: publicKeyOf(seed) },
    to: accountFromText(address),
    amount: units,
    memo: '',
  });

export const removeStaff = (node, seed, ticker, address) =>
  submitOwnerTx(node, seed, 'staff_remove', { ticker, staff: keyFromAddress(address) });

// The ledger's refusals an owner's change can meet, each a message saying
// what to do next (messages-settings.js); the rest are the shared ones.
const owner_refusals = Object.freeze({
  not_owner: 'settings.error.not_owner',
  insufficient_balance: 'settings.error.treasury_short',
  unknown_staff: 'settings.error.staff_gone',
  catalogue_full: 'settings.error.catalogue_full',
  unknown_ticker: 'settings.error.unknown_venue',
  unknown_product: 'settings.error.product_gone',
  expired: 'settings.error.clock',
  expiry_too_far: 'settings.error.clock',
  overflow: 'settings.error.overflow',
  zero_amount: 'settings.error.zero',
});

/** `{ key, params }` for an error of a settings change (an RpcError, RpcUnavailable or the page's own). */
export function describeSettingsError(error) {
  if (error instanceof RpcUnavailable) return { key: 'settings.error.offline' };
  if (error instanceof MediaError) return { key: `settings.media.${error.code}` };
  const reason = error?.reason;
  if (reason && owner_refusals[reason]) return { key: owner_refusals[reason] };
  return describeError(error);
}

/** An upload the node (or this page, before sending) refused: `code` as docs/node.md's table names it. */
export class MediaError extends Error {
  constructor(code, message) {
    super(message);
    this.name = 'MediaError';
    this.code = code;
  }
}

const media_codes = new Set(['wrong_type', 'too_large', 'rate_limited', 'unreadable', 'too_big_dimensions', 'store_full', 'busy', 'unavailable']);

/** Uploads an image (a File or Blob) to the node: resolves to its URL (/media/<hash>.<ext>). */
export async function uploadImage(file, fetchImpl = fetch) {
  if (!media_types.includes(file.type)) throw new MediaError('wrong_type', `not an image the node keeps: ${file.type}`);
  if (file.size > media_upload_bytes_max) throw new MediaError('too_large', `${file.size} bytes`);
  let response;
  try {
    response = await fetchImpl('/media', {
      method: 'POST',
      headers: { 'Content-Type': file.type },
      body: file,
      credentials: 'omit',
      referrerPolicy: 'no-referrer',
    });
  } catch {
    throw new MediaError('unavailable', 'the node cannot be reached');
  }
  const answer = await response.json().catch(() => null);
  if (response.ok && typeof answer?.url === 'string' && /^\/media\/[0-9a-f]{64}\.(png|jpg|webp)$/.test(answer.url))
    return answer.url;
  const code = answer?.error?.code;
  throw new MediaError(media_codes.has(code) ? code : 'unavailable', `upload refused: HTTP ${response.status}`);
}
