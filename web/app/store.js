// What the cabinet keeps on the device, in IndexedDB (never sent anywhere):
//
//   keys  { account: 'phone:<hex>', chain_id, seed (32 bytes), created_ms }
//         the client's Ed25519 seed for each phone claimed in this browser;
//   tips  { chain_id, header (213 bytes) }
//         the highest producer-signed block header verified per chain, the
//         known tip of docs/formats.md, so a rolled-back node is refused.
//
// A tip is only ever replaced by a higher one, inside one transaction, so
// two tabs at once never lower it.
import { decodeSignedHeader } from '../lib/chain.js';
import { keyStore } from './idb.js';

const inStore = keyStore('kopilka', 1, (db) => {
  db.createObjectStore('keys', { keyPath: 'account' });
  db.createObjectStore('tips', { keyPath: 'chain_id' });
});

/** The key this browser holds for a phone account on this chain, or null. */
export async function keyFor(account, chainIdHex) {
  const record = await inStore('keys', 'readonly', (s) => s.get(account));
  return record && record.chain_id === chainIdHex ? record : null;
}

/** Every key this browser holds on this chain, newest first. */
export async function keysOn(chainIdHex) {
  const all = (await inStore('keys', 'readonly', (s) => s.getAll())) ?? [];
  return all.filter((k) => k.chain_id === chainIdHex).sort((a, b) => b.created_ms - a.created_ms);
}

/** Keeps a new key for `account`, and asks the browser not to evict the store. */
export async function saveKey(account, chainIdHex, seed) {
  await inStore('keys', 'readwrite', (s) => s.put({ account, chain_id: chainIdHex, seed, created_ms: Date.now() }));
  // Best effort: a browser may refuse, and the key is kept either way.
  await navigator.storage?.persist?.().catch(() => false);
}

/** Forgets the key for `account` (a claim that did not bind it). */
export async function forgetKey(account) {
  await inStore('keys', 'readwrite', (s) => s.delete(account));
}

/** The known tip's signed header (213 bytes) for a chain, or null. */
export async function knownTip(chainIdHex) {
  const record = await inStore('tips', 'readonly', (s) => s.get(chainIdHex));
  return record ? record.header : null;
}

/** Remembers `header` as the chain's known tip unless a higher one is there already. */
export async function rememberTip(chainIdHex, header) {
  const height = decodeSignedHeader(header).header.height;
  await inStore('tips', 'readwrite', (s) => {
    const get = s.get(chainIdHex);
    get.onsuccess = () => {
      const old = get.result;
      if (!old || decodeSignedHeader(old.header).header.height < height) s.put({ chain_id: chainIdHex, header });
    };
    return null;
  });
}
