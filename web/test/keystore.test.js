// The keystore format (crypto/keystore.cpp): the library opens what the C++
// CLI writes, the CLI opens what the library writes, and the parser refuses
// every non-canonical or hostile file before any key derivation.
import './webcrypto.js';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { argon2id } from '@noble/hashes/argon2.js';
import { addressFromKey, fromHex, publicKeyOf, toHex, utf8 } from '../lib/index.js';
import { KeystoreError, createKeystore, kdf_interactive, openKeystore, parseKeystore } from '../lib/keystore.js';

const fixture = JSON.parse(readFileSync(new URL('fixtures/cli-keystore.json', import.meta.url), 'utf8'));
const cliText = readFileSync(new URL('fixtures/cli-keystore.txt', import.meta.url), 'utf8');
// The format's smallest cost, so tests that derive many keys stay quick.
const cheap = { ops_limit: 1, mem_limit_bytes: 8192 };
const seed = fromHex('000000070000000000000000000000000000000000000000000000000000004b', 32);

async function rejectsWith(promise, code, pattern) {
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof KeystoreError, `a KeystoreError, not ${e}`);
    assert.equal(e.code, code, e.message);
    if (pattern) assert.match(e.message, pattern);
    return true;
  });
}

function refusesParse(text, pattern) {
  assert.throws(() => parseKeystore(text), (e) => e instanceof KeystoreError && e.code === 'malformed' && pattern.test(e.message));
}

test("opens the C++ CLI's keystore with its passphrase (interactive cost: 64 MiB Argon2id)", async () => {
  assert.match(cliText, /^kdf-mem-limit-bytes: 67108864$/m);
  const k = await openKeystore(cliText, fixture.passphrase);
  assert.equal(k.name, 'till-1');
  assert.equal(toHex(k.seed), fixture.seed_hex);
  assert.equal(addressFromKey(k.public_key), fixture.address);
  assert.equal(addressFromKey(publicKeyOf(k.seed)), fixture.address);
});

test('a wrong passphrase, or an edited but canonical header, does not open', async () => {
  await rejectsWith(openKeystore(cliText, `${fixture.passphrase} `), 'wrong_passphrase', /wrong passphrase/);
  // The header is the AEAD's associated data: a renamed file fails like a wrong passphrase.
  await rejectsWith(openKeystore(cliText.replace('name: till-1', 'name: till-2'), fixture.passphrase), 'wrong_passphrase');
});

test('create then open, with a Cyrillic name and passphrase', async () => {
  const text = await createKeystore(seed, 'Касса «1»', 'пароль ☕', cheap);
  const lines = text.split('\n');
  assert.equal(lines[0], 'kopilka-keystore v1');
  assert.equal(lines[1], 'name: Касса «1»');
  assert.equal(lines[2], `public-key: ${addressFromKey(publicKeyOf(seed))}`);
  assert.deepEqual(lines.slice(3, 5), ['kdf-ops-limit: 1', 'kdf-mem-limit-bytes: 8192']);
  assert.match(lines[5], /^salt: [0-9a-f]{32}$/);
  assert.match(lines[6], /^nonce: [0-9a-f]{48}$/);
  assert.match(lines[7], /^ciphertext: [0-9a-f]{96}$/);
  assert.equal(lines.length, 9);
  const k = await openKeystore(text, 'пароль ☕');
  assert.equal(toHex(k.seed), toHex(seed));
  const again = await createKeystore(seed, 'Касса «1»', 'пароль ☕', cheap);
  assert.notEqual(again.split('\n')[5], lines[5], 'a fresh salt per file');
  assert.notEqual(again.split('\n')[6], lines[6], 'a fresh nonce per file');
  assert.equal(parseKeystore(await createKeystore(seed, 'x', '')).kdf.mem_limit_bytes, kdf_interactive.mem_limit_bytes);
});

test('createKeystore refuses a name or cost outside the format', async () => {
  await assert.rejects(createKeystore(seed, ' lead', 'p', cheap), /starts or ends with a space/);
  await assert.rejects(createKeystore(seed, 'a\u202eb', 'p', cheap), /control character/);
  await assert.rejects(createKeystore(seed, 'x'.repeat(65), 'p', cheap), /longer than 64 bytes/);
  await assert.rejects(createKeystore(seed, 'ok', 'p', { ops_limit: 11, mem_limit_bytes: 8192 }), /kdf-ops-limit/);
  await assert.rejects(createKeystore(seed, 'ok', 'p', { ops_limit: 1, mem_limit_bytes: 8191 }), /kdf-mem-limit-bytes/);
});

test('the parser refuses every non-canonical or hostile file before deriving a key', () => {
  const lines = cliText.split('\n');
  const withLine = (i, value) => lines.map((l, j) => (j === i ? value : l)).join('\n');
  refusesParse(cliText.slice(0, -1), /does not end with a newline/);
  refusesParse(`${cliText}${'#'.repeat(4096)}\n`, /larger than 4096 bytes/);
  refusesParse(withLine(0, 'kopilka-keystore v2'), /first line is not/);
  refusesParse(withLine(1, 'label: till-1'), /line 2: unknown field/);
  refusesParse(withLine(1, 'name till-1'), /line 2 is not 'key: value'/);
  refusesParse(withLine(2, lines[1]), /line 3: duplicate field 'name'/);
  refusesParse([lines[0], lines[2], lines[1], ...lines.slice(3)].join('\n'), /line 2: field 'public-key' is out of order/);
  refusesParse(`${lines.slice(0, 7).join('\n')}\n`, /missing field 'ciphertext'/);
  refusesParse(withLine(2, lines[2].toUpperCase().replace('PUBLIC-KEY', 'public-key')), /not a Kopilka address in lowercase/);
  refusesParse(withLine(3, 'kdf-ops-limit: 02'), /kdf-ops-limit is not a decimal number/);
  refusesParse(withLine(3, 'kdf-ops-limit: 11'), /kdf-ops-limit must be from 1 to 10/);
  refusesParse(withLine(4, 'kdf-mem-limit-bytes: 1073741825'), /kdf-mem-limit-bytes must be from 8192 to 1073741824/);
  refusesParse(withLine(4, 'kdf-mem-limit-bytes: 99999999999999999999'), /not a decimal number/);
  refusesParse(withLine(5, lines[5].toUpperCase().replace('SALT', 'salt')), /salt is not 16 bytes of lowercase hex/);
  refusesParse(withLine(6, lines[6].slice(0, -2)), /nonce is not 24 bytes/);
  refusesParse(withLine(7, `${lines[7]}00`), /ciphertext is not 48 bytes/);
  refusesParse(withLine(1, 'name: a\u0007b'), /control character/);
  refusesParse(withLine(1, 'name: '), /name is empty/);
  refusesParse(Uint8Array.from([...utf8(cliText.slice(0, 30)), 0xff, ...utf8(cliText.slice(30))]), /not UTF-8/);
  assert.equal(parseKeystore(cliText).name, 'till-1');
});

test("a file whose sealed seed is not the header's key is refused even with the right passphrase", async () => {
  const other = publicKeyOf(new Uint8Array(32).fill(3));
  const salt = new Uint8Array(16).fill(1);
  const nonce = new Uint8Array(24).fill(2);
  const header =
    'kopilka-keystore v1\nname: liar\n' +
    `public-key: ${addressFromKey(other)}\nkdf-ops-limit: 1\nkdf-mem-limit-bytes: 8192\n` +
    `salt: ${toHex(salt)}\nnonce: ${toHex(nonce)}\n`;
  const key = argon2id(utf8('pw'), salt, { t: 1, m: 8, p: 1, dkLen: 32 });
  const ciphertext = xchacha20poly1305(key, nonce, utf8(header)).encrypt(seed);
  await rejectsWith(openKeystore(`${header}ciphertext: ${toHex(ciphertext)}\n`, 'pw'), 'malformed', /does not match the header's public-key/);
});

// The other direction: the C++ CLI opens a keystore this library wrote. ctest
// sets KOPILKA_CLI_BIN to the built `kopilka`.
test('the C++ CLI imports a keystore the library wrote', { skip: !process.env.KOPILKA_CLI_BIN && 'KOPILKA_CLI_BIN is not set' }, async () => {
  const cli = process.env.KOPILKA_CLI_BIN;
  assert.ok(existsSync(cli), `KOPILKA_CLI_BIN=${cli} does not exist; build the kopilka target`);
  const dir = mkdtempSync(join(tmpdir(), 'kopilka-web-ks-'));
  try {
    const passphrase = 'пароль ☕ web';
    const file = join(dir, 'from-web.key');
    writeFileSync(file, await createKeystore(seed, 'from web', passphrase, cheap));
    const env = { ...process.env, KOPILKA_PASSPHRASE: passphrase };
    const wallet = ['--wallet-dir', join(dir, 'wallet')];
    execFileSync(cli, [...wallet, 'key', 'import', 'web', '--file', file], { env, stdio: 'pipe' });
    const exported = execFileSync(cli, [...wallet, 'key', 'export', 'web', '--seed'], { env, stdio: ['ignore', 'pipe', 'ignore'] });
    assert.equal(exported.toString().trim(), toHex(seed));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
