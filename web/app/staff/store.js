// What the staff till keeps on the device, in IndexedDB database
// `kopilka-staff` (never sent anywhere):
//
//   keys  { id: '<chain id hex>/<TICKER>', chain_id, ticker, seed (32 bytes),
//           address, acceptance (the signed consent's base64url line),
//           invite_id (32 hex), joined (false until the owner's staff_add
//           was seen), created_ms, used_ms (when its till was last chosen) }
//
// one Ed25519 key per venue and chain. The invite's secret is not kept: once
// invite.accept took the consent, only the venue's staff list matters, and a
// secret at rest would let anyone who reads the store spend the invite. The
// known tips stay in the cabinet's store (connection.js), one per chain for
// every page of the origin.
import { keyStore } from '../idb.js';

const inStore = keyStore('kopilka-staff', 1, (db) => db.createObjectStore('keys', { keyPath: 'id' }));

export const staffKeyId = (chainIdHex, ticker) => `${chainIdHex}/${ticker}`;

/** The key this browser holds for `ticker` on this chain, or null. */
export async function staffKey(chainIdHex, ticker) {
  return (await inStore('keys', 'readonly', (s) => s.get(staffKeyId(chainIdHex, ticker)))) ?? null;
}

/** Every staff key on this chain, the last used (`used_ms`, else made: `created_ms`) first. */
export async function staffKeys(chainIdHex) {
  const all = (await inStore('keys', 'readonly', (s) => s.getAll())) ?? [];
  const used = (k) => k.used_ms ?? k.created_ms;
  return all.filter((k) => k.chain_id === chainIdHex).sort((a, b) => used(b) - used(a));
}

/** Keeps (or updates) a key record; asks the browser not to evict the store. */
export async function saveStaffKey(record) {
  await inStore('keys', 'readwrite', (s) => s.put({ ...record, id: staffKeyId(record.chain_id, record.ticker) }));
  await navigator.storage?.persist?.().catch(() => false);
}
