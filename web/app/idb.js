// One IndexedDB database of the page's origin, opened on first use and kept
// open: what store.js (the cabinet's), owner/keyring.js and staff/store.js
// build on. `upgrade(db)` creates the object stores of `version`.
const blocked_message = 'the key store is held by an older tab of this page; close it';

/**
 * `inStore(storeName, mode, work)` for database `name`: runs `work(store)` in
 * one transaction and resolves, once it committed, to the result of the
 * request `work` returned (undefined if it returned none); rejects with the
 * transaction's error, or when it was aborted.
 */
export function keyStore(name, version, upgrade) {
  let opened = null;
  const database = () =>
    (opened ??= new Promise((resolve, reject) => {
      const request = indexedDB.open(name, version);
      request.onupgradeneeded = () => upgrade(request.result);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
      request.onblocked = () => reject(new Error(blocked_message));
    }));
  return async function inStore(storeName, mode, work) {
    const db = await database();
    return new Promise((resolve, reject) => {
      const tx = db.transaction(storeName, mode);
      let result;
      const last = work(tx.objectStore(storeName));
      if (last) last.onsuccess = () => (result = last.result);
      tx.oncomplete = () => resolve(result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error ?? new Error('the key store refused the write'));
    });
  };
}
