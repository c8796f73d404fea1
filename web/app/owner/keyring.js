// What the owner's page keeps on the device, in its own IndexedDB database
// `kopilka-owner` (never sent anywhere; the cabinet's `kopilka` database
// keeps the known tips every page shares):
//
//   keys    { address: 'kop1…', chain_id, seed (32 bytes), created_ms,
//             backed_up_ms (0 until the owner downloaded the encrypted backup) }
//           the owner's Ed25519 seed per key made or imported in this browser;
//   venues  { ticker, chain_id, owner (address), created_ms }
//           the venues this browser launched or was told it owns.
import { addressFromKey } from '../../lib/address.js';
import { publicKeyOf } from '../../lib/keys.js';
import { keyStore } from '../idb.js';

const inStore = keyStore('kopilka-owner', 1, (db) => {
  db.createObjectStore('keys', { keyPath: 'address' });
  db.createObjectStore('venues', { keyPath: ['chain_id', 'ticker'] });
});

/** Every owner key this browser holds on this chain, newest first. */
export async function ownerKeys(chainIdHex) {
  const all = (await inStore('keys', 'readonly', (s) => s.getAll())) ?? [];
  return all.filter((k) => k.chain_id === chainIdHex).sort((a, b) => b.created_ms - a.created_ms);
}

/** The key with this address on this chain, or null. */
export async function ownerKey(address, chainIdHex) {
  const record = await inStore('keys', 'readonly', (s) => s.get(address));
  return record && record.chain_id === chainIdHex ? record : null;
}

/**
 * Keeps a seed (made in the browser, or opened from a keystore): resolves to
 * its record. `backedUp`: the owner holds an encrypted copy already (an
 * imported keystore is one).
 */
export async function saveOwnerKey(chainIdHex, seed, { backedUp = false } = {}) {
  const address = addressFromKey(publicKeyOf(seed));
  const now = Date.now();
  const record = { address, chain_id: chainIdHex, seed, created_ms: now, backed_up_ms: backedUp ? now : 0 };
  await inStore('keys', 'readwrite', (s) => s.put(record));
  // Best effort: a browser may refuse, and the key is kept either way.
  await navigator.storage?.persist?.().catch(() => false);
  return record;
}

/** Records that the owner downloaded the encrypted backup of `address`. */
export async function markBackedUp(address) {
  await inStore('keys', 'readwrite', (s) => {
    const get = s.get(address);
    get.onsuccess = () => {
      if (get.result) s.put({ ...get.result, backed_up_ms: Date.now() });
    };
    return null;
  });
}

/** The venues this browser owns on this chain, oldest first. */
export async function ownerVenues(chainIdHex) {
  const all = (await inStore('venues', 'readonly', (s) => s.getAll())) ?? [];
  return all.filter((v) => v.chain_id === chainIdHex).sort((a, b) => a.created_ms - b.created_ms);
}

/** Remembers that `owner` (an address whose key is kept here) owns `ticker`. */
export async function saveOwnerVenue(chainIdHex, ticker, owner) {
  await inStore('venues', 'readwrite', (s) => s.put({ chain_id: chainIdHex, ticker, owner, created_ms: Date.now() }));
}
