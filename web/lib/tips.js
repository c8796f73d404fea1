// The known-tip check (docs/formats.md "Known tips"; wallet-cli/session.cpp
// Session::check_history): before trusting a node's answers, a wallet checks
// the node's signed tip against the highest producer-signed header it has
// verified for that chain, and refuses a node that rolled the chain back or
// rewrote it. The page keeps the record (chain id → signed header) in
// IndexedDB; this module only decides.
import { equalBytes, fromBase64url, fromHex, toHex } from './bytes.js';
import { DecodeError } from './codec.js';
import { chainIdOf } from './hash.js';
import { decodeGenesis, decodeSignedHeader, signedHeaderFromBlockGet, verifyHeader } from './chain.js';
import { addressFromKey } from './address.js';

/** The node's history is not the one this wallet verified; `known` and `shown` are the signed headers. */
export class HistoryRefused extends Error {
  /** `kind`: 'rollback', 'rewritten' (both with `known` and `shown`), or 'forged' (a header not signed by the producer). */
  constructor(kind, message, known = null, shown = null) {
    super(message);
    this.name = 'HistoryRefused';
    this.kind = kind;
    this.known = known;
    this.shown = shown;
  }
}

/**
 * Decodes a remembered signed header for `chainId` and checks it as a known
 * tip is checked where it is read: 213 bytes, version 1, height ≥ 1, signed
 * by the producer key it names for this chain. Throws DecodeError otherwise.
 */
export function readKnownTip(bytes, chainId) {
  const t = decodeSignedHeader(bytes);
  if (t.header.height < 1n) throw new DecodeError('a known tip has height 0');
  if (!verifyHeader(t.header, t.signature, chainId))
    throw new DecodeError('the known tip is not signed by its producer for this chain');
  return { ...t, bytes };
}

function checkShown(t, height, producer, chainId) {
  if (t.header.height !== height)
    throw new HistoryRefused('forged', `the node answered block ${t.header.height} for height ${height}`);
  if (!equalBytes(t.header.producer, producer))
    throw new HistoryRefused('forged', `block ${height} names producer ${addressFromKey(t.header.producer)}, not the chain's`);
  if (!verifyHeader(t.header, t.signature, chainId))
    throw new HistoryRefused('forged', `block ${height} is not signed by the chain's producer`);
  return t;
}

/**
 * Steps 1-6 of the check against the node behind `client` (rpc.js).
 * `knownTipOf(chainIdHex)` returns the remembered signed header (213 bytes)
 * for that chain or null. Resolves to `{ chainId, height, producer, tip,
 * remember }`, where `remember` is the signed header to store for the chain
 * (null when the known tip stays); rejects with HistoryRefused for a
 * rollback, a rewritten history or a header the producer did not sign. A
 * refusal leaves the known tip as it was.
 */
export async function checkNodeHistory(client, knownTipOf) {
  // The genesis is asked for alongside node.info (one round trip, not two, on
  // a slow phone network); it is used only on first use of the chain.
  const genesisAnswer = client.chainGenesis().then(
    (g) => ({ g }),
    (error) => ({ error }),
  );
  const info = await client.nodeInfo();
  const chainId = fromHex(info.chain_id, 32, 'chain_id');
  if (!Number.isSafeInteger(info.height) || info.height < 0) throw new RangeError('node.info: height is not a count');
  const height = BigInt(info.height);

  const knownBytes = await knownTipOf(info.chain_id);
  const known = knownBytes ? readKnownTip(knownBytes, chainId) : null;

  let producer;
  if (known) {
    producer = known.header.producer;
  } else {
    // First use of this chain: trust on first use, as ssh does.
    const { g, error } = await genesisAnswer;
    if (error) throw error;
    const genesisBytes = fromBase64url(g.genesis, 'genesis');
    if (!equalBytes(chainIdOf(genesisBytes), chainId))
      throw new HistoryRefused('forged', 'the genesis the node sent does not hash to its chain id');
    producer = decodeGenesis(genesisBytes).producer;
  }

  const headerAt = async (h) => {
    let t;
    try {
      t = signedHeaderFromBlockGet(await client.blockGet(Number(h)));
    } catch (e) {
      if (e instanceof RangeError || e instanceof TypeError) throw new HistoryRefused('forged', `block ${h}: ${e.message}`);
      throw e;
    }
    return checkShown(t, h, producer, chainId);
  };
  // node.info carries the tip's signed header; block.get (which lists every
  // transaction id of the block) is only the way for a node that does not.
  const tipFromInfo = () => {
    let t;
    try {
      const bytes = fromBase64url(info.tip_header, 'tip_header');
      t = { ...decodeSignedHeader(bytes), bytes };
    } catch (e) {
      throw new HistoryRefused('forged', `node.info's tip_header: ${e.message}`);
    }
    if (info.tip_hash !== undefined && toHex(t.hash) !== info.tip_hash)
      throw new HistoryRefused('forged', `node.info's tip_header does not hash to its tip_hash ${info.tip_hash}`);
    return checkShown(t, height, producer, chainId);
  };
  const tip = height < 1n ? null : typeof info.tip_header === 'string' ? tipFromInfo() : await headerAt(height);

  if (known) {
    const k = known.header.height;
    if (height < k)
      throw new HistoryRefused('rollback', `rollback: the node is at height ${height}, below the block ${k} this wallet verified`, known, tip);
    const atK = height === k ? tip : await headerAt(k);
    if (!equalBytes(atK.hash, known.hash))
      throw new HistoryRefused('rewritten', `rewritten history: block ${k} is ${toHex(atK.hash)}, not the ${toHex(known.hash)} this wallet verified`, known, atK);
  }
  const remember = tip && (!known || height > known.header.height) ? tip.bytes : null;
  return { chainId, height, producer, tip, remember };
}
