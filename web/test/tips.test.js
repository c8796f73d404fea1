// The known-tip check (lib/tips.js, docs/formats.md "Known tips") against
// real nodes: two kopilkad started from copies of one data dir share the
// genesis and the producer key, then sign different blocks, so the second is
// to a wallet that saw the first exactly a node that rolled back or rewrote
// its chain. A lying fetch in front of the real node (like the C++ tests'
// LyingNode) edits a header to show a forgery.
import './webcrypto.js';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  DecodeError,
  HistoryRefused,
  checkNodeHistory,
  fromHex,
  generateSeed,
  publicKeyOf,
  randomNonce,
  readKnownTip,
  rpcClient,
  signTx,
  signedHeaderFromBlockGet,
  toHex,
} from '../lib/index.js';
import { initDataDir, runNode, skip_without_node } from './kopilkad.js';

const skip = skip_without_node;
let dir;
let a; // the node whose chain the wallet saw: 2 blocks
let b; // the same genesis, 1 other block
let urlA;
const stops = [];

async function venue(client, ticker) {
  const { chain_id } = await client.nodeInfo();
  const seed = generateSeed();
  const tx = {
    kind: 'venue_create',
    signer: publicKeyOf(seed),
    nonce: randomNonce(),
    expiry_s: BigInt(Math.floor(Date.now() / 1000) + 600),
    body: { ticker, profile: { name: ticker, logo_url: '', street_address: '', geo: null, phone: '', links: [], hours: '' } },
  };
  return client.submitTx(signTx(tx, seed, fromHex(chain_id, 32)).blob, { wait: true });
}

before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'kopilka-web-tips-'));
  initDataDir(join(dir, 'a'), 'kopilka-web-tips');
  cpSync(join(dir, 'a'), join(dir, 'b'), { recursive: true });
  const nodeA = await runNode(join(dir, 'a'));
  stops.push(nodeA.stop);
  const nodeB = await runNode(join(dir, 'b'));
  stops.push(nodeB.stop);
  urlA = nodeA.url;
  a = rpcClient(urlA);
  b = rpcClient(nodeB.url);
  assert.equal((await a.nodeInfo()).chain_id, (await b.nodeInfo()).chain_id, 'one chain, two histories');
});

after(async () => {
  for (const stop of stops) await stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const noTip = async () => null;

test('first use: a node at height 0 has nothing to remember; then its tip is remembered, and kept', { skip }, async () => {
  const first = await checkNodeHistory(a, noTip);
  assert.equal(first.height, 0n);
  assert.equal(first.remember, null);

  const one = await venue(a, 'TIPSA');
  const two = await venue(a, 'TIPSB');
  assert.ok(two.height > one.height);
  const seen = await checkNodeHistory(a, noTip);
  assert.equal(seen.height, BigInt(two.height));
  assert.equal(seen.remember.length, 213);
  assert.equal(toHex(seen.tip.hash), (await a.blockGet(two.height)).hash);

  const again = await checkNodeHistory(a, async (chain) => (chain === toHex(seen.chainId) ? seen.remember : null));
  assert.equal(again.remember, null, 'the same tip is not stored again');
  assert.equal(readKnownTip(seen.remember, seen.chainId).header.height, BigInt(two.height));
  assert.throws(() => readKnownTip(seen.remember, new Uint8Array(32)), DecodeError, 'a known tip of another chain');
});

test('a node below the known tip is refused as a rollback, with both headers', { skip }, async () => {
  await venue(b, 'TIPSC');
  const info = await a.nodeInfo();
  const known = signedHeaderFromBlockGet(await a.blockGet(info.height)).bytes;
  assert.ok((await b.nodeInfo()).height < info.height);
  await assert.rejects(checkNodeHistory(b, async () => known), (e) => {
    assert.ok(e instanceof HistoryRefused, `${e}`);
    assert.equal(e.kind, 'rollback');
    assert.match(e.message, /^rollback: the node is at height 1, below the block 2/);
    assert.equal(toHex(e.known.bytes), toHex(known));
    assert.equal(e.shown.header.height, 1n);
    return true;
  });
});

test('another block at the known height is refused as rewritten history: a proof of equivocation', { skip }, async () => {
  const known = signedHeaderFromBlockGet(await a.blockGet(1)).bytes;
  await assert.rejects(checkNodeHistory(b, async () => known), (e) => {
    assert.ok(e instanceof HistoryRefused, `${e}`);
    assert.equal(e.kind, 'rewritten');
    // Both signed by the same producer at height 1, with different hashes.
    assert.equal(e.known.header.height, e.shown.header.height);
    assert.deepEqual(e.known.header.producer, e.shown.header.producer);
    assert.notEqual(toHex(e.known.hash), toHex(e.shown.hash));
    return true;
  });
  // The wallet that saw only b's block 1 accepts b.
  const bTip = signedHeaderFromBlockGet(await b.blockGet(1)).bytes;
  assert.equal((await checkNodeHistory(b, async () => bTip)).remember, null);
});

test('a header the producer did not sign is refused as forged', { skip }, async () => {
  const info = await a.nodeInfo();
  // A lying node: the real answers, with the tip's signature edited.
  // node.info's tip_header: its first signature byte is at offset 149, base64url char 199 onwards.
  const flipSignature = (b64) => b64.slice(0, 200) + (b64[200] === 'A' ? 'B' : 'A') + b64.slice(201);
  const lyingNode = (edit) =>
    rpcClient(urlA, {
      fetch: async (endpoint, init) => {
        const response = await fetch(endpoint, init);
        const answer = await response.json();
        if (answer.result) edit(JSON.parse(init.body).method, answer.result);
        return new Response(JSON.stringify(answer), { status: response.status });
      },
    });
  assert.ok(info.height >= 1);
  const lying = lyingNode((method, r) => {
    if (method === 'node.info') r.tip_header = flipSignature(r.tip_header);
  });
  await assert.rejects(checkNodeHistory(lying, noTip), (e) => e instanceof HistoryRefused && e.kind === 'forged' && /not signed by the chain's producer/.test(e.message));
  // A node without node.info's tip_header (an older one): the tip comes from block.get, checked the same way.
  const olderLying = lyingNode((method, r) => {
    if (method === 'node.info') delete r.tip_header;
    if (method === 'block.get') r.signature = r.signature.replace(/^./, (c) => (c === '0' ? '1' : '0'));
  });
  await assert.rejects(checkNodeHistory(olderLying, noTip), (e) => e instanceof HistoryRefused && e.kind === 'forged' && /not signed by the chain's producer/.test(e.message));
  const older = lyingNode((method, r) => {
    if (method === 'node.info') delete r.tip_header;
  });
  assert.equal((await checkNodeHistory(older, noTip)).remember.length, 213);
  // A tip_header that is not the tip node.info names.
  const mismatched = lyingNode((method, r) => {
    if (method === 'node.info') r.tip_hash = '00'.repeat(32);
  });
  await assert.rejects(checkNodeHistory(mismatched, noTip), (e) => e instanceof HistoryRefused && e.kind === 'forged' && /does not hash to its tip_hash/.test(e.message));

  // On first use the producer comes from the genesis, which must hash to the chain id.
  const otherGenesis = rpcClient(urlA, {
    fetch: async (endpoint, init) => {
      const response = await fetch(endpoint, init);
      const answer = await response.json();
      if (JSON.parse(init.body).method === 'chain.genesis') answer.result.genesis = answer.result.genesis.replace(/.$/, (c) => (c === 'A' ? 'Q' : 'A'));
      return new Response(JSON.stringify(answer), { status: response.status });
    },
  });
  await assert.rejects(checkNodeHistory(otherGenesis, noTip), (e) => e instanceof HistoryRefused && e.kind === 'forged' && /does not hash to its chain id/.test(e.message));
});
