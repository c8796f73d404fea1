// Reproduces every golden vector in tests/vectors/transactions.json and
// tests/vectors/qr.json (docs/formats.md "The vectors file", docs/qr.md
// "Vectors"): from the readable fields to the canonical bytes, ids, signing
// messages and signatures, and back through the strict decoders.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  accountFromText,
  accountText,
  addressFromKey,
  base41Decode,
  blake2b256,
  blockHash,
  chainIdOf,
  decodeBlock,
  decodeGenesis,
  decodeSignedHeader,
  decodeSignedTx,
  decodeStaffAcceptance,
  decodeVoucher,
  encodePayConsentUnsigned,
  encodeReceipt,
  decodeVoucherQr,
  encodeAttestationUnsigned,
  encodeGenesis,
  encodeHeader,
  encodeSignedTx,
  encodeStaffAcceptance,
  encodeStaffAcceptanceUnsigned,
  encodeTx,
  encodeVoucher,
  encodeVoucherQr,
  encodeVoucherUnsigned,
  formatAmount,
  fromBase64url,
  fromHex,
  inviteId,
  inviteOpenBytes,
  keyFromAddress,
  lookupRequestBytes,
  consentRequestBytes,
  signConsent,
  signTemplateLanguage,
  signTemplateText,
  templatesLanguageBytes,
  templatesTextBytes,
  merkleRoot,
  phoneReference,
  publicKeyOf,
  readSignedTx,
  rebind_delay_s_default,
  sign,
  signingMessage,
  signAcceptance,
  signInviteOpen,
  signLookup,
  signStaffAcceptance,
  signTx,
  staffAcceptanceId,
  staff_roles,
  signVoucher,
  textBytes,
  toBase64url,
  toHex,
  txId,
  txKindCode,
  tx_kinds,
  tx_kinds_not_built,
  verify,
  verifyHeader,
  verifyStaffAcceptance,
  verifyTx,
  verifyVoucher,
  voucherId,
} from '../lib/index.js';

const vectorsDir = new URL('../../tests/vectors/', import.meta.url);
const entries = JSON.parse(readFileSync(new URL('transactions.json', vectorsDir), 'utf8'));
const tx_kinds_not_built_names = [...tx_kinds_not_built.values()];
const qr = JSON.parse(readFileSync(new URL('qr.json', vectorsDir), 'utf8'));

const byType = (type) =>
  entries.filter((e) => e.type === type && !(type === 'tx' && tx_kinds_not_built_names.includes(e['tx.kind'])));
// programme_set is C++-only for now (encoding.js, tx_kinds_not_built).
const programmeVectors = entries.filter((e) => e.type === 'tx' && tx_kinds_not_built_names.includes(e['tx.kind']));
const genesisEntry = byType('genesis')[0];
const chainId = fromHex(genesisEntry.chain_id_hex, 32);
const otherChain = chainId.map((b, i) => (i === 0 ? b ^ 1 : b));

const hexEq = (bytes, hex, what) => assert.equal(toHex(bytes), hex, what);
const bool = (s) => {
  assert.ok(s === 'true' || s === 'false', `boolean field ${s}`);
  return s === 'true';
};
const optionalU64 = (s) => (s === 'none' ? null : BigInt(s));

/** The key a readable field names, checked against its `_public_key_hex` twin when present. */
function keyField(e, name) {
  const key = keyFromAddress(e[name]);
  if (e[`${name}_public_key_hex`] !== undefined) hexEq(key, e[`${name}_public_key_hex`], `${name} key`);
  return key;
}

function accountField(e, name) {
  const a = accountFromText(e[name]);
  assert.equal(a.kind, e[`${name}.kind`], `${name}.kind`);
  assert.equal(accountText(a), e[name]);
  return a;
}

function profileOf(e) {
  const p = 'body.profile.';
  const links = [];
  for (let i = 0; i < Number(e[`${p}links.count`]); i++) links.push(e[`${p}links.${i}`]);
  return {
    name: e[`${p}name`],
    logo_url: e[`${p}logo_url`],
    street_address: e[`${p}street_address`],
    geo: bool(e[`${p}geo.present`]) ? { lat_e7: Number(e[`${p}geo.lat_e7`]), lon_e7: Number(e[`${p}geo.lon_e7`]) } : null,
    phone: e[`${p}phone`],
    links,
    hours: e[`${p}hours`],
  };
}

function voucherOf(e, p) {
  return {
    ticker: e[`${p}ticker`],
    product_id: Number(e[`${p}product_id`]),
    price: BigInt(e[`${p}price`]),
    client: accountField(e, `${p}client`),
    nonce: BigInt(e[`${p}nonce`]),
    expiry_s: BigInt(e[`${p}expiry_s`]),
    signer: keyField(e, `${p}signer`),
    signature: fromHex(e[`${p}signature_hex`], 64),
  };
}

/** The role name, checked against its code (1 cashier … 4 manager). */
function roleOf(e) {
  assert.equal(staff_roles[Number(e['body.role_code']) - 1], e['body.role'], 'role code');
  return e['body.role'];
}

function acceptanceOf(e) {
  const p = 'body.acceptance.';
  return {
    ticker: e[`${p}ticker`],
    staff: keyField(e, `${p}staff`),
    expiry_s: BigInt(e[`${p}expiry_s`]),
    signature: fromHex(e[`${p}signature_hex`], 64),
  };
}

const bodies = {
  venue_create: (e) => ({ ticker: e['body.ticker'], profile: profileOf(e) }),
  venue_update: (e) => ({ ticker: e['body.ticker'], profile: profileOf(e) }),
  product_upsert: (e) => {
    assert.equal(formatAmount(BigInt(e['body.product.price'])), e['body.product.price_text']);
    return {
      ticker: e['body.ticker'],
      product: {
        id: Number(e['body.product.id']),
        name: e['body.product.name'],
        price: BigInt(e['body.product.price']),
        category: e['body.product.category'],
        image_url: e['body.product.image_url'],
        active: bool(e['body.product.active']),
      },
    };
  },
  product_remove: (e) => ({ ticker: e['body.ticker'], product_id: Number(e['body.product_id']) }),
  staff_update: (e) => ({
    ticker: e['body.ticker'],
    staff: keyField(e, 'body.staff'),
    role: roleOf(e),
    limits: { per_tx: optionalU64(e['body.limits.per_tx']), per_day: optionalU64(e['body.limits.per_day']) },
  }),
  staff_add: (e) => {
    assert.equal(e['body.acceptance.version'], '1');
    return {
      ticker: e['body.ticker'],
      role: roleOf(e),
      limits: { per_tx: optionalU64(e['body.limits.per_tx']), per_day: optionalU64(e['body.limits.per_day']) },
      acceptance: acceptanceOf(e),
    };
  },
  staff_remove: (e) => ({ ticker: e['body.ticker'], staff: keyField(e, 'body.staff') }),
  transfer: (e) => {
    assert.equal(formatAmount(BigInt(e['body.amount'])), e['body.amount_text']);
    assert.equal(textBytes(e['body.memo']), Number(e['body.memo_bytes']), 'memo bytes');
    return {
      ticker: e['body.ticker'],
      from: accountField(e, 'body.from'),
      to: accountField(e, 'body.to'),
      amount: BigInt(e['body.amount']),
      memo: e['body.memo'],
    };
  },
  phone_bind: (e) => {
    const p = 'body.attestation.';
    assert.equal(e[`${p}version`], '1');
    return {
      attestation: {
        phone: fromHex(e[`${p}phone_ref_hex`], 32),
        key: keyFromAddress(e[`${p}key`]),
        sequence: Number(e[`${p}sequence`]),
        expiry_s: BigInt(e[`${p}expiry_s`]),
        attestor: keyField(e, `${p}attestor`),
        signature: fromHex(e[`${p}signature_hex`], 64),
      },
    };
  },
  redeem: (e) => {
    assert.equal(e['body.voucher.version'], '1');
    return { ticker: e['body.ticker'], voucher: voucherOf(e, 'body.voucher.') };
  },
  phone_rebind_cancel: (e) => ({ phone: fromHex(e['body.phone_hex'], 32) }),
  phone_rebind_complete: (e) => ({ phone: fromHex(e['body.phone_hex'], 32) }),
  purchase: (e) => {
    const lines = [];
    for (let i = 0; i < Number(e['body.receipt.line_count']); i++)
      lines.push({ category: e[`body.receipt.lines.${i}.category`], amount: BigInt(e[`body.receipt.lines.${i}.amount`]) });
    const receipt = { id: e['body.receipt.id'], lines };
    hexEq(encodeReceipt(receipt), e['body.receipt.bytes_hex'], 'receipt bytes');
    hexEq(blake2b256(encodeReceipt(receipt)), e['body.receipt.digest_hex'], 'receipt digest');
    let consent = null;
    if (bool(e['body.consent.present'])) {
      const p = 'body.consent.';
      assert.equal(e[`${p}version`], '1');
      consent = {
        ticker: e[`${p}ticker`],
        client: accountField(e, `${p}client`),
        amount: BigInt(e[`${p}amount`]),
        receipt_digest: fromHex(e[`${p}receipt_digest_hex`], 32),
        nonce: BigInt(e[`${p}nonce`]),
        expiry_s: BigInt(e[`${p}expiry_s`]),
        signer: keyField(e, `${p}signer`),
        signature: fromHex(e[`${p}signature_hex`], 64),
      };
      // The client's consent: its bytes, id, signing message and signature.
      const unsigned = encodePayConsentUnsigned(consent);
      hexEq(unsigned, e['consent.unsigned_hex'], 'consent bytes');
      hexEq(blake2b256(unsigned), e['consent.id_hex'], 'consent id');
      hexEq(signingMessage('pay', chainId, unsigned), e['consent.signing_message_hex'], 'consent signing message');
      hexEq(sign('pay', chainId, unsigned, fromHex(e['consent.signer_seed_hex'], 32)), e[`${p}signature_hex`]);
      assert.ok(verify('pay', chainId, unsigned, consent.signature, consent.signer));
    }
    return {
      ticker: e['body.ticker'],
      client:
        e['body.client.kind'] === 'card' ? { card: e['body.client.card'] } : { account: accountField(e, 'body.client.account') },
      receipt,
      programme_version: Number(e['body.programme_version']),
      pay: BigInt(e['body.pay']),
      consent,
      referrer: bool(e['body.referrer.present']) ? accountField(e, 'body.referrer') : null,
    };
  },
  purchase_return: (e) => ({
    ticker: e['body.ticker'],
    purchase: fromHex(e['body.purchase_hex'], 32),
    amount: BigInt(e['body.amount']),
  }),
  card_bind: (e) => ({ ticker: e['body.ticker'], card: e['body.card'], client: accountField(e, 'body.client') }),
  birthday_set: (e) => ({
    ticker: e['body.ticker'],
    client: accountField(e, 'body.client'),
    month: Number(e['body.month']),
    day: Number(e['body.day']),
  }),
};

test('the vectors file has every entry docs/formats.md lists, and each tx kind is built here', () => {
  for (const type of ['about', 'genesis', 'genesis_v2', 'tx', 'voucher', 'block', 'address', 'invite'])
    assert.ok(byType(type).length > 0, `an entry of type ${type}`);
  for (const e of byType('tx'))
    assert.ok(bodies[e['tx.kind']], `vector ${e.name}: kind ${e['tx.kind']} needs encoding.js support and a line in bodies`);
  assert.ok(byType('tx').length >= 13);
  // One vector per kind, and every kind the library knows has one.
  assert.deepEqual([...new Set(byType('tx').map((e) => e['tx.kind']))].sort(), [...tx_kinds].sort());
  for (const e of byType('tx')) assert.equal(txKindCode(e['tx.kind']), Number(e['tx.kind_code']), e.name);
  // Every kind the file has beyond those is one this library names as not built, with its code.
  assert.deepEqual([...new Set(programmeVectors.map((e) => e['tx.kind']))].sort(), [...tx_kinds_not_built_names].sort());
  for (const e of programmeVectors) assert.equal(tx_kinds_not_built.get(Number(e['tx.kind_code'])), e['tx.kind']);
});

function genesisOf(e) {
  const attestors = [];
  for (let i = 0; i < Number(e['genesis.attestors.count']); i++) attestors.push(keyField(e, `genesis.attestors.${i}`));
  return {
    chain_name: e['genesis.chain_name'],
    time_ms: BigInt(e['genesis.time_ms']),
    producer: keyField(e, 'genesis.producer'),
    attestors,
    rebind_delay_s: BigInt(e['genesis.rebind_delay_s']),
  };
}

test('genesis: bytes from the fields, chain id, decoder round trip', () => {
  const e = genesisEntry;
  hexEq(publicKeyOf(fromHex(e.producer_seed_hex, 32)), e['genesis.producer_public_key_hex']);
  hexEq(publicKeyOf(fromHex(e.attestor_seed_hex, 32)), e['genesis.attestors.0.public_key_hex']);
  const g = genesisOf(e);
  assert.equal(g.rebind_delay_s, rebind_delay_s_default);
  const bytes = encodeGenesis(g);
  assert.equal(bytes[0], Number(e['genesis.version']));
  hexEq(bytes, e.genesis_hex);
  hexEq(chainIdOf(bytes), e.chain_id_hex);
  assert.deepEqual(decodeGenesis(bytes), g);
  // Leaving the delay out means the default: the same bytes.
  const { rebind_delay_s, ...withoutDelay } = g;
  hexEq(encodeGenesis(withoutDelay), e.genesis_hex);
});

test('genesis_v2: a non-default rebind delay is version 2 with the delay at the end', () => {
  const e = byType('genesis_v2')[0];
  const g = genesisOf(e);
  assert.equal(g.rebind_delay_s, 3600n);
  const bytes = encodeGenesis(g);
  assert.equal(bytes[0], Number(e['genesis.version']));
  assert.equal(bytes[0], 2);
  hexEq(bytes, e.genesis_hex);
  hexEq(chainIdOf(bytes), e.chain_id_hex);
  assert.deepEqual(decodeGenesis(bytes), g);
  // The version 1 bytes are these without the version byte's change and the trailing u64.
  assert.equal(toHex(bytes.subarray(1, bytes.length - 8)), genesisEntry.genesis_hex.slice(2));
});

for (const e of byType('tx')) {
  test(`tx ${e.name}: unsigned bytes, id, signing message, signature, signed blob`, () => {
    const seed = fromHex(e.signer_seed_hex, 32);
    assert.equal(e['tx.version'], '1');
    const tx = {
      kind: e['tx.kind'],
      signer: keyField(e, 'tx.signer'),
      nonce: BigInt(e['tx.nonce']),
      expiry_s: BigInt(e['tx.expiry_s']),
      body: bodies[e['tx.kind']](e),
    };
    hexEq(publicKeyOf(seed), e['tx.signer_public_key_hex'], 'seed gives the signer');
    const unsigned = encodeTx(tx);
    hexEq(unsigned, e.unsigned_hex, 'unsigned bytes');
    assert.equal(unsigned[1], Number(e['tx.kind_code']));
    hexEq(txId(tx), e.id_hex, 'id');
    hexEq(signingMessage('transaction', chainId, unsigned), e.signing_message_hex, 'signing message');
    const signed = signTx(tx, seed, chainId);
    hexEq(signed.signature, e.signature_hex, 'signature');
    hexEq(signed.id, e.id_hex);
    hexEq(signed.blob, e.signed_hex, 'signed blob');
    hexEq(encodeSignedTx(tx, signed.signature), e.signed_hex);
    assert.equal(toBase64url(signed.blob), e.signed_base64url);

    // Back: the strict decoder gives the same transaction, which re-encodes to the same bytes.
    const decoded = readSignedTx(fromBase64url(e.signed_base64url));
    assert.deepEqual(decoded.tx, tx);
    hexEq(decoded.unsigned, e.unsigned_hex);
    hexEq(decoded.id, e.id_hex);
    hexEq(encodeSignedTx(decoded.tx, decoded.signature), e.signed_hex);
    assert.equal(verifyTx(decoded, chainId), true);
    assert.equal(verifyTx(decoded, otherChain), false, 'a signature for one chain verifies nowhere else');
  });
}

test('phone_bind: the attestation is the attestor\'s over its 109 bytes', () => {
  const e = entries.find((x) => x.name === 'phone_bind');
  const a = bodies.phone_bind(e).attestation;
  const unsigned = encodeAttestationUnsigned(a);
  assert.equal(unsigned.length, 109);
  hexEq(unsigned, e['attestation.unsigned_hex']);
  hexEq(signingMessage('attestation', chainId, unsigned), e['attestation.signing_message_hex']);
  const seed = fromHex(e['attestation.attestor_seed_hex'], 32);
  hexEq(sign('attestation', chainId, unsigned, seed), e['body.attestation.signature_hex']);
  assert.equal(verify('attestation', chainId, unsigned, a.signature, a.attestor), true);
  assert.equal(verify('transaction', chainId, unsigned, a.signature, a.attestor), false, 'domains are separate');
});

test('redeem: the embedded voucher is the client\'s', () => {
  const e = entries.find((x) => x.name === 'redeem');
  const v = voucherOf(e, 'body.voucher.');
  hexEq(encodeVoucherUnsigned(v), e['voucher.unsigned_hex']);
  hexEq(voucherId(v), e['voucher.id_hex']);
  hexEq(signingMessage('voucher', chainId, encodeVoucherUnsigned(v)), e['voucher.signing_message_hex']);
  const { signer, signature, ...fields } = v;
  const signed = signVoucher(fields, fromHex(e['voucher.signer_seed_hex'], 32), chainId);
  hexEq(signed.signer, e['body.voucher.signer_public_key_hex']);
  hexEq(signed.signature, e['body.voucher.signature_hex']);
  assert.equal(verifyVoucher(v, chainId), true);
});

test('staff_add: the acceptance is the staff member\'s over its 42 + t bytes, and its id', () => {
  const e = entries.find((x) => x.name === 'staff_add');
  const a = acceptanceOf(e);
  const unsigned = encodeStaffAcceptanceUnsigned(a);
  assert.equal(unsigned.length, 42 + a.ticker.length);
  hexEq(unsigned, e['acceptance.unsigned_hex']);
  hexEq(staffAcceptanceId(a), e['acceptance.id_hex']);
  hexEq(signingMessage('staff_accept', chainId, unsigned), e['acceptance.signing_message_hex']);
  const seed = fromHex(e['acceptance.signer_seed_hex'], 32);
  const signed = signStaffAcceptance({ ticker: a.ticker, expiry_s: a.expiry_s }, seed, chainId);
  assert.deepEqual(signed, a);
  assert.equal(verifyStaffAcceptance(a, chainId), true);
  assert.equal(verifyStaffAcceptance(a, otherChain), false);
  assert.equal(verify('voucher', chainId, unsigned, a.signature, a.staff), false, 'domains are separate');
  // On its own (as `kopilka staff accept` prints it) it is the same 106 + t bytes.
  const whole = encodeStaffAcceptance(a);
  assert.equal(whole.length, 106 + a.ticker.length);
  assert.deepEqual(decodeStaffAcceptance(whole), a);
  // A staff_add whose acceptance another key signed does not verify.
  const decoded = readSignedTx(fromHex(e.signed_hex));
  const forged = { ...decoded, tx: { ...decoded.tx, body: { ...decoded.tx.body, acceptance: { ...a, staff: decoded.tx.signer } } } };
  assert.equal(verifyTx(forged, chainId), false);
});

test('signed phone lookup: the docs/formats.md example bytes, and params as the C++ tests make them', () => {
  const typed = '+7 900 000-00-01';
  const bytes = lookupRequestBytes(typed, 1790000000000n);
  assert.equal(bytes.length, 25);
  hexEq(bytes, '000001a0c4506c00' + '10' + '2b3720393030203030302d30302d3031');
  const message = signingMessage('lookup', chainId, bytes);
  assert.equal(toHex(message).slice(0, 36), '11' + '6b6f70696c6b612f6c6f6f6b75702f7631');
  hexEq(message.subarray(18, 50), genesisEntry.chain_id_hex, 'then the chain id');
  hexEq(lookupRequestBytes(typed, 1790000000000), toHex(bytes), 'a Number time is the same');

  const seed = fromHex(byType('address')[0].seed_hex, 32);
  const holder = accountFromText(entries.find((x) => x.name === 'transfer_to_phone')['body.to']);
  const params = signLookup({ phone: typed, time_ms: 1790000000000n, holder }, seed, chainId);
  assert.deepEqual(Object.keys(params), ['phone', 'key', 'time_ms', 'signature', 'holder']);
  assert.equal(params.phone, typed);
  assert.equal(params.key, addressFromKey(publicKeyOf(seed)));
  assert.equal(params.time_ms, 1790000000000);
  assert.match(params.signature, /^[0-9a-f]{128}$/);
  assert.equal(params.holder, accountText(holder));
  const sig = fromHex(params.signature, 64);
  assert.equal(verify('lookup', chainId, bytes, sig, publicKeyOf(seed)), true);
  assert.equal(verify('lookup', otherChain, bytes, sig, publicKeyOf(seed)), false);
  assert.equal(verify('transaction', chainId, bytes, sig, publicKeyOf(seed)), false, 'domains are separate');
  assert.equal('holder' in signLookup({ phone: typed, time_ms: 1n }, seed, chainId), false);

  // The text is signed as typed, in UTF-8 bytes: at most 64 of them.
  assert.equal(lookupRequestBytes('٠'.repeat(32), 0n).length, 9 + 64);
  assert.throws(() => lookupRequestBytes('1'.repeat(65), 0n), /phone is 65 bytes; at most 64 allowed/);
  assert.throws(() => lookupRequestBytes('\ud800', 0n), RangeError);
  assert.throws(() => signLookup({ phone: typed, time_ms: -1 }, seed, chainId), RangeError);
  assert.throws(() => signLookup({ phone: typed, time_ms: 1n << 60n }, seed, chainId), RangeError);
});

test('signed message consent: the docs/formats.md example bytes, and params the node checks', () => {
  const holder = accountFromText('phone:00c56cef9351c1c9624f63b3fe6c6dc8a6846ce6b9e643ec50dd30c6b146498d');
  const bytes = consentRequestBytes(holder, 'VOLODYA', false, 1790000000000n);
  assert.equal(bytes.length, 49);
  hexEq(bytes, '000001a0c4506c00' + '00c56cef9351c1c9624f63b3fe6c6dc8a6846ce6b9e643ec50dd30c6b146498d' + '07' +
    '564f4c4f445941' + '00');
  const message = signingMessage('messages', chainId, bytes);
  assert.equal(toHex(message).slice(0, 40), '13' + '6b6f70696c6b612f6d657373616765732f7631');
  hexEq(message.subarray(20, 52), genesisEntry.chain_id_hex, 'then the chain id');
  // Every venue: an empty ticker, receive 1.
  hexEq(consentRequestBytes(holder, '', true, 0), '0000000000000000' + toHex(holder.bytes) + '00' + '01');

  const seed = fromHex(byType('address')[0].seed_hex, 32);
  const params = signConsent({ holder, ticker: 'VOLODYA', receive: false, time_ms: 1790000000000n }, seed, chainId);
  assert.deepEqual(Object.keys(params), ['holder', 'ticker', 'receive', 'key', 'time_ms', 'signature']);
  assert.equal(params.holder, accountText(holder));
  assert.equal(params.receive, false);
  assert.equal(params.time_ms, 1790000000000);
  const sig = fromHex(params.signature, 64);
  assert.equal(verify('messages', chainId, bytes, sig, publicKeyOf(seed)), true);
  assert.equal(verify('messages', otherChain, bytes, sig, publicKeyOf(seed)), false);
  assert.equal(verify('lookup', chainId, bytes, sig, publicKeyOf(seed)), false, 'domains are separate');
  assert.throws(() => consentRequestBytes(holder, 'volodya', false, 0), RangeError);
  assert.throws(() => consentRequestBytes(holder, 'ABCDEFGHIJK', false, 0), RangeError);
  assert.throws(() => consentRequestBytes(holder, 'VOLODYA', 0, 0), TypeError);
  assert.throws(() => consentRequestBytes({ kind: 'key', bytes: new Uint8Array(32) }, 'VOLODYA', true, 0), TypeError);
});

test('signed message templates: the docs/formats.md example bytes, and params the node checks', () => {
  const request = { ticker: 'VOLODYA', time_ms: 1790000000000n, language: 'ru', kind: 'coins_received', text: '{venue}: {link}' };
  const bytes = templatesTextBytes(request);
  assert.equal(bytes.length, 52);
  hexEq(bytes, '01' + '07564f4c4f445941' + '000001a0c4506c00' + '01' + '7275' + '0e636f696e735f7265636569766564' +
    '000f' + '7b76656e75657d3a207b6c696e6b7d');
  const message = signingMessage('templates', chainId, bytes);
  assert.equal(toHex(message).slice(0, 42), '14' + '6b6f70696c6b612f74656d706c617465732f7631');
  hexEq(message.subarray(21, 53), genesisEntry.chain_id_hex, 'then the chain id');
  const language = templatesLanguageBytes({ ticker: 'VOLODYA', time_ms: 1790000000000n, language: 'en' });
  hexEq(language, '01' + '07564f4c4f445941' + '000001a0c4506c00' + '02' + '656e');
  // Back to the default: an empty text, its length 0.
  hexEq(templatesTextBytes({ ...request, text: '' }).subarray(-2), '0000');

  const seed = fromHex(byType('address')[0].seed_hex, 32);
  const params = signTemplateText(request, seed, chainId);
  assert.deepEqual(Object.keys(params), ['ticker', 'language', 'kind', 'text', 'key', 'time_ms', 'signature']);
  assert.equal(params.time_ms, 1790000000000);
  assert.equal(params.key, addressFromKey(publicKeyOf(seed)));
  const sig = fromHex(params.signature, 64);
  assert.equal(verify('templates', chainId, bytes, sig, publicKeyOf(seed)), true);
  assert.equal(verify('templates', otherChain, bytes, sig, publicKeyOf(seed)), false);
  assert.equal(verify('messages', chainId, bytes, sig, publicKeyOf(seed)), false, 'domains are separate');
  const lang = signTemplateLanguage({ ticker: 'VOLODYA', time_ms: 1790000000000, language: 'en' }, seed, chainId);
  assert.deepEqual(Object.keys(lang), ['ticker', 'language', 'key', 'time_ms', 'signature']);
  assert.equal(verify('templates', chainId, language, fromHex(lang.signature, 64), publicKeyOf(seed)), true);
  assert.equal(verify('templates', chainId, bytes, fromHex(lang.signature, 64), publicKeyOf(seed)), false);

  assert.throws(() => templatesTextBytes({ ...request, language: 'de' }), RangeError);
  assert.throws(() => templatesTextBytes({ ...request, ticker: 'volodya' }), RangeError);
  assert.throws(() => templatesTextBytes({ ...request, kind: 'Coins' }), RangeError);
  assert.throws(() => templatesTextBytes({ ...request, text: 'ы'.repeat(241) }), RangeError, 'over 480 bytes');
  assert.throws(() => templatesTextBytes({ ...request, text: 'a\nb' }), RangeError, 'a control character');
});

test('transfer_to_phone: the phone reference from the operator secret and E.164', () => {
  const e = entries.find((x) => x.name === 'transfer_to_phone');
  const ref = phoneReference(fromHex(e['phone.operator_secret_hex'], 32), e['phone.e164']);
  hexEq(ref, e['phone.ref_hex']);
  assert.equal(e['body.to'], `phone:${e['phone.ref_hex']}`);
});

test('voucher: canonical bytes, id, signature, decoder round trip', () => {
  const e = byType('voucher')[0];
  assert.equal(e['voucher.version'], '1');
  const v = voucherOf(e, 'voucher.');
  const unsigned = encodeVoucherUnsigned(v);
  hexEq(unsigned, e.unsigned_hex);
  assert.equal(unsigned.length, 95 + v.ticker.length);
  hexEq(voucherId(v), e.id_hex);
  hexEq(signingMessage('voucher', chainId, unsigned), e.signing_message_hex);
  const { signer, signature, ...fields } = v;
  const signed = signVoucher(fields, fromHex(e.signer_seed_hex, 32), chainId);
  hexEq(signed.signature, e.signature_hex);
  hexEq(encodeVoucher(signed), e.signed_hex);
  assert.equal(toBase64url(encodeVoucher(signed)), e.signed_base64url);
  assert.deepEqual(decodeVoucher(fromHex(e.signed_hex)), v);
  assert.equal(verifyVoucher(v, chainId), true);
  assert.equal(verifyVoucher(v, otherChain), false);
});

test('block: header bytes, hash, producer signature, stored block, Merkle root', () => {
  const e = byType('block')[0];
  assert.equal(e['header.version'], '1');
  const header = {
    height: BigInt(e['header.height']),
    prev: fromHex(e['header.prev_hex'], 32),
    time_ms: BigInt(e['header.time_ms']),
    tx_root: fromHex(e['header.tx_root_hex'], 32),
    state_digest: fromHex(e['header.state_digest_hex'], 32),
    tx_count: Number(e['header.tx_count']),
    producer: keyField(e, 'header.producer'),
  };
  const bytes = encodeHeader(header);
  assert.equal(bytes.length, 149);
  hexEq(bytes, e.unsigned_hex);
  hexEq(blockHash(header), e.id_hex);
  hexEq(signingMessage('block', chainId, bytes), e.signing_message_hex);
  const signature = sign('block', chainId, bytes, fromHex(e.signer_seed_hex, 32));
  hexEq(signature, e.signature_hex);
  assert.equal(verifyHeader(header, signature, chainId), true);
  assert.equal(verifyHeader(header, signature, otherChain), false);

  // The block lists the first ten transaction ids in file order (kinds 1-9,
  // written before kinds 10-12 existed); their root is the header's.
  const ids = byType('tx').slice(0, 10).map((t) => fromHex(t.id_hex, 32));
  assert.equal(ids.length, Number(e['header.tx_count']));
  assert.equal(e.tx_ids_hex, ids.map(toHex).join(','));
  hexEq(merkleRoot(ids), e['header.tx_root_hex']);
  hexEq(header.prev, genesisEntry.chain_id_hex, "block 1's prev is the chain id");

  const stored = decodeBlock(fromHex(e.signed_hex));
  assert.deepEqual(stored.header, header);
  hexEq(stored.signature, e.signature_hex);
  assert.deepEqual(stored.tx_ids, ids);
  assert.equal(toBase64url(fromHex(e.signed_hex)), e.signed_base64url);

  // The known-tip record: the first 213 bytes of the stored block.
  const signedHeader = decodeSignedHeader(fromHex(e.signed_hex).subarray(0, 213));
  assert.deepEqual(signedHeader.header, header);
  hexEq(signedHeader.hash, e.id_hex);
});

test('address: Bech32m text of the key, lowercase and uppercase', () => {
  const e = byType('address')[0];
  const key = publicKeyOf(fromHex(e.seed_hex, 32));
  hexEq(key, e.public_key_hex);
  assert.equal(addressFromKey(key), e.address);
  hexEq(keyFromAddress(e.address), e.public_key_hex);
  hexEq(keyFromAddress(e.address_upper), e.public_key_hex);
});

for (const [i, v] of qr.vectors.entries()) {
  test(`qr vector ${i + 1} (${v.name}): voucher bytes, body, payload, and back`, () => {
    assert.equal(qr.prefix, 'KV1:');
    const chain = fromHex(v.chain_id, 32);
    const seed = fromHex(v.signer_seed, 32);
    const client = accountFromText(v.client);
    const fields = {
      ticker: v.ticker,
      product_id: v.product_id,
      price: BigInt(v.price_units),
      client,
      nonce: BigInt(v.nonce),
      expiry_s: BigInt(v.expiry_s),
    };
    const voucher = signVoucher(fields, seed, chain);
    hexEq(encodeVoucher(voucher), v.voucher_bytes, 'canonical voucher');
    const payload = encodeVoucherQr(voucher);
    assert.equal(payload, v.payload);
    assert.equal(payload.length, v.payload_chars);
    hexEq(base41Decode(payload.slice(4)), v.body, 'body');
    assert.ok([...payload].every((c) => (qr.prefix + qr.alphabet).includes(c)));

    const read = decodeVoucherQr(v.payload);
    assert.equal(read.form, client.kind);
    if (read.form === 'phone') {
      // The signer is not in the payload: the reader asks the node for the
      // phone's key; here it is the seed's.
      assert.equal(read.voucher.signer, null);
      read.voucher.signer = publicKeyOf(seed);
    }
    assert.deepEqual(read.voucher, voucher);
    assert.equal(verifyVoucher(read.voucher, chain), true);
    hexEq(encodeVoucher(read.voucher), v.voucher_bytes);
  });
}

test("invite: the id from the secret, the owner's signed open and the acceptance line, as the C++ makes them", () => {
  const e = byType('invite')[0];
  const secret = fromHex(e.secret_hex, 16);
  assert.equal(toBase64url(secret), e.secret_base64url);
  assert.equal(inviteId(secret), e.id_hex);
  const unsigned = inviteOpenBytes(e.ticker, e.id_hex, BigInt(e.expiry_s));
  hexEq(unsigned, e.unsigned_hex);
  hexEq(signingMessage('invite_open', chainId, unsigned), e.signing_message_hex);
  const params = signInviteOpen({ chainId, ticker: e.ticker, id: e.id_hex, expiry_s: BigInt(e.expiry_s), seed: fromHex(e.signer_seed_hex, 32) });
  assert.equal(params.signature, e.signature_hex);
  assert.equal(params.signer, e.signer);
  assert.equal(params.expiry_s, Number(e.expiry_s));
  const line = signAcceptance({ chainId, ticker: e.ticker, expiry_s: BigInt(e['acceptance.expiry_s']), seed: fromHex(e['acceptance.signer_seed_hex'], 32) });
  assert.equal(line, e.acceptance_base64url);
});
