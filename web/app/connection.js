// The cabinet's node: the page's own origin, trusted only after the
// known-tip check (lib/tips.js, docs/formats.md "Known tips") against the
// header this browser remembers, and with the node's clock, which every
// expiry the page signs is counted in (as the CLI does).
import { toHex } from '../lib/bytes.js';
import { rpcClient } from '../lib/rpc.js';
import { checkNodeHistory } from '../lib/tips.js';
import { knownTip, rememberTip } from './store.js';

/**
 * Checks the node's signed tip and remembers a newer one. Resolves to
 * `{ client, chainId, chainIdHex, height, nowMs(), nowS() }`; rejects with
 * HistoryRefused (a rollback, a rewrite, a forged header) or RpcUnavailable.
 */
export async function connect(client = rpcClient('')) {
  let info = null;
  let sentMs = 0;
  let receivedMs = 0;
  // The check asks node.info first; its clock comes with it, no extra trip.
  const watched = {
    ...client,
    nodeInfo: async () => {
      sentMs = Date.now();
      info = await client.nodeInfo();
      receivedMs = Date.now();
      return info;
    },
  };
  const checked = await checkNodeHistory(watched, knownTip);
  const chainIdHex = toHex(checked.chainId);
  if (checked.remember) await rememberTip(chainIdHex, checked.remember);
  const offsetMs = info.time_ms - Math.round((sentMs + receivedMs) / 2);
  const nowMs = () => Date.now() + offsetMs;
  return {
    client,
    chainId: checked.chainId,
    chainIdHex,
    height: checked.height,
    // The calling code the node puts before a number typed without one (kopilkad --default-country).
    defaultCountry: typeof info.default_country === 'string' ? info.default_country : undefined,
    nowMs,
    nowS: () => BigInt(Math.floor(nowMs() / 1000)),
  };
}

/**
 * An answer asked for before the node was checked, for one account: `take(account)`
 * gives its promise once (later loads ask afresh), or null when it is for
 * another account or already taken. A failed early answer is null too, so
 * the caller asks again and meets the error itself.
 */
export function earlyAnswer(account, promise) {
  let pending = promise.catch(() => null);
  return {
    take(which) {
      if (which !== account || pending === null) return null;
      const p = pending;
      pending = null;
      return p;
    },
  };
}
