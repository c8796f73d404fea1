// The strict decoders refuse what the C++ ones refuse (docs/formats.md
// "Decoders are strict", docs/qr.md "base41" and "body"), and whatever they
// accept re-encodes to exactly the same bytes.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { bech32, bech32m } from '@scure/base';
import {
  AddressError,
  DecodeError,
  VoucherQrError,
  accountFromText,
  addressFromKey,
  base41Decode,
  base41Encode,
  decodeBlock,
  decodeGenesis,
  decodeSignedHeader,
  decodeSignedTx,
  decodeStaffAcceptance,
  decodeVoucher,
  decodeVoucherQr,
  encodeGenesis,
  encodeSignedTx,
  encodeTx,
  encodeVoucher,
  encodeVoucherQr,
  formatAmount,
  fromBase64url,
  fromHex,
  hiddenFormatChar,
  keyFromAddress,
  parseAmount,
  publicKeyOf,
  rebind_delay_s_default,
  rebind_delay_s_max,
  sign,
  signingMessage,
  textProblem,
  toHex,
  tx_bytes_max,
  tx_kinds,
  verify,
} from '../lib/index.js';

const entries = JSON.parse(readFileSync(new URL('../../tests/vectors/transactions.json', import.meta.url), 'utf8'));
const qr = JSON.parse(readFileSync(new URL('../../tests/vectors/qr.json', import.meta.url), 'utf8'));
const blobOf = (name) => fromHex(entries.find((e) => e.name === name).signed_hex);
// The kinds this library reads (the programme's kinds are refused by name, below).
const txs = entries.filter((e) => e.type === 'tx' && tx_kinds.includes(e['tx.kind']));

/** `bytes` with `at` replaced by `values` (and the rest shifted when lengths differ). */
function splice(bytes, at, removeCount, ...values) {
  return Uint8Array.from([...bytes.subarray(0, at), ...values, ...bytes.subarray(at + removeCount)]);
}

function refuses(fn, pattern) {
  assert.throws(fn, (e) => {
    assert.ok(e instanceof DecodeError, `a DecodeError, not ${e}`);
    if (pattern) assert.match(e.message, pattern);
    return true;
  });
}

test('every truncation and any trailing byte of every transaction is refused', () => {
  for (const e of txs) {
    const blob = fromHex(e.signed_hex);
    for (let n = 0; n < blob.length; n++) refuses(() => decodeSignedTx(blob.subarray(0, n)), /truncated/);
    refuses(() => decodeSignedTx(splice(blob, blob.length, 0, 0)), /1 trailing bytes/);
  }
});

test('an unknown version or kind is refused', () => {
  const blob = blobOf('transfer_to_key');
  refuses(() => decodeSignedTx(splice(blob, 0, 1, 2)), /unknown transaction version 2/);
  refuses(() => decodeSignedTx(splice(blob, 1, 1, 0)), /unknown transaction kind 0/);
  refuses(() => decodeSignedTx(splice(blob, 1, 1, 18)), /unknown transaction kind 18/);
  refuses(() => decodeSignedTx(blobOf('programme_set')), /transaction kind 13 \(programme_set\) is not read by this library/);
});

// Offsets in the purchase vector: 50 ticker (VOLODYA), 58 client reference
// kind, 59 the account, 92 the receipt id's length.
test('purchase: a bad client reference, receipt or card is refused', () => {
  const blob = blobOf('purchase');
  refuses(() => decodeSignedTx(splice(blob, 58, 1, 3)), /unknown client reference kind 3/);
  const receipt = 92;
  // Receipt "A-1024" (6 bytes), then the line count: 0 lines, 65 lines.
  refuses(() => decodeSignedTx(splice(blob, receipt + 2 + 6, 1, 0)), /the receipt has no lines/);
  refuses(() => decodeSignedTx(splice(blob, receipt + 2 + 6, 1, 65)), /65 lines, more than 64/);
  const card = blobOf('purchase_by_card');
  // Card "CARD0042" at 61: a lowercase letter is not a card.
  refuses(() => decodeSignedTx(splice(card, 61, 1, 0x63)), /card must be 4-32 of 0-9 and A-Z/);
  const birthday = blobOf('birthday_set');
  // month at 91, day at 92 (29 February): 30 February is no date.
  refuses(() => decodeSignedTx(splice(birthday, 92, 1, 30)), /birthday 2-30 is not a date/);
});

test('a blob over tx_bytes_max (16 KiB) is refused before it is read', () => {
  assert.equal(tx_bytes_max, 16384);
  refuses(() => decodeSignedTx(new Uint8Array(tx_bytes_max + 1)), /16385 bytes; at most 16384/);
});

// Offsets in transfer_to_key (docs/formats.md worked example): 50 ticker, 58
// from, 91 to, 124 amount, 132 memo length, 134 memo ("for the donut", 13 bytes).
test('transfer: a bad ticker, account kind, memo length or memo text is refused', () => {
  const blob = blobOf('transfer_to_key');
  refuses(() => decodeSignedTx(splice(blob, 51, 1, 0x76)), /ticker must be 3-10/); // 'v' lowercase
  refuses(() => decodeSignedTx(splice(blob, 50, 1, 2)), /ticker length 2/);
  refuses(() => decodeSignedTx(splice(blob, 50, 1, 11)), /ticker length 11/);
  refuses(() => decodeSignedTx(splice(blob, 58, 1, 3)), /unknown account kind 3/);
  refuses(() => decodeSignedTx(splice(blob, 91, 1, 0)), /unknown account kind 0/);
  refuses(() => decodeSignedTx(splice(blob, 132, 2, 0, 141)), /memo is 141 bytes; at most 140/);
  refuses(() => decodeSignedTx(splice(blob, 134, 1, 0x07)), /memo is not valid UTF-8 text/); // BEL
  refuses(() => decodeSignedTx(splice(blob, 134, 1, 0x7f)), /memo is not valid UTF-8 text/); // DEL
  refuses(() => decodeSignedTx(splice(blob, 134, 2, 0xc2, 0x85)), /memo is not valid UTF-8 text/); // C1 NEL
  refuses(() => decodeSignedTx(splice(blob, 134, 2, 0xc0, 0xaf)), /memo is not valid UTF-8 text/); // overlong '/'
  refuses(() => decodeSignedTx(splice(blob, 134, 3, 0xed, 0xa0, 0x80)), /memo is not valid UTF-8 text/); // surrogate
  refuses(() => decodeSignedTx(splice(blob, 134, 1, 0xff)), /memo is not valid UTF-8 text/);
});

// venue_create: 50 ticker (8 bytes), then the profile: name (2+8), logo (2+37),
// address (2+16), has_geo at 125.
test('venue: a non-canonical boolean, too many links or a latitude out of range is refused', () => {
  const blob = blobOf('venue_create');
  const geoAt = 50 + 8 + 10 + 39 + 18;
  assert.equal(blob[geoAt], 1);
  refuses(() => decodeSignedTx(splice(blob, geoAt, 1, 2)), /non-canonical boolean 2/);
  refuses(() => decodeSignedTx(splice(blob, geoAt + 1, 4, 0x35, 0xa4, 0xe9, 0x01)), /latitude is outside/); // 900000001
  const linksAt = geoAt + 9 + 2 + 16;
  assert.equal(blob[linksAt], 2);
  refuses(() => decodeSignedTx(splice(blob, linksAt, 1, 9)), /too many links: 9/);
  refuses(() => decodeSignedTx(splice(blob, 58, 2, 0, 0)), /./); // empty venue name
});

test('product: price 0, above the supply, or a bad active flag is refused', () => {
  const blob = blobOf('product_upsert');
  // 50 ticker (8), id (4), name "Coffee" (2+6), price at 70.
  const priceAt = 50 + 8 + 4 + 8;
  assert.equal(toHex(blob.subarray(priceAt, priceAt + 8)), '0000000000000064');
  refuses(() => decodeSignedTx(splice(blob, priceAt, 8, 0, 0, 0, 0, 0, 0, 0, 0)), /price must be above zero/);
  refuses(() => decodeSignedTx(splice(blob, priceAt, 8, 0, 0, 0, 0, 0x05, 0xf5, 0xe1, 0x01)), /whole supply/);
  const activeAt = blob.length - 64 - 1;
  refuses(() => decodeSignedTx(splice(blob, activeAt, 1, 2)), /non-canonical boolean/);
});

test('staff: an unknown role or a non-canonical limit flag is refused', () => {
  const blob = blobOf('staff_update');
  const roleAt = 50 + 8 + 32;
  assert.equal(blob[roleAt], 3);
  refuses(() => decodeSignedTx(splice(blob, roleAt, 1, 0)), /unknown staff role 0/);
  refuses(() => decodeSignedTx(splice(blob, roleAt, 1, 5)), /unknown staff role 5/);
  refuses(() => decodeSignedTx(splice(blob, roleAt + 1, 1, 2)), /non-canonical boolean/);
});

// staff_add: 50 ticker (8), role at 58, per_tx flag 59, per_day flag 60 and
// its value, the acceptance at 69: version, ticker (8), staff (32), expiry_s (8).
test('staff_add: its role, limits and acceptance are read as strictly', () => {
  const blob = blobOf('staff_add');
  assert.equal(blob[58], 1);
  refuses(() => decodeSignedTx(splice(blob, 58, 1, 0)), /unknown staff role 0/);
  refuses(() => decodeSignedTx(splice(blob, 59, 1, 2)), /non-canonical boolean 2/);
  assert.equal(blob[69], 1);
  refuses(() => decodeSignedTx(splice(blob, 69, 1, 2)), /unknown staff acceptance version 2/);
  refuses(() => decodeSignedTx(splice(blob, 71, 1, 0x76)), /ticker must be 3-10/);
  const acceptance = fromHex(entries.find((e) => e.name === 'staff_add')['acceptance.unsigned_hex']);
  refuses(() => decodeStaffAcceptance(acceptance), /malformed staff acceptance: truncated/); // no signature
  const whole = blob.subarray(69, 69 + acceptance.length + 64);
  assert.equal(decodeStaffAcceptance(whole).ticker, 'VOLODYA');
  refuses(() => decodeStaffAcceptance(splice(whole, whole.length, 0, 0)), /1 trailing bytes/);
});

test('embedded voucher and attestation versions are checked', () => {
  const redeem = blobOf('redeem');
  refuses(() => decodeSignedTx(splice(redeem, 58, 1, 2)), /unknown voucher version 2/);
  const bind = blobOf('phone_bind');
  refuses(() => decodeSignedTx(splice(bind, 50, 1, 0)), /unknown attestation version 0/);
  const voucher = fromHex(entries.find((e) => e.type === 'voucher').signed_hex);
  refuses(() => decodeVoucher(voucher.subarray(0, voucher.length - 1)), /truncated/);
  refuses(() => decodeVoucher(splice(voucher, voucher.length, 0, 0)), /trailing/);
});

test('genesis, signed header and stored block decoders are strict', () => {
  const g = fromHex(entries.find((e) => e.type === 'genesis').genesis_hex);
  refuses(() => decodeGenesis(splice(g, 0, 1, 0)), /unknown genesis version 0/);
  refuses(() => decodeGenesis(splice(g, 0, 1, 3)), /unknown genesis version 3/);
  refuses(() => decodeGenesis(splice(g, 0, 1, 2)), /truncated/); // version 2 needs its delay
  refuses(() => decodeGenesis(splice(g, g.length, 0, 0)), /trailing/);
  refuses(() => decodeGenesis(splice(g, 1, 2 + 15, 0, 0)), /chain name is empty/);
  const block = fromHex(entries.find((e) => e.type === 'block').signed_hex);
  refuses(() => decodeSignedHeader(block.subarray(0, 212)), /truncated/);
  refuses(() => decodeSignedHeader(block.subarray(0, 214)), /trailing/);
  refuses(() => decodeSignedHeader(splice(block.subarray(0, 213), 0, 1, 2)), /unknown block version 2/);
  refuses(() => decodeBlock(block.subarray(0, block.length - 32)), /lists 9 transaction ids, header says 10/);
  refuses(() => decodeBlock(splice(block, 113, 4, 0, 0, 0x27, 0x11)), /at most 10000/);
});

test('a version 2 genesis: one encoding per delay, at most 30 days', () => {
  const v2 = fromHex(entries.find((e) => e.type === 'genesis_v2').genesis_hex);
  assert.equal(decodeGenesis(v2).rebind_delay_s, 3600n);
  const withDelay = (d) => splice(v2, v2.length - 8, 8, ...fromHex(d.toString(16).padStart(16, '0')));
  assert.equal(decodeGenesis(withDelay(0n)).rebind_delay_s, 0n);
  assert.equal(decodeGenesis(withDelay(rebind_delay_s_max)).rebind_delay_s, rebind_delay_s_max);
  refuses(() => decodeGenesis(withDelay(rebind_delay_s_default)), /may not hold the default rebind delay \(write version 1\)/);
  refuses(() => decodeGenesis(withDelay(rebind_delay_s_max + 1n)), /rebind delay 2592001 s is over 30 days/);
  refuses(() => decodeGenesis(v2.subarray(0, v2.length - 1)), /truncated/);
  refuses(() => decodeGenesis(splice(v2, v2.length, 0, 0)), /1 trailing bytes/);
  // The encoder writes the default as version 1 and will not go past 30 days.
  const g = decodeGenesis(v2);
  assert.equal(encodeGenesis({ ...g, rebind_delay_s: rebind_delay_s_default })[0], 1);
  assert.throws(() => encodeGenesis({ ...g, rebind_delay_s: rebind_delay_s_max + 1n }), RangeError);
  assert.throws(() => encodeGenesis({ ...g, rebind_delay_s: 3600 }), TypeError);
});

// ---- the hidden-format rule (ledger/codec.cpp hidden_format_char) ----------

const hidden_chars = [
  0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069, 0x200e, 0x200f, 0x061c, 0x200b, 0x200c,
  0x200d, 0x2060, 0xfeff,
];
const utf8Of = (cp) => [...new TextEncoder().encode(String.fromCodePoint(cp))];
const nameOf = (cp) => `U\\+${cp.toString(16).toUpperCase().padStart(4, '0')}`;

test('decoders refuse every bidi control and zero-width character in text, naming it', () => {
  const blob = blobOf('transfer_to_key'); // memo "for the donut" at 134, 13 bytes
  for (const cp of hidden_chars) {
    const bytes = utf8Of(cp);
    // Same memo length: the character replaces the memo's first bytes.
    const at = (n) => decodeSignedTx(splice(blob, 134 + n, bytes.length, ...bytes));
    const message = new RegExp(`memo holds ${nameOf(cp)}, an invisible direction or zero-width character that can disguise text; remove it`);
    refuses(() => at(0), message);
    refuses(() => at(13 - bytes.length), message); // at the end too
  }
  // The first fault in the text is the one named: a control before a hidden character.
  refuses(() => decodeSignedTx(splice(blob, 134, 4, 0x07, 0xe2, 0x80, 0xae)), /memo is not valid UTF-8 text/);
  refuses(() => decodeSignedTx(splice(blob, 134, 4, 0xe2, 0x80, 0xae, 0x07)), /memo holds U\+202E/);
  // In a venue profile (the name, 8 bytes at 60) and a genesis's chain name.
  const venue = blobOf('venue_create');
  refuses(() => decodeSignedTx(splice(venue, 60, 3, 0xe2, 0x81, 0xa6)), /venue name holds U\+2066/);
  const g = fromHex(entries.find((e) => e.type === 'genesis').genesis_hex);
  refuses(() => decodeGenesis(splice(g, 3, 3, 0xef, 0xbb, 0xbf)), /chain name holds U\+FEFF/); // a BOM, even first
});

test('encoders refuse the same characters, and right-to-left letters and plain emoji are fine', () => {
  const e = entries.find((x) => x.name === 'transfer_to_key');
  const decoded = decodeSignedTx(fromHex(e.signed_hex));
  const withMemo = (memo) => encodeTx({ ...decoded.tx, body: { ...decoded.tx.body, memo } });
  for (const cp of hidden_chars) {
    assert.throws(
      () => withMemo(`pay ${String.fromCodePoint(cp)}me`),
      (err) => err instanceof RangeError && new RegExp(`^memo holds ${nameOf(cp)}, an invisible direction`).test(err.message),
    );
    assert.match(textProblem(`a${String.fromCodePoint(cp)}`, 140, 'memo'), new RegExp(`memo holds ${nameOf(cp)}`));
    assert.equal(hiddenFormatChar(cp), true);
  }
  // The family emoji is joined with U+200D; its parts side by side are fine.
  assert.throws(() => withMemo('\u{1F468}\u200D\u{1F469}\u200D\u{1F467}'), /memo holds U\+200D/);
  for (const memo of ['\u{1F468}\u{1F469}\u{1F467}', 'שלום', 'مرحبا', 'Спасибо ☕']) {
    const bytes = withMemo(memo);
    assert.equal(decodeSignedTx(encodeSignedTx({ ...decoded.tx, body: { ...decoded.tx.body, memo } }, decoded.signature)).tx.body.memo, memo);
    assert.ok(bytes.length > 0);
  }
  for (const cp of [0x2029, 0x2061, 0x200a, 0x202f, 0x2065, 0x206a, 0x061b, 0xfefe]) assert.equal(hiddenFormatChar(cp), false, cp.toString(16));
  assert.throws(() => encodeGenesis({ chain_name: 'kopilka\u202e', time_ms: 1n, producer: new Uint8Array(32), attestors: [] }), /chain name holds U\+202E/);
});

// A small PRNG so that a failure can be replayed from the printed seed.
function xorshift(seed) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

test('mutated transactions: whatever decodes re-encodes to the same bytes', () => {
  const seed = Number(process.env.KOPILKA_TEST_SEED ?? Date.now() % 0xffffffff);
  console.log(`mutation seed ${seed} (replay with KOPILKA_TEST_SEED=${seed})`);
  const next = xorshift(seed);
  let accepted = 0;
  for (let round = 0; round < 4000; round++) {
    const blob = fromHex(txs[next() % txs.length].signed_hex);
    const mutated = blob.slice();
    for (let k = 0, n = 1 + (next() % 3); k < n; k++) mutated[next() % mutated.length] = next() & 0xff;
    let decoded;
    try {
      decoded = decodeSignedTx(mutated);
    } catch (e) {
      assert.ok(e instanceof DecodeError, `seed ${seed}: ${e}`);
      continue;
    }
    accepted++;
    assert.equal(toHex(encodeSignedTx(decoded.tx, decoded.signature)), toHex(mutated), `seed ${seed}`);
    assert.equal(toHex(encodeTx(decoded.tx)), toHex(decoded.unsigned), `seed ${seed}`);
  }
  assert.ok(accepted > 0, 'some mutations (of signatures, nonces) decode');
});

// ---- addresses -------------------------------------------------------------

const address = entries.find((e) => e.type === 'address');

test('addresses: mixed case, another prefix or length, a bad checksum, Bech32 or non-ASCII is refused', () => {
  const key = fromHex(address.public_key_hex);
  const good = address.address;
  const refusesAddress = (text) => assert.throws(() => keyFromAddress(text), AddressError, text);
  refusesAddress(good.slice(0, 10) + good.slice(10).toUpperCase());
  refusesAddress(`K${good.slice(1)}`);
  refusesAddress(bech32m.encode('kot', bech32m.toWords(key)));
  refusesAddress(bech32.encode('kop', bech32.toWords(key))); // Bech32 (BIP 173) checksum, not Bech32m
  refusesAddress(bech32m.encode('kop', bech32m.toWords(key.subarray(0, 31))));
  refusesAddress(good.slice(0, -1) + (good.at(-1) === 'q' ? 'p' : 'q'));
  refusesAddress(good.slice(0, 20) + 'b' + good.slice(21)); // 'b' is outside the charset
  refusesAddress('\u212a' + address.address_upper.slice(1)); // the Kelvin sign lowercases to 'k'
  refusesAddress(good + 'q'.repeat(40));
  // 52 groups whose last one has a non-zero padding bit, with a valid checksum.
  const words = bech32m.toWords(key);
  words[51] |= 1;
  refusesAddress(bech32m.encode('kop', words));
  assert.equal(addressFromKey(keyFromAddress(good)), good);
});

test('phone accounts: exactly 64 lowercase hex digits', () => {
  const hex = 'dabb74a7035fcef768b85e7ce504827d2ee9ae493a428d6ccffd8a7e639c86a2';
  assert.equal(accountFromText(`phone:${hex}`).kind, 'phone');
  for (const bad of [`phone:${hex.toUpperCase()}`, `phone:${hex.slice(2)}`, `phone:${hex}00`, `Phone:${hex}`, 'phone:'])
    assert.throws(() => accountFromText(bad), AddressError, bad);
});

// ---- signatures ------------------------------------------------------------

test('Ed25519 verification is as strict as libsodium', () => {
  const chain = new Uint8Array(32).fill(7);
  const seed = new Uint8Array(32).fill(9);
  const key = publicKeyOf(seed);
  const msg = Uint8Array.of(1, 2, 3);
  const sig = sign('voucher', chain, msg, seed);
  assert.equal(verify('voucher', chain, msg, sig, key), true);
  assert.equal(verify('transaction', chain, msg, sig, key), false, 'another domain');
  assert.equal(verify('voucher', new Uint8Array(32), msg, sig, key), false, 'another chain');
  // S + L: the same signature with a non-canonical S (libsodium refuses it).
  const L = (1n << 252n) + 27742317777372353535851937790883648493n;
  let s = 0n;
  for (let i = 63; i >= 32; i--) s = (s << 8n) | BigInt(sig[i]);
  s += L;
  const malleated = sig.slice();
  for (let i = 32; i < 64; i++, s >>= 8n) malleated[i] = Number(s & 0xffn);
  assert.equal(verify('voucher', chain, msg, malleated, key), false, 'non-canonical S');
  // The identity point (a small-order key) with R = identity and S = 0 is
  // accepted by lax verifiers for every message.
  const identity = new Uint8Array(32);
  identity[0] = 1;
  const trivial = new Uint8Array(64);
  trivial[0] = 1;
  assert.equal(verify('voucher', chain, msg, trivial, identity), false, 'small-order key');
  assert.equal(verify('voucher', chain, msg, sig.subarray(0, 63), key), false, 'short signature');
});

test('a signature whose R has a torsion component is refused, as libsodium refuses it', () => {
  const chain = new Uint8Array(32).fill(7);
  const seed = new Uint8Array(32).fill(9);
  const key = publicKeyOf(seed);
  const msg = signingMessage('voucher', chain, Uint8Array.of(1, 2, 3));
  const { Point } = ed25519;
  const L = Point.Fn.ORDER;
  const le = (bytes) => bytes.reduceRight((acc, b) => (acc << 8n) | BigInt(b), 0n);
  const a = ed25519.utils.getExtendedPublicKey(seed).scalar;
  // R' = rB + T, with T of order 8, and S = r + k·a for k = H(R' || A || M):
  // the cofactored equation holds, the cofactorless one does not.
  const T = Point.fromBytes(fromHex('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a'));
  const r = 123456789n;
  const Rt = Point.BASE.multiply(r).add(T).toBytes();
  const k = le(sha512(Uint8Array.from([...Rt, ...key, ...msg]))) % L;
  const S = (r + k * a) % L;
  const sig = new Uint8Array(64);
  sig.set(Rt);
  for (let i = 0, x = S; i < 32; i++, x >>= 8n) sig[32 + i] = Number(x & 0xffn);
  assert.equal(ed25519.verify(sig, msg, key, { zip215: false }), true, "noble's cofactored check alone accepts it");
  assert.equal(verify('voucher', chain, Uint8Array.of(1, 2, 3), sig, key), false);
});

// ---- amounts ---------------------------------------------------------------

test('amounts: two decimals out, strict decimal text in', () => {
  assert.equal(formatAmount(0n), '0.00');
  assert.equal(formatAmount(1250n), '12.50');
  assert.equal(formatAmount(100000000n), '1000000.00');
  assert.equal(formatAmount((1n << 64n) - 1n), '184467440737095516.15');
  assert.equal(parseAmount('0'), 0n);
  assert.equal(parseAmount('0.5'), 50n);
  assert.equal(parseAmount('1.05'), 105n);
  assert.equal(parseAmount('184467440737095516.15'), (1n << 64n) - 1n);
  for (const bad of ['', '1.', '.5', '1.005', '-1', '+1', '1e2', ' 1', '1 ', '1,5', '184467440737095516.16', '0x10'])
    assert.equal(parseAmount(bad), null, bad);
  assert.throws(() => formatAmount(12.5), TypeError);
});

// ---- the QR text -------------------------------------------------------------

test('QR payloads: strict base41 and body, with messages a person can act on', () => {
  const good = qr.vectors[0].payload;
  const refusesQr = (text, pattern) => assert.throws(() => decodeVoucherQr(text), (e) => e instanceof VoucherQrError && pattern.test(e.message));
  refusesQr(good.toLowerCase(), /does not start with KV1:/);
  refusesQr(`KV1:${good.slice(4).toLowerCase()}`, /Caps Lock/);
  refusesQr(`KV2:${good.slice(4)}`, /another format version \(KV2\)/);
  refusesQr(good.slice(0, -2), /3k\+1/);
  refusesQr(`${good.slice(0, -3)}`, /truncated/);
  refusesQr(`${good}00`, /trailing/);
  refusesQr(`${good.slice(0, 20)} ${good.slice(21)}`, /character 17 is not one a voucher uses/);
  refusesQr(`KV1::::${good.slice(7)}`, /do not encode two bytes/); // 40 + 40·41 + 40·41² > 65535
  refusesQr(`KV1:${'0'.repeat(300)}`, /at most 256/);
  // Body edits: form 3; a product id varint in a non-shortest form.
  const body = base41Decode(good.slice(4));
  refusesQr(`KV1:${base41Encode(splice(body, 0, 1, 3))}`, /unknown form 3/);
  const productAt = 2 + 7;
  refusesQr(`KV1:${base41Encode(splice(body, productAt, 1, 0x81, 0x00))}`, /not in its shortest form/);
  refusesQr(`KV1:${base41Encode(splice(body, productAt, 1, 0xff, 0xff, 0xff, 0xff, 0x10))}`, /32 bits/);
  assert.throws(() => base41Decode('::'), /do not encode a byte/);
});

test('a key account voucher signed by another key has no QR form', () => {
  const e = entries.find((x) => x.type === 'voucher');
  const v = decodeVoucher(fromHex(e.signed_hex));
  assert.match(encodeVoucherQr(v), /^KV1:/);
  v.signer = new Uint8Array(32).fill(1);
  assert.throws(() => encodeVoucherQr(v), /must be signed by that key/);
  assert.equal(toHex(encodeVoucher(decodeVoucher(fromBase64url(e.signed_base64url)))), e.signed_hex);
});
