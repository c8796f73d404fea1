// What the settings sign and send (app/owner/settings/chain.js), offline:
// each change is the transaction the CLI would build — decoded back from
// the very blob handed to tx.submit, signed by the owner for this chain,
// valid for owner_tx_life_s of the node's clock, sent with wait — and the
// logo upload refuses before sending what the node would refuse, reads the
// node's refusal codes, and takes no URL but a /media one from an answer.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addressFromKey } from '../../lib/address.js';
import { generateSeed, publicKeyOf } from '../../lib/keys.js';
import { readSignedTx, verifyTx } from '../../lib/transaction.js';
import {
  MediaError,
  fundStaff,
  media_upload_bytes_max,
  owner_tx_life_s,
  removeStaff,
  updateProfile,
  updateStaff,
  upsertProduct,
  uploadImage,
} from '../../app/owner/settings/chain.js';

const chainId = new Uint8Array(32).fill(7);
const now_s = 1_800_000_000n;
const owner = generateSeed();
const member = addressFromKey(publicKeyOf(generateSeed()));

/** A node that keeps what it was sent: `{ node, sent }`. */
function fakeNode() {
  const sent = [];
  const node = {
    chainId,
    nowS: () => now_s,
    client: {
      submitTx: async (blob, options) => {
        sent.push({ decoded: readSignedTx(blob), options });
        return { status: 'committed', height: 9 };
      },
    },
  };
  return { node, sent };
}

async function one(send) {
  const { node, sent } = fakeNode();
  await send(node);
  assert.equal(sent.length, 1);
  const [{ decoded, options }] = sent;
  assert.deepEqual(options, { wait: true }, 'sent with wait: "saved" means committed');
  assert.ok(verifyTx(decoded, chainId), "signed for this chain by the signer's key");
  assert.deepEqual(decoded.tx.signer, publicKeyOf(owner));
  assert.equal(decoded.tx.expiry_s, now_s + owner_tx_life_s);
  return decoded.tx;
}

test('a profile is a venue_update of the whole profile', async () => {
  const profile = { name: 'У Володи', logo_url: '', street_address: 'ул. Ленина, 2', geo: { lat_e7: 1, lon_e7: -1 }, phone: '', links: [], hours: '' };
  const tx = await one((node) => updateProfile(node, owner, 'VOLODYA', profile));
  assert.equal(tx.kind, 'venue_update');
  assert.deepEqual(tx.body, { ticker: 'VOLODYA', profile });
});

test('a reward is a product_upsert; retiring is active false', async () => {
  const product = { id: 2, name: 'donut', price: 200n, category: '', image_url: '', active: false };
  const tx = await one((node) => upsertProduct(node, owner, 'VOLODYA', product));
  assert.equal(tx.kind, 'product_upsert');
  assert.deepEqual(tx.body, { ticker: 'VOLODYA', product });
});

test("limits are a staff_update (kind 5) of the member's key; no limit is absent", async () => {
  const tx = await one((node) => updateStaff(node, owner, 'VOLODYA', member, 'manager', { per_tx: 5000n, per_day: null }));
  assert.equal(tx.kind, 'staff_update');
  assert.equal(addressFromKey(tx.body.staff), member);
  assert.equal(tx.body.role, 'manager');
  assert.deepEqual(tx.body.limits, { per_tx: 5000n, per_day: null });
});

test("a top-up is a transfer from the owner's key account to the member, as kopilka fund", async () => {
  const tx = await one((node) => fundStaff(node, owner, 'VOLODYA', member, 10_000n));
  assert.equal(tx.kind, 'transfer');
  assert.deepEqual(tx.body.from, { kind: 'key', bytes: publicKeyOf(owner) });
  assert.equal(addressFromKey(tx.body.to.bytes), member);
  assert.equal(tx.body.amount, 10_000n);
  assert.equal(tx.body.memo, '');
});

test('a removal is a staff_remove of the member', async () => {
  const tx = await one((node) => removeStaff(node, owner, 'VOLODYA', member));
  assert.equal(tx.kind, 'staff_remove');
  assert.equal(addressFromKey(tx.body.staff), member);
});

test('an upload the node would refuse is refused before sending; the node’s codes are read; only /media URLs are taken', async () => {
  const calls = [];
  const answering = (status, body) => async (url, init) => {
    calls.push({ url, init });
    return new Response(JSON.stringify(body), { status });
  };
  const png = (bytes) => new Blob([new Uint8Array(bytes)], { type: 'image/png' });
  const code = (p) => p.then(() => 'resolved', (e) => (e instanceof MediaError ? e.code : `not a MediaError: ${e}`));

  assert.equal(await code(uploadImage(new Blob(['GIF89a'], { type: 'image/gif' }), answering(201, {}))), 'wrong_type');
  assert.equal(await code(uploadImage(png(media_upload_bytes_max + 1), answering(201, {}))), 'too_large');
  assert.equal(calls.length, 0, 'nothing was sent');

  const url = `/media/${'ab'.repeat(32)}.png`;
  assert.equal(await uploadImage(png(8), answering(201, { url, bytes: 8, type: 'image/png', width: 1, height: 1 })), url);
  assert.equal(calls[0].url, '/media');
  assert.equal(calls[0].init.headers['Content-Type'], 'image/png');
  assert.equal(calls[0].init.credentials, 'omit');

  assert.equal(await code(uploadImage(png(8), answering(415, { error: { code: 'wrong_type', message: 'x' } }))), 'wrong_type');
  assert.equal(await code(uploadImage(png(8), answering(429, { error: { code: 'rate_limited', message: 'x' } }))), 'rate_limited');
  assert.equal(await code(uploadImage(png(8), answering(500, { error: { code: 'something_new' } }))), 'unavailable');
  assert.equal(await code(uploadImage(png(8), answering(201, { url: 'javascript:alert(1)' }))), 'unavailable');
  assert.equal(await code(uploadImage(png(8), async () => { throw new TypeError('offline'); })), 'unavailable');
});
