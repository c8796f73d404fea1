// The genesis record and block headers (docs/formats.md "Genesis and the
// chain id", "Blocks", "Known tips"), as ledger/types.cpp and
// ledger/block.cpp: what a page needs to check the node's signed tip.
import { checkBytes, concatBytes, fromHex, toHex } from './bytes.js';
import { keyFromAddress } from './address.js';
import { DecodeError, Writer, decodeAll } from './codec.js';
import {
  chain_name_bytes_max,
  genesis_attestors_max,
  genesis_version,
  genesis_version_with_delay,
  rebind_delay_s_default,
  rebind_delay_s_max,
} from './encoding.js';
import { blake2b256 } from './hash.js';
import { verify } from './keys.js';

export const block_version = 1;
export const block_header_bytes = 149;
export const signed_header_bytes = block_header_bytes + 64;
export const block_txs_max = 10_000;

/**
 * Genesis bytes of `{ chain_name, time_ms, producer, attestors,
 * rebind_delay_s }` (rebind_delay_s, a BigInt of seconds, may be left out for
 * the default 259200). The default delay is written as version 1 (no delay
 * field), any other as version 2 with the delay at the end, as
 * ledger/types.cpp encode_genesis: each genesis has one encoding.
 */
export function encodeGenesis(g) {
  if (g.chain_name === '') throw new RangeError('chain name is empty');
  if (!Array.isArray(g.attestors) || g.attestors.length > genesis_attestors_max)
    throw new RangeError(`a genesis has at most ${genesis_attestors_max} attestors`);
  const delay = g.rebind_delay_s ?? rebind_delay_s_default;
  if (typeof delay !== 'bigint') throw new TypeError('rebind_delay_s must be a BigInt');
  if (delay < 0n || delay > rebind_delay_s_max) throw new RangeError('genesis: rebind delay over 30 days');
  const defaultDelay = delay === rebind_delay_s_default;
  const w = new Writer();
  w.u8(defaultDelay ? genesis_version : genesis_version_with_delay)
    .text(g.chain_name, chain_name_bytes_max, 'chain name')
    .u64(g.time_ms, 'time_ms')
    .key(g.producer, 'producer');
  w.u8(g.attestors.length);
  for (const a of g.attestors) w.key(a, 'attestor');
  if (!defaultDelay) w.u64(delay, 'rebind_delay_s');
  return w.bytes();
}

/**
 * Strict decoder of genesis bytes (chain.genesis): version 1 gives the
 * default rebind_delay_s; a version 2 holding the default is refused.
 */
export function decodeGenesis(bytes) {
  return decodeAll(bytes, 'genesis', (r) => {
    const v = r.u8();
    if (v !== genesis_version && v !== genesis_version_with_delay) throw new DecodeError(`unknown genesis version ${v}`);
    const chain_name = r.text(chain_name_bytes_max, 'chain name');
    if (chain_name === '') throw new DecodeError('chain name is empty');
    const time_ms = r.u64();
    const producer = r.key();
    const n = r.u8();
    if (n > genesis_attestors_max) throw new DecodeError(`too many attestors: ${n}`);
    const attestors = [];
    for (let i = 0; i < n; i++) attestors.push(r.key());
    let rebind_delay_s = rebind_delay_s_default;
    if (v === genesis_version_with_delay) {
      rebind_delay_s = r.u64();
      if (rebind_delay_s === rebind_delay_s_default)
        throw new DecodeError('a version 2 genesis may not hold the default rebind delay (write version 1)');
      if (rebind_delay_s > rebind_delay_s_max) throw new DecodeError(`rebind delay ${rebind_delay_s} s is over 30 days`);
    }
    return { chain_name, time_ms, producer, attestors, rebind_delay_s };
  });
}

function writeHeader(w, h) {
  if (!Number.isInteger(h.tx_count) || h.tx_count < 0 || h.tx_count > block_txs_max)
    throw new RangeError(`tx_count must be from 0 to ${block_txs_max}`);
  w.u8(block_version)
    .u64(h.height, 'height')
    .hash(h.prev, 'prev')
    .u64(h.time_ms, 'time_ms')
    .hash(h.tx_root, 'tx_root')
    .hash(h.state_digest, 'state_digest')
    .u32(h.tx_count, 'tx_count')
    .key(h.producer, 'producer');
}

function readHeader(r) {
  const v = r.u8();
  if (v !== block_version) throw new DecodeError(`unknown block version ${v}`);
  const h = {
    height: r.u64(),
    prev: r.hash(),
    time_ms: r.u64(),
    tx_root: r.hash(),
    state_digest: r.hash(),
    tx_count: r.u32(),
    producer: r.key(),
  };
  if (h.tx_count > block_txs_max)
    throw new DecodeError(`block claims ${h.tx_count} transactions; at most ${block_txs_max} allowed`);
  return h;
}

/** The 149 header bytes: what the block hash hashes and the producer signs (domain kopilka/block/v1). */
export function encodeHeader(h) {
  const w = new Writer();
  writeHeader(w, h);
  return w.bytes();
}

/** The block hash of a header object. */
export function blockHash(h) {
  return blake2b256(encodeHeader(h));
}

/** Strict decoder of a 213-byte signed header: `{ header, signature, hash }`. */
export function decodeSignedHeader(bytes) {
  checkBytes(bytes, undefined, 'signed header');
  return decodeAll(bytes, 'signed header', (r) => {
    const header = readHeader(r);
    const signature = r.sig();
    return { header, signature, hash: blake2b256(bytes.subarray(0, block_header_bytes)) };
  });
}

/** Strict decoder of a stored block (block.raw): header, signature and exactly tx_count ids. */
export function decodeBlock(bytes) {
  return decodeAll(bytes, 'block', (r) => {
    const header = readHeader(r);
    const signature = r.sig();
    if (r.remaining !== header.tx_count * 32)
      throw new DecodeError(`block lists ${Math.floor(r.remaining / 32)} transaction ids, header says ${header.tx_count}`);
    const tx_ids = [];
    for (let i = 0; i < header.tx_count; i++) tx_ids.push(r.hash());
    return { header, signature, tx_ids };
  });
}

/** True when `signature` is the header's producer's, for the chain `chainId`. */
export function verifyHeader(header, signature, chainId) {
  return verify('block', chainId, encodeHeader(header), signature, header.producer);
}


/**
 * The 213-byte signed header of a block.get answer, rebuilt from its fields
 * (docs/formats.md "Known tips"): `{ header, signature, hash, bytes }`.
 * Throws unless the rebuilt header hashes to the answer's `hash`, so the
 * fields shown are the fields signed.
 */
export function signedHeaderFromBlockGet(b) {
  if (b === null || typeof b !== 'object') throw new TypeError('a block.get result is an object');
  if (!Number.isSafeInteger(b.height) || !Number.isSafeInteger(b.time_ms) || !Array.isArray(b.tx_ids))
    throw new RangeError('block.get: height, time_ms and tx_ids are missing or not integers');
  const header = {
    height: BigInt(b.height),
    prev: fromHex(b.prev, 32, 'prev'),
    time_ms: BigInt(b.time_ms),
    tx_root: fromHex(b.tx_root, 32, 'tx_root'),
    state_digest: fromHex(b.state_digest, 32, 'state_digest'),
    tx_count: b.tx_ids.length,
    producer: keyFromAddress(b.producer),
  };
  const signature = fromHex(b.signature, 64, 'signature');
  const hash = blockHash(header);
  if (toHex(hash) !== b.hash) throw new RangeError(`block.get: the fields of block ${b.height} do not hash to ${b.hash}`);
  return { header, signature, hash, bytes: concatBytes(encodeHeader(header), signature) };
}
