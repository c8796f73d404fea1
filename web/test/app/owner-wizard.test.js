// The launch wizard's rules without a browser (app/owner/wizard/model.js),
// and its keystore chunk (wizard/vault.js): a backup sealed with the
// WebAssembly Argon2id opens with the JavaScript one of web/lib and the
// other way round, in the CLI's format and at its default cost.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addressFromKey, keyFromAddress } from '../../lib/address.js';
import { formatAmount } from '../../lib/amount.js';
import { decodeSignedTx, encodeTx } from '../../lib/encoding.js';
import { generateSeed, publicKeyOf } from '../../lib/keys.js';
import { argon2idNoble, createKeystore, kdf_interactive, openKeystore, parseKeystore } from '../../lib/keystore.js';
import { signStaffAcceptance } from '../../lib/transaction.js';
import { venuesOwnedBy } from '../../app/owner/wizard/import.js';
import {
  backupFileName,
  checkProfile,
  checkRewards,
  degreesE7,
  emptyProfile,
  emptyRewards,
  joinBodies,
  launchBodies,
  logoProblem,
  logo_bytes_max,
  mediaError,
  normalTicker,
  passphraseProblem,
  tickerProblem,
} from '../../app/owner/wizard/model.js';
import { argon2idFast, kdfEngine, openSeed, sealSeed, withFallback } from '../../app/owner/wizard/vault.js';
import { messages } from '../../app/owner/messages.js';

const chainId = new Uint8Array(32).fill(9);

test('the profile: exactly what venue_create carries, each refusal a message that says what to type', () => {
  const form = { ...emptyProfile(), name: '  U Volodi ', street_address: 'ul. Lenina 1', lat: '55.7558', lon: '37,6173', phone: '+7 495 000-00-00',
    links: 'https://example.org/u-volodi\n\n https://t.me/uvolodi ', hours: 'Mo-Su 08:00-22:00', logo_url: '/media/ab.png' };
  const { profile, errors } = checkProfile(form);
  assert.deepEqual(errors, {});
  assert.deepEqual(profile, { name: 'U Volodi', logo_url: '/media/ab.png', street_address: 'ul. Lenina 1', geo: { lat_e7: 557_558_000, lon_e7: 376_173_000 },
    phone: '+7 495 000-00-00', links: ['https://example.org/u-volodi', 'https://t.me/uvolodi'], hours: 'Mo-Su 08:00-22:00' });
  // The ledger's encoder takes it as it is.
  encodeTx({ kind: 'venue_create', signer: new Uint8Array(32), nonce: 1n, expiry_s: 2n, body: { ticker: 'VOLODYA', profile } });

  assert.equal(checkProfile(emptyProfile()).errors.name.key, 'owner.wizard.error.name_empty');
  assert.equal(checkProfile({ ...emptyProfile(), name: 'x' }).profile.geo, null, 'no map point: geo absent');
  const bad = checkProfile({ ...emptyProfile(), name: 'я'.repeat(33), lat: '91', lon: '10', links: 'example.org', hours: 'x'.repeat(201) }).errors;
  assert.deepEqual(Object.keys(bad).sort(), ['hours', 'lat', 'links', 'name']);
  assert.deepEqual(bad.name, { key: 'owner.wizard.error.too_long', params: { max: 64 } }, '33 Cyrillic letters are 66 bytes');
  assert.equal(checkProfile({ ...emptyProfile(), name: 'x', lat: '10' }).errors.lon.key, 'owner.wizard.error.lon', 'half a point is refused');
  assert.equal(checkProfile({ ...emptyProfile(), name: 'x', links: Array(9).fill('https://a.b').join('\n') }).errors.links.key, 'owner.wizard.error.links_many');
});

test('degrees become 1e-7 degrees exactly, with no float', () => {
  assert.equal(degreesE7('55.7558'), 557_558_000);
  assert.equal(degreesE7('-0.0000001'), -1);
  assert.equal(degreesE7('180'), 1_800_000_000);
  assert.equal(degreesE7('37,6173'), 376_173_000);
  for (const bad of ['', '1e3', '55.12345678', 'abc', '1.', '--1']) assert.equal(degreesE7(bad), null, bad);
});

test('the ticker: capitals and digits, 3-10', () => {
  assert.equal(normalTicker(' volodya '), 'VOLODYA');
  assert.equal(tickerProblem('VOLODYA'), null);
  for (const bad of ['VO', 'VOLODYA1234', 'VOL ODYA', 'ВОЛОДЯ', '']) assert.equal(tickerProblem(bad).key, 'owner.wizard.error.ticker_form', bad);
});

test('three rewards at different prices, in BigInt units', () => {
  const rows = [{ name: 'coffee', price: '1' }, { name: 'donut', price: '2,50' }, { name: ' cheesecake ', price: '3.00' }];
  const { products } = checkRewards(rows);
  assert.deepEqual(products.map((p) => [p.id, p.name, p.price]), [[1, 'coffee', 100n], [2, 'donut', 250n], [3, 'cheesecake', 300n]]);
  assert.ok(products.every((p) => typeof p.price === 'bigint' && p.active && p.category === '' && p.image_url === ''));
  const same = checkRewards([{ name: 'a', price: '1' }, { name: 'b', price: '1.00' }, { name: 'c', price: '0' }]).errors;
  assert.deepEqual(same.map((e) => e.price?.key), [undefined, 'owner.wizard.error.price_same', 'owner.wizard.error.price']);
  assert.equal(checkRewards(emptyRewards()).errors[0].name.key, 'owner.wizard.error.reward_name');
  assert.equal(checkRewards([{ name: 'a', price: '1.005' }, { name: 'b', price: '2' }, { name: 'c', price: '3' }]).errors[0].price.key, 'owner.wizard.error.price');
});

test('the transactions the launch and a join sign', () => {
  const owner = publicKeyOf(generateSeed());
  const staffSeed = generateSeed();
  const { products } = checkRewards([{ name: 'coffee', price: '1' }, { name: 'donut', price: '2' }, { name: 'cheesecake', price: '3' }]);
  const { profile } = checkProfile({ ...emptyProfile(), name: 'U Volodi' });
  const bodies = launchBodies('VOLODYA', profile, products);
  assert.deepEqual(bodies.map((b) => b.kind), ['venue_create', 'product_upsert', 'product_upsert', 'product_upsert']);
  const acceptance = signStaffAcceptance({ ticker: 'VOLODYA', expiry_s: 2_000_000_000n }, staffSeed, chainId);
  const [add, fund] = joinBodies('VOLODYA', owner, acceptance, 'barista', 50_000n);
  for (const b of [...bodies, add, fund]) {
    const tx = { ...b, signer: owner, nonce: 7n, expiry_s: 9n };
    const round = decodeSignedTx(new Uint8Array([...encodeTx(tx), ...new Uint8Array(64)])).tx;
    assert.equal(round.kind, b.kind);
  }
  assert.equal(add.body.role, 'barista');
  assert.deepEqual(fund.body.to.bytes, publicKeyOf(staffSeed));
  assert.deepEqual(fund.body.from.bytes, owner);
  assert.equal(formatAmount(fund.body.amount), '500.00');
  assert.equal(fund.body.memo, 'allowance', "kopilka fund's memo");
});

test('passphrases: long enough and typed the same twice', () => {
  assert.equal(passphraseProblem('short', 'short').key, 'owner.wizard.error.passphrase_short');
  assert.equal(passphraseProblem('a long passphrase', 'a long passphrasE').key, 'owner.wizard.error.passphrase_differ');
  assert.equal(passphraseProblem('a long passphrase', 'a long passphrase'), null);
  assert.equal(backupFileName('VOLODYA'), 'kopilka-VOLODYA-owner.json');
});

test("a logo: refused before upload when the node would refuse it, and the node's refusals told by code", () => {
  assert.equal(logoProblem({ type: 'image/gif', size: 10 }).key, 'owner.wizard.error.logo_type');
  assert.deepEqual(logoProblem({ type: 'image/png', size: logo_bytes_max + 1 }), { key: 'owner.wizard.error.logo_big', params: { max_kib: 256 } });
  assert.equal(logoProblem({ type: 'image/webp', size: logo_bytes_max }), null);
  assert.equal(mediaError(415, { error: { code: 'wrong_type' } }).key, 'owner.wizard.error.logo_type');
  assert.equal(mediaError(413, null).key, 'owner.wizard.error.logo_big', 'a 413 without JSON (a proxy) is still too large');
  assert.equal(mediaError(400, { error: { code: 'too_big_dimensions' } }).key, 'owner.wizard.error.logo_sides');
  assert.equal(mediaError(429, { error: { code: 'rate_limited' } }).key, 'owner.wizard.error.logo_later');
  assert.equal(mediaError(500, null).key, 'owner.wizard.error.logo_failed');
});

test('venue.list: the venues a key owns', () => {
  const list = { venues: [{ ticker: 'A1B', owner: 'kop1x' }, { ticker: 'C2D', owner: 'kop1y' }, { ticker: 'E3F', owner: 'kop1x' }] };
  assert.deepEqual(venuesOwnedBy(list, 'kop1x'), ['A1B', 'E3F']);
  assert.deepEqual(venuesOwnedBy(list, 'kop1z'), []);
});

test('every wizard message is in both languages with the same placeholders', () => {
  const keys = (lang) => Object.keys(messages[lang]).filter((k) => k.startsWith('owner.wizard.') || k.startsWith('owner.import.'));
  assert.deepEqual(keys('ru').sort(), keys('en').sort());
  const holes = (s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
  for (const k of keys('en')) assert.deepEqual(holes(messages.ru[k]), holes(messages.en[k]), k);
});

test("the WebAssembly Argon2id gives libsodium's bytes: a backup sealed by either opens with the other, at the CLI's default cost", async () => {
  const seed = generateSeed();
  const sealed = await sealSeed(seed, 'VOLODYA owner', 'correct horse battery');
  assert.equal(kdfEngine(), 'wasm', 'node compiles WebAssembly, so the fast one ran');
  const header = parseKeystore(sealed);
  assert.deepEqual({ ops_limit: header.kdf.ops_limit, mem_limit_bytes: header.kdf.mem_limit_bytes }, { ...kdf_interactive });
  assert.equal(addressFromKey(header.public_key), addressFromKey(publicKeyOf(seed)));
  const opened = await openKeystore(sealed, 'correct horse battery'); // noble's Argon2id
  assert.deepEqual(opened.seed, seed);
  const other = await createKeystore(seed, 'cli', 'another passphrase', kdf_interactive); // noble's
  assert.deepEqual((await openSeed(other, 'another passphrase')).seed, seed);
  await assert.rejects(openSeed(other, 'wrong passphrase'), (e) => e.code === 'wrong_passphrase');
  await assert.rejects(openSeed('not a keystore\n', 'x'), (e) => e.code === 'malformed');
  // The same key from both for one input (a small cost: this is about bytes).
  const salt = new Uint8Array(16).fill(3);
  const o = { t: 2, m: 1024, p: 1, version: 0x13, dkLen: 32 };
  assert.deepEqual(await argon2idFast(new Uint8Array([1, 2]), salt, o), await argon2idNoble(new Uint8Array([1, 2]), salt, o));
  assert.ok(keyFromAddress(addressFromKey(publicKeyOf(seed))));
});

test('where WebAssembly is refused, the JavaScript Argon2id runs; once WebAssembly worked, its failure is an error', async () => {
  const refused = withFallback(async () => {
    throw new Error('CompileError: WebAssembly.instantiate(): Refused to compile');
  }, async () => new Uint8Array([1]));
  assert.equal(refused.engine(), null);
  assert.deepEqual(await refused(), new Uint8Array([1]));
  assert.equal(refused.engine(), 'js');
  let calls = 0;
  const flaky = withFallback(async () => {
    if (calls++ > 0) throw new RangeError('out of memory');
    return new Uint8Array([2]);
  }, async () => new Uint8Array([1]));
  assert.deepEqual(await flaky(), new Uint8Array([2]));
  assert.equal(flaky.engine(), 'wasm');
  await assert.rejects(flaky(), RangeError);
});
