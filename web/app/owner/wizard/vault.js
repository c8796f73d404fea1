// The keystore chunk: loaded with import() only when the owner seals the
// backup or opens a key file, so the page's first load carries neither
// Argon2id nor XChaCha20 (owner-wizard.test.js checks it). The key is
// derived in WebAssembly (hash-wasm) when the page may compile it (the
// owner's CSP has 'wasm-unsafe-eval'), about three times the speed of the
// pure JavaScript one on a phone (docs/performance.md); where WebAssembly
// is refused, the same Argon2id in JavaScript (@noble/hashes) gives the
// same bytes, only slower.
import { argon2id as argon2idWasm } from 'hash-wasm';
import { argon2idNoble, createKeystore, kdf_interactive, openKeystore } from '../../../lib/keystore.js';

export { KeystoreError } from '../../../lib/keystore.js';

let wasm_works = null;

/** Argon2id with argon2idNoble's contract, in WebAssembly. */
export async function argon2idFast(password, salt, { t, m, p, dkLen }) {
  return argon2idWasm({ password, salt, iterations: t, memorySize: m, parallelism: p, hashLength: dkLen, outputType: 'binary' });
}

// The first use tries WebAssembly once; a refusal (a CSP without
// 'wasm-unsafe-eval', an old browser) falls back for the page's life.
async function argon2id(password, salt, options) {
  if (wasm_works !== false) {
    try {
      const out = await argon2idFast(password, salt, options);
      wasm_works = true;
      return out;
    } catch (e) {
      if (wasm_works === true) throw e;
      wasm_works = false;
    }
  }
  return argon2idNoble(password, salt, options);
}

/** The CLI's keystore text of `seed` under `passphrase` (its default cost, kdf_interactive). */
export function sealSeed(seed, name, passphrase) {
  return createKeystore(seed, name, passphrase, kdf_interactive, { argon2id });
}

/** `{ name, public_key, seed }` of a keystore text; KeystoreError 'malformed' or 'wrong_passphrase'. */
export function openSeed(text, passphrase) {
  return openKeystore(text, passphrase, { argon2id });
}

/** Which Argon2id ran last: 'wasm', 'js', or null before any. */
export const kdfEngine = () => (wasm_works === null ? null : wasm_works ? 'wasm' : 'js');
