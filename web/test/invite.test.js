// Staff invites (web/lib/invite.js): the id, the link and its fragment, the
// owner's signed invite.open and the staff member's acceptance line, pure;
// then the whole journey against a real kopilkad (ctest sets
// KOPILKA_NODE_BIN): the owner opens, the staff member accepts with the
// secret from the link, the owner reads the acceptance and hires with it.
import './webcrypto.js';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  RpcError,
  acceptanceText,
  addressFromKey,
  blake2b256,
  fromBase64url,
  fromHex,
  generateSeed,
  inviteId,
  inviteLink,
  inviteOpenBytes,
  newInvite,
  parseInviteFragment,
  publicKeyOf,
  randomNonce,
  readAcceptance,
  rpcClient,
  signAcceptance,
  signInviteOpen,
  signStaffAcceptance,
  signTx,
  toBase64url,
  toHex,
  verify,
  verifyStaffAcceptance,
} from '../lib/index.js';
import { initDataDir, runNode, skip_without_node } from './kopilkad.js';

const chainId = new Uint8Array(32).fill(7);

test("an invite's id is the first 16 bytes of BLAKE2b-256 of its 16-byte secret", () => {
  const secret = Uint8Array.from({ length: 16 }, (_, i) => i);
  assert.equal(inviteId(secret), toHex(blake2b256(secret).subarray(0, 16)));
  const a = newInvite();
  const b = newInvite();
  assert.equal(a.secret.length, 16);
  assert.match(a.id, /^[0-9a-f]{32}$/);
  assert.equal(a.id, inviteId(a.secret));
  assert.notEqual(a.id, b.id);
  assert.throws(() => inviteId(new Uint8Array(15)), /16/);
});

test('the link carries the secret in its fragment only, and reads back', () => {
  const { secret } = newInvite();
  const link = inviteLink('https://cafe.example:8645', secret, 'VOLODYA');
  const url = new URL(link);
  assert.equal(url.origin + url.pathname, 'https://cafe.example:8645/s');
  assert.equal(url.search, '');
  assert.equal(url.hash, `#join=${toBase64url(secret)}.VOLODYA`);
  const back = parseInviteFragment(url.hash);
  assert.deepEqual(back, { secret, ticker: 'VOLODYA' });
  assert.deepEqual(parseInviteFragment(url.hash.slice(1)), back);
  assert.throws(() => inviteLink('https://cafe.example/s', secret, 'VOLODYA'), RangeError);
  assert.throws(() => inviteLink('https://cafe.example', secret, 'volodya'), RangeError);
});

test('a damaged invite fragment is a RangeError saying what is wrong', () => {
  const good = toBase64url(newInvite().secret);
  for (const [hash, why] of [
    ['', /not an invite link/],
    ['#view=VOLODYA', /not an invite link/],
    [`#join=${good}`, /TICKER/],
    [`#join=${good}.volodya`, /TICKER/],
    [`#join=${good}.VOLODYA.X`, /TICKER/],
    [`#join=${good.slice(0, 12)}.VOLODYA`, /cut short/],
    [`#join=${good.slice(0, 21)}+.VOLODYA`, /base64url/],
  ])
    assert.throws(() => parseInviteFragment(hash), (e) => e instanceof RangeError && why.test(e.message), hash);
});

test("invite.open's signed bytes are version, ticker, id and expiry, signed by the owner", () => {
  const { id } = newInvite();
  const bytes = inviteOpenBytes('VOLODYA', id, 0x0102030405060708n);
  assert.equal(bytes.length, 1 + 8 + 16 + 8);
  assert.equal(toHex(bytes), `01${'07'}${toHex(new TextEncoder().encode('VOLODYA'))}${id}0102030405060708`);
  const seed = generateSeed();
  const params = signInviteOpen({ chainId, ticker: 'VOLODYA', id, expiry_s: 1_796_169_357, seed });
  assert.deepEqual(Object.keys(params).sort(), ['expiry_s', 'id', 'signature', 'signer', 'ticker']);
  assert.equal(params.signer, addressFromKey(publicKeyOf(seed)));
  assert.equal(params.expiry_s, 1_796_169_357);
  const signature = fromHex(params.signature, 64);
  const message = inviteOpenBytes('VOLODYA', id, 1_796_169_357);
  assert.equal(verify('invite_open', chainId, message, signature, publicKeyOf(seed)), true);
  // Another domain, or another expiry, does not verify.
  assert.equal(verify('lookup', chainId, message, signature, publicKeyOf(seed)), false);
  assert.equal(verify('invite_open', chainId, inviteOpenBytes('VOLODYA', id, 1_796_169_358), signature, publicKeyOf(seed)), false);
  assert.throws(() => inviteOpenBytes('VOLODYA', id.toUpperCase(), 1), RangeError);
  // The JSON param is a Number: beyond 2^53 - 1 it could not be sent exactly.
  assert.throws(() => signInviteOpen({ chainId, ticker: 'VOLODYA', id, expiry_s: 2n ** 53n, seed }), RangeError);
});

test('the acceptance line is the staff acceptance in base64url, and reads back', () => {
  const seed = generateSeed();
  const line = signAcceptance({ chainId, ticker: 'VOLODYA', expiry_s: 1_796_169_357, seed });
  const a = readAcceptance(line);
  assert.equal(a.ticker, 'VOLODYA');
  assert.equal(a.expiry_s, 1_796_169_357n);
  assert.deepEqual(a.staff, publicKeyOf(seed));
  assert.equal(verifyStaffAcceptance(a, chainId), true);
  assert.equal(fromBase64url(line).length, 106 + 7);
  assert.equal(acceptanceText(signStaffAcceptance({ ticker: 'VOLODYA', expiry_s: 1_796_169_357n }, seed, chainId)), line);
  assert.throws(() => readAcceptance(`${line}AA`));
});

// ---- against a real node --------------------------------------------------

const skip = skip_without_node;
let dir;
let node;
let client;

before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'kopilka-web-invite-'));
  initDataDir(join(dir, 'data'), 'kopilka-web-invite');
  node = await runNode(join(dir, 'data'));
  client = rpcClient(node.url);
});

after(async () => {
  if (node) await node.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const code = (c, reason) => (e) => {
  assert.ok(e instanceof RpcError, `${e}`);
  assert.equal(e.code, c, e.message);
  if (reason !== undefined) assert.equal(e.reason, reason);
  return true;
};

test('the owner opens, the staff member accepts from the link, the owner hires with the acceptance', { skip }, async () => {
  const info = await client.nodeInfo();
  const chain = fromHex(info.chain_id, 32);
  const now = BigInt(Math.floor(info.time_ms / 1000));
  const ownerSeed = generateSeed();
  const owner = publicKeyOf(ownerSeed);
  const tx = (kind, body) => signTx({ kind, signer: owner, nonce: randomNonce(), expiry_s: now + 600n, body }, ownerSeed, chain).blob;
  const created = await client.submitTx(
    tx('venue_create', {
      ticker: 'INVITE',
      profile: { name: 'Кафе «Приглашение»', logo_url: '', street_address: '', geo: null, phone: '', links: [], hours: '' },
    }),
    { wait: true },
  );
  assert.equal(created.status, 'committed');

  // The owner's page.
  const invite = newInvite();
  const link = inviteLink(node.url, invite.secret, 'INVITE');
  const opened = await client.inviteOpen(signInviteOpen({ chainId: chain, ticker: 'INVITE', id: invite.id, expiry_s: now + 900n, seed: ownerSeed }));
  assert.deepEqual(opened, { id: invite.id, ticker: 'INVITE', expiry_s: Number(now + 900n) });
  assert.equal((await client.inviteGet(invite.id)).state, 'open');
  // Someone else's key cannot open invites of this venue.
  const stranger = generateSeed();
  await assert.rejects(
    client.inviteOpen(signInviteOpen({ chainId: chain, ticker: 'INVITE', id: newInvite().id, expiry_s: now + 900n, seed: stranger })),
    code(2002),
  );

  // The staff member's page, from the link's fragment only.
  const { secret, ticker } = parseInviteFragment(new URL(link).hash);
  const staffSeed = generateSeed();
  const line = signAcceptance({ chainId: chain, ticker, expiry_s: now + 3600n, seed: staffSeed });
  const accepted = await client.inviteAccept(secret, line);
  assert.deepEqual(accepted, { ticker: 'INVITE', staff: addressFromKey(publicKeyOf(staffSeed)) });
  // A second key is refused; an acceptance for another venue never got in.
  await assert.rejects(
    client.inviteAccept(secret, signAcceptance({ chainId: chain, ticker, expiry_s: now + 3600n, seed: generateSeed() })),
    code(2008),
  );
  await assert.rejects(client.inviteAccept(newInvite().secret, line), code(2007));

  // The owner's page reads it back, byte for byte what the staff page signed
  // (the node re-encodes it with the C++ encoder), and hires with it.
  const got = await client.inviteGet(invite.id);
  assert.equal(got.state, 'accepted');
  assert.equal(got.acceptance, line);
  assert.equal(got.staff, accepted.staff);
  const hired = await client.submitTx(
    tx('staff_add', { ticker: 'INVITE', role: 'barista', limits: { per_tx: null, per_day: 100_00n }, acceptance: readAcceptance(got.acceptance) }),
    { wait: true },
  );
  assert.equal(hired.status, 'committed');
  assert.equal((await client.inviteGet(invite.id)).state, 'added');
  const venue = await client.call('venue.get', { ticker: 'INVITE' });
  assert.deepEqual(venue.staff.map((m) => m.address), [accepted.staff]);

  // Already staff now: a new invite refuses the same key with the ledger's reason.
  const next = newInvite();
  await client.inviteOpen(signInviteOpen({ chainId: chain, ticker: 'INVITE', id: next.id, expiry_s: now + 900n, seed: ownerSeed }));
  await assert.rejects(
    client.inviteAccept(next.secret, signAcceptance({ chainId: chain, ticker, expiry_s: now + 3000n, seed: staffSeed })),
    code(1039, 'already_staff'),
  );
  await assert.rejects(client.inviteGet('0'.repeat(32)), code(2001));
});
