// The CLI's encrypted keystore file, as crypto/keystore.cpp (docs/cli.md):
//
//     kopilka-keystore v1
//     name: <1..64 bytes of printable UTF-8>
//     public-key: <address text, canonical lowercase>
//     kdf-ops-limit: <decimal>
//     kdf-mem-limit-bytes: <decimal>
//     salt: <16 bytes, lowercase hex>
//     nonce: <24 bytes, lowercase hex>
//     ciphertext: <48 bytes, lowercase hex>
//
// "v1" pins Argon2id v1.3 (parallelism 1, libsodium's crypto_pwhash) for the
// key and XChaCha20-Poly1305 (IETF) for the 32-byte seed. Everything before
// the ciphertext line, byte for byte, is the AEAD's associated data, so an
// edited name, key or KDF cost fails to open just as a wrong passphrase does.
// The parser accepts only the canonical text, so the header authenticated is
// the header interpreted. Argon2id is slow on purpose: in a page, load this
// module only when a keystore is imported.
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { argon2idAsync } from '@noble/hashes/argon2.js';
import { randomBytes } from '@noble/hashes/utils.js';
import { checkBytes, equalBytes, fromHex, fromUtf8, toHex, utf8 } from './bytes.js';
import { addressFromKey, keyFromAddress } from './address.js';
import { publicKeyOf, seed_bytes } from './keys.js';

export const keystore_format_line = 'kopilka-keystore v1';
export const keystore_name_bytes_max = 64;
// KDF bounds, enforced on write and, before any work, on read: a hostile file
// must not make us allocate or spin without limit (crypto/keystore.cpp).
export const kdf_ops_limit_min = 1;
export const kdf_ops_limit_max = 10;
export const kdf_mem_limit_bytes_min = 8192;
export const kdf_mem_limit_bytes_max = 1 << 30;
// A real keystore is under 400 bytes.
export const keystore_text_bytes_max = 4096;
const salt_bytes = 16;
const nonce_bytes = 24;
const aead_key_bytes = 32;
const ciphertext_bytes = seed_bytes + 16;

/** libsodium's "interactive" Argon2id cost: 2 passes over 64 MiB (the CLI's default). */
export const kdf_interactive = Object.freeze({ ops_limit: 2, mem_limit_bytes: 67108864 });
/** libsodium's "moderate" cost: 3 passes over 256 MiB (too slow and big for cheap phones). */
export const kdf_moderate = Object.freeze({ ops_limit: 3, mem_limit_bytes: 268435456 });

const field_names = ['name', 'public-key', 'kdf-ops-limit', 'kdf-mem-limit-bytes', 'salt', 'nonce', 'ciphertext'];

export class KeystoreError extends Error {
  /** `code` is 'malformed' or 'wrong_passphrase', as the CLI's KeystoreError. */
  constructor(code, message) {
    super(message);
    this.name = 'KeystoreError';
    this.code = code;
  }
}

const malformed = (message) => new KeystoreError('malformed', message);

/**
 * Why `name` cannot be a keystore name, or null: one line of visible text,
 * 1-64 bytes, no leading or trailing space, no control character, line or
 * paragraph separator or bidirectional override (which could make one name
 * display as another).
 */
export function keystoreNameProblem(name) {
  if (typeof name !== 'string' || name === '') return 'name is empty';
  if (/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(name)) return 'name is not valid UTF-8';
  if (utf8(name).length > keystore_name_bytes_max) return `name is longer than ${keystore_name_bytes_max} bytes`;
  if (name.startsWith(' ') || name.endsWith(' ')) return 'name starts or ends with a space';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/.test(name)) return 'name contains a control character';
  return null;
}

/** Why a KDF cost `{ ops_limit, mem_limit_bytes }` is outside the format's bounds, or null. */
export function kdfProblem(kdf) {
  const { ops_limit, mem_limit_bytes } = kdf ?? {};
  if (!Number.isInteger(ops_limit) || ops_limit < kdf_ops_limit_min || ops_limit > kdf_ops_limit_max)
    return `kdf-ops-limit must be from ${kdf_ops_limit_min} to ${kdf_ops_limit_max}`;
  if (!Number.isInteger(mem_limit_bytes) || mem_limit_bytes < kdf_mem_limit_bytes_min || mem_limit_bytes > kdf_mem_limit_bytes_max)
    return `kdf-mem-limit-bytes must be from ${kdf_mem_limit_bytes_min} to ${kdf_mem_limit_bytes_max}`;
  return null;
}

function headerText(h) {
  const values = [h.name, addressFromKey(h.public_key), String(h.kdf.ops_limit), String(h.kdf.mem_limit_bytes), toHex(h.salt), toHex(h.nonce)];
  return `${keystore_format_line}\n` + values.map((v, i) => `${field_names[i]}: ${v}\n`).join('');
}

// Canonical decimal: digits only, no sign, no leading zeros. Bounded to 10
// digits before conversion; kdfProblem then applies the real bounds.
function parseDecimal(text) {
  if (!/^(?:0|[1-9][0-9]{0,9})$/.test(text)) return null;
  return Number(text);
}

function parseHexExact(text, n) {
  try {
    return fromHex(text, n);
  } catch {
    return null;
  }
}

/**
 * Reads and checks everything that can be checked without the passphrase,
 * including the KDF bounds, so a hostile file is refused before any work:
 * `{ name, public_key, kdf, salt, nonce, ciphertext, associated_data }`.
 * `text` is the file's text or its bytes. Field names quoted in messages are
 * ours, never the file's.
 */
export function parseKeystore(text) {
  let bytes;
  if (text instanceof Uint8Array) {
    bytes = text;
    if (bytes.length > keystore_text_bytes_max) throw malformed(`larger than ${keystore_text_bytes_max} bytes; not a keystore`);
    try {
      text = fromUtf8(bytes);
    } catch {
      throw malformed('not UTF-8 text; not a keystore');
    }
  } else if (typeof text === 'string') {
    bytes = utf8(text);
    if (bytes.length > keystore_text_bytes_max) throw malformed(`larger than ${keystore_text_bytes_max} bytes; not a keystore`);
  } else {
    throw new TypeError('a keystore is text or bytes');
  }
  if (text === '' || !text.endsWith('\n')) throw malformed('does not end with a newline (truncated?)');
  const lines = text.slice(0, -1).split('\n');
  if (lines[0] !== keystore_format_line) throw malformed(`first line is not '${keystore_format_line}'`);

  const values = new Array(field_names.length).fill(null);
  for (let i = 1; i < lines.length; i++) {
    const lineNo = `line ${i + 1}`;
    const sep = lines[i].indexOf(': ');
    if (sep < 0) throw malformed(`${lineNo} is not 'key: value'`);
    const field = field_names.indexOf(lines[i].slice(0, sep));
    if (field < 0) throw malformed(`${lineNo}: unknown field`);
    if (values[field] !== null) throw malformed(`${lineNo}: duplicate field '${field_names[field]}'`);
    if (field !== i - 1) throw malformed(`${lineNo}: field '${field_names[field]}' is out of order`);
    values[field] = lines[i].slice(sep + 2);
  }
  for (let f = 0; f < field_names.length; f++)
    if (values[f] === null) throw malformed(`missing field '${field_names[f]}' (truncated?)`);

  const [name, publicKeyText, opsText, memText, saltHex, nonceHex, ciphertextHex] = values;
  const why = keystoreNameProblem(name);
  if (why) throw malformed(why);
  let public_key;
  try {
    public_key = keyFromAddress(publicKeyText);
  } catch {
    public_key = null;
  }
  if (!public_key || addressFromKey(public_key) !== publicKeyText) throw malformed('public-key is not a Kopilka address in lowercase');
  const ops_limit = parseDecimal(opsText);
  const mem_limit_bytes = parseDecimal(memText);
  if (ops_limit === null) throw malformed('kdf-ops-limit is not a decimal number');
  if (mem_limit_bytes === null) throw malformed('kdf-mem-limit-bytes is not a decimal number');
  const kdf = { ops_limit, mem_limit_bytes };
  const kdfWhy = kdfProblem(kdf);
  if (kdfWhy) throw malformed(kdfWhy);
  const salt = parseHexExact(saltHex, salt_bytes);
  if (!salt) throw malformed(`salt is not ${salt_bytes} bytes of lowercase hex`);
  const nonce = parseHexExact(nonceHex, nonce_bytes);
  if (!nonce) throw malformed(`nonce is not ${nonce_bytes} bytes of lowercase hex`);
  const ciphertext = parseHexExact(ciphertextHex, ciphertext_bytes);
  if (!ciphertext) throw malformed(`ciphertext is not ${ciphertext_bytes} bytes of lowercase hex`);

  const header = { name, public_key, kdf, salt, nonce };
  const associated = text.slice(0, text.length - lines[lines.length - 1].length - 1);
  // The header authenticated must be the header interpreted.
  if (headerText(header) !== associated) throw malformed('header is not in canonical form');
  return { ...header, ciphertext, associated_data: utf8(associated) };
}

/**
 * The Argon2id this module runs by default: @noble/hashes, pure JavaScript.
 * `(password, salt, { t, m, p, version, dkLen, maxmem })` → key bytes, m in
 * KiB. A page may pass another with the same contract (`{ argon2id }`
 * options below: the owner's page runs a WebAssembly one, three times the
 * speed on a phone, docs/performance.md); the keystore text is the same.
 */
export const argon2idNoble = argon2idAsync;

async function deriveKey(passphrase, header, argon2id = argon2idNoble) {
  if (typeof passphrase !== 'string') throw new TypeError('the passphrase must be a string');
  return argon2id(utf8(passphrase), header.salt, {
    t: header.kdf.ops_limit,
    // libsodium's crypto_pwhash takes bytes; Argon2 counts KiB.
    m: Math.floor(header.kdf.mem_limit_bytes / 1024),
    p: 1,
    version: 0x13,
    dkLen: aead_key_bytes,
    maxmem: kdf_mem_limit_bytes_max,
  });
}

/**
 * Opens a keystore with its passphrase: `{ name, public_key, seed }`. A wrong
 * passphrase or an edited file is KeystoreError 'wrong_passphrase'; a file
 * that is not a canonical keystore, or whose sealed seed is not the header's
 * key, is 'malformed'.
 */
export async function openKeystore(text, passphrase, { argon2id } = {}) {
  const k = parseKeystore(text);
  const key = await deriveKey(passphrase, k, argon2id);
  let seed;
  try {
    seed = xchacha20poly1305(key, k.nonce, k.associated_data).decrypt(k.ciphertext);
  } catch {
    throw new KeystoreError('wrong_passphrase', 'wrong passphrase, or the keystore file has been altered');
  } finally {
    key.fill(0);
  }
  // The header authenticated, but whoever knew the passphrase wrote it: a
  // file whose label names another key must not be trusted.
  if (!equalBytes(publicKeyOf(seed), k.public_key)) {
    seed.fill(0);
    throw malformed("the sealed key does not match the header's public-key");
  }
  return { name: k.name, public_key: k.public_key, seed };
}

/**
 * Seals a 32-byte seed under a passphrase: the keystore text, which the CLI's
 * `kopilka key import` opens. Fresh salt and nonce per file, so re-sealing
 * never reuses an AEAD key and nonce.
 */
export async function createKeystore(seed, name, passphrase, kdf = kdf_interactive, { argon2id } = {}) {
  checkBytes(seed, seed_bytes, 'seed');
  const why = keystoreNameProblem(name) ?? kdfProblem(kdf);
  if (why) throw new RangeError(why);
  const header = {
    name,
    public_key: publicKeyOf(seed),
    kdf: { ops_limit: kdf.ops_limit, mem_limit_bytes: kdf.mem_limit_bytes },
    salt: randomBytes(salt_bytes),
    nonce: randomBytes(nonce_bytes),
  };
  const key = await deriveKey(passphrase, header, argon2id);
  const head = headerText(header);
  const ciphertext = xchacha20poly1305(key, header.nonce, utf8(head)).encrypt(seed);
  key.fill(0);
  const out = `${head}ciphertext: ${toHex(ciphertext)}\n`;
  // What we write, we can read.
  parseKeystore(out);
  return out;
}
