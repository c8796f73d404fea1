// The library against a real kopilkad (ctest sets KOPILKA_NODE_BIN): fetch
// the genesis and check the chain id, sign and submit a venue_create, check
// the producer's signature on the block holding it, read the owner's
// balance, and get the ledger's refusal and an unreachable node as the
// errors a page can explain.
import './webcrypto.js';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  RpcError,
  RpcUnavailable,
  addressFromKey,
  decodeSignedHeader,
  decodeVoucherQr,
  encodeVoucherQr,
  signVoucher,
  signedHeaderFromBlockGet,
  chainIdOf,
  decodeGenesis,
  equalBytes,
  fromBase64url,
  fromHex,
  generateSeed,
  keyFromAddress,
  publicKeyOf,
  randomNonce,
  rpcClient,
  signLookup,
  signStaffAcceptance,
  signTx,
  toHex,
  verifyHeader,
  verifyStaffAcceptance,
} from '../lib/index.js';
import { createKeystore } from '../lib/keystore.js';
import { initDataDir, runNode, skip_without_node } from './kopilkad.js';

const skip = skip_without_node;

let dir;
let node;
let client;
let nodeUrl;
let owner; // { seed, key } of the WEBLIB venue's owner, once created

before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'kopilka-web-rpc-'));
  initDataDir(join(dir, 'data'), 'kopilka-web-test');
  node = await runNode(join(dir, 'data'));
  nodeUrl = node.url;
  client = rpcClient(nodeUrl);
});

after(async () => {
  if (node) await node.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('the genesis hashes to the chain id node.info reports', { skip }, async () => {
  const info = await client.nodeInfo();
  const g = await client.chainGenesis();
  const genesisBytes = fromBase64url(g.genesis);
  assert.equal(toHex(chainIdOf(genesisBytes)), info.chain_id);
  assert.equal(g.chain_id, info.chain_id);
  const genesis = decodeGenesis(genesisBytes);
  assert.equal(genesis.chain_name, 'kopilka-web-test');
  assert.equal(addressFromKey(genesis.producer), info.producer);
});

test('a venue_create signed here is committed, in a block the producer signed', { skip }, async () => {
  const info = await client.nodeInfo();
  const chainId = fromHex(info.chain_id, 32);
  const seed = generateSeed();
  const ownerKey = publicKeyOf(seed);
  const venue = {
    kind: 'venue_create',
    signer: ownerKey,
    nonce: randomNonce(),
    expiry_s: BigInt(Math.floor(Date.now() / 1000) + 600),
    body: {
      ticker: 'WEBLIB',
      profile: { name: 'Кафе «Веб»', logo_url: '', street_address: '', geo: null, phone: '', links: [], hours: '' },
    },
  };
  const signed = signTx(venue, seed, chainId);
  const result = await client.submitTx(signed.blob, { wait: true });
  assert.equal(result.status, 'committed');
  assert.equal(result.id, toHex(signed.id));

  const b = await client.blockGet(result.height);
  assert.ok(b.tx_ids.includes(toHex(signed.id)));
  const tip = signedHeaderFromBlockGet(b);
  assert.equal(tip.bytes.length, 213);
  assert.equal(toHex(tip.hash), b.hash, 'the rebuilt header hashes to the block hash');
  assert.equal(verifyHeader(tip.header, tip.signature, chainId), true);
  assert.ok(equalBytes(tip.header.producer, keyFromAddress(info.producer)));
  assert.deepEqual(decodeSignedHeader(tip.bytes).header, tip.header);
  assert.throws(() => signedHeaderFromBlockGet({ ...b, time_ms: b.time_ms + 1 }), /do not hash to/);

  owner = { seed, key: ownerKey };
  const balances = await client.accountBalances(addressFromKey(ownerKey));
  assert.deepEqual(
    balances.balances.filter((x) => x.ticker === 'WEBLIB').map((x) => x.balance),
    ['1000000.00'],
  );

  // The same ticker again: the ledger's refusal, with its reason.
  const again = signTx({ ...venue, nonce: randomNonce() }, seed, chainId);
  await assert.rejects(client.submitTx(again.blob, { wait: true }), (e) => {
    assert.ok(e instanceof RpcError, `${e}`);
    assert.equal(e.reason, 'ticker_taken');
    assert.equal(e.code, 1007);
    return true;
  });
  await assert.rejects(client.call('no.such.method'), (e) => e instanceof RpcError && e.code === -32601 && e.reason === null);
});

test("web/README.md's till example signs a transfer to a phone and the node commits it", { skip }, async () => {
  assert.ok(owner, 'the venue test ran first');
  const keystore = join(dir, 'owner.key');
  writeFileSync(keystore, await createKeystore(owner.seed, 'owner', 'till pass', { ops_limit: 1, mem_limit_bytes: 8192 }));
  const phone = `phone:${'ab'.repeat(32)}`;
  const example = new URL('../examples/till-send.mjs', import.meta.url).pathname;
  const run = (...args) =>
    promisify(execFile)(process.execPath, [example, keystore, nodeUrl, ...args], {
      env: { ...process.env, KOPILKA_PASSPHRASE: 'till pass' },
    });
  const { stdout } = await run('WEBLIB', phone, '12.50', 'Спасибо!');
  assert.match(stdout, /^sent 12\.50 WEBLIB: transaction [0-9a-f]{64}, block \d+$/m);
  const balances = await client.accountBalances(phone);
  assert.deepEqual(balances.balances.map((x) => [x.ticker, x.balance]), [['WEBLIB', '12.50']]);
  // A refusal is one line a person can act on, with the ledger's reason.
  await assert.rejects(run('WEBLIB', phone, '2000000.00'), (e) => {
    assert.equal(e.code, 1);
    assert.match(e.stderr, /^not sent: tx.submit: .*insufficient/m);
    return true;
  });
  await assert.rejects(run('WEBLIB', phone, '1.005'), (e) => e.code === 2 && /not an amount/.test(e.stderr));
});

test('a voucher signed here, through its QR text, checks and redeems at the node', { skip }, async () => {
  assert.ok(owner, 'the venue test ran first');
  const { chain_id } = await client.nodeInfo();
  const chainId = fromHex(chain_id, 32);
  const now = BigInt(Math.floor(Date.now() / 1000));
  const submit = async (kind, body, seed = owner.seed, signer = owner.key) =>
    client.submitTx(signTx({ kind, signer, nonce: randomNonce(), expiry_s: now + 600n, body }, seed, chainId).blob, { wait: true });
  await submit('product_upsert', {
    ticker: 'WEBLIB',
    product: { id: 1, name: 'Кофе', price: 150n, category: '', image_url: '', active: true },
  });
  const clientSeed = generateSeed();
  const clientAccount = { kind: 'key', bytes: publicKeyOf(clientSeed) };
  await submit('transfer', { ticker: 'WEBLIB', from: { kind: 'key', bytes: owner.key }, to: clientAccount, amount: 500n, memo: '' });

  const voucher = signVoucher(
    { ticker: 'WEBLIB', product_id: 1, price: 150n, client: clientAccount, nonce: randomNonce(), expiry_s: now + 300n },
    clientSeed,
    chainId,
  );
  const { voucher: scanned } = decodeVoucherQr(encodeVoucherQr(voucher));
  const check = await client.voucherCheck(scanned);
  assert.equal(check.ok, true, JSON.stringify(check));
  assert.equal(check.price, '1.50');
  assert.equal(check.client_balance, '5.00');

  const redeemed = await submit('redeem', { ticker: 'WEBLIB', voucher: scanned });
  assert.equal(redeemed.status, 'committed');
  const after = await client.accountBalances(addressFromKey(clientAccount.bytes));
  assert.deepEqual(after.balances.map((x) => x.balance), ['3.50']);
  const again = await client.voucherCheck(scanned);
  assert.equal(again.ok, false);
  assert.equal(again.reason, 'voucher_used');
});

test('a staff key hired with its signed acceptance looks up a phone with signLookup', { skip }, async () => {
  assert.ok(owner, 'the venue test ran first');
  const { chain_id } = await client.nodeInfo();
  const chainId = fromHex(chain_id, 32);
  const now = BigInt(Math.floor(Date.now() / 1000));
  const staffSeed = generateSeed();
  const nodeMs = async () => (await client.nodeInfo()).time_ms;
  const unauthorized = (pattern) => (e) => {
    assert.ok(e instanceof RpcError, `${e}`);
    assert.equal(e.code, 2002);
    if (pattern) assert.match(e.message, pattern);
    return true;
  };

  // Not yet staff: a valid signature by an unknown key is not enough.
  await assert.rejects(
    client.phoneLookup(signLookup({ phone: '+7 900 000-00-02', time_ms: await nodeMs() }, staffSeed, chainId)),
    unauthorized(),
  );

  // The staff member signs the acceptance; the owner hires with it.
  const acceptance = signStaffAcceptance({ ticker: 'WEBLIB', expiry_s: now + 600n }, staffSeed, chainId);
  assert.equal(verifyStaffAcceptance(acceptance, chainId), true);
  const hired = await client.submitTx(
    signTx(
      {
        kind: 'staff_add',
        signer: owner.key,
        nonce: randomNonce(),
        expiry_s: now + 600n,
        body: { ticker: 'WEBLIB', role: 'cashier', limits: { per_tx: 500n, per_day: null }, acceptance },
      },
      owner.seed,
      chainId,
    ).blob,
    { wait: true },
  );
  assert.equal(hired.status, 'committed');

  const typed = '+7 900 000-00-01';
  const params = signLookup({ phone: typed, time_ms: await nodeMs() }, staffSeed, chainId);
  assert.deepEqual(Object.keys(params).sort(), ['key', 'phone', 'signature', 'time_ms']);
  assert.equal(params.key, addressFromKey(publicKeyOf(staffSeed)));
  assert.equal(typeof params.time_ms, 'number');
  const found = await client.phoneLookup(params);
  assert.equal(found.e164, '+79000000001');
  assert.match(found.account, /^phone:[0-9a-f]{64}$/);
  assert.equal(found.claimed, false);
  assert.equal(found.key, null);
  assert.equal(found.rebind, null);

  // Each signed request works once, and the signature covers the phone text.
  await assert.rejects(client.phoneLookup(params), unauthorized(/used already/));
  const fresh = signLookup({ phone: typed, time_ms: (await nodeMs()) + 1 }, staffSeed, chainId);
  await assert.rejects(client.phoneLookup({ ...fresh, phone: '+7 900 000-00-03' }), unauthorized());
});

test('an unreachable node is RpcUnavailable, not a ledger error', async () => {
  // A port that was free a moment ago and has no listener now.
  const port = await new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
  await assert.rejects(rpcClient(`http://127.0.0.1:${port}`).nodeInfo(), (e) => {
    assert.ok(e instanceof RpcUnavailable, `${e}`);
    assert.match(e.message, /node\.info: the node cannot be reached/);
    return true;
  });
});
