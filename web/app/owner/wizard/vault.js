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

/** Argon2id with argon2idNoble's contract, in WebAssembly. */
export async function argon2idFast(password, salt, { t, m, p, dkLen }) {
  return argon2idWasm({ password, salt, iterations: t, memorySize: m, parallelism: p, hashLength: dkLen, outputType: 'binary' });
}

/**
 * `fast`, or `slow` where `fast` cannot run: the first call tries `fast`
 * once, and a refusal then (a CSP without 'wasm-unsafe-eval', an old
 * browser) switches to `slow` for the page's life. Once `fast` has worked,
 * its later failures are errors, not a quiet switch. `.engine()`: 'wasm',
 * 'js', or null before any call.
 */
export function withFallback(fast, slow) {
  let works = null;
  const run = async (password, salt, options) => {
    if (works !== false) {
      try {
        const out = await fast(password, salt, options);
        works = true;
        return out;
      } catch (e) {
        if (works === true) throw e;
        works = false;
      }
    }
    return slow(password, salt, options);
  };
  run.engine = () => (works === null ? null : works ? 'wasm' : 'js');
  return run;
}

const argon2id = withFallback(argon2idFast, argon2idNoble);

/** The CLI's keystore text of `seed` under `passphrase` (its default cost, kdf_interactive). */
export function sealSeed(seed, name, passphrase) {
  return createKeystore(seed, name, passphrase, kdf_interactive, { argon2id });
}

/** `{ name, public_key, seed }` of a keystore text; KeystoreError 'malformed' or 'wrong_passphrase'. */
export function openSeed(text, passphrase) {
  return openKeystore(text, passphrase, { argon2id });
}

/** Which Argon2id ran last: 'wasm', 'js', or null before any. */
export const kdfEngine = () => argon2id.engine();
