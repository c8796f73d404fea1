// What a person is told when something fails: every error the node can
// answer (docs/rpc.md "Errors") and every refusal reason a client can meet
// becomes a message key of messages.js, each saying what to do next. Raw
// JSON and the node's English text never reach the page. Pure.
import { RpcError, RpcUnavailable } from '../lib/rpc.js';

// Ledger refusals (1000 + n, data.reason) a client's own transactions can meet.
const refusal_keys = Object.freeze({
  insufficient_balance: 'error.not_enough',
  voucher_expired: 'error.voucher_expired',
  voucher_used: 'error.voucher_used',
  expired: 'error.try_again',
  attestation_expired: 'error.claim_slow',
  attestation_sequence: 'error.claim_again',
  attestation_wrong_key: 'error.claim_again',
  unknown_attestor: 'error.claim_again',
  rebind_pending: 'error.rebind_pending',
  no_rebind_pending: 'error.no_rebind',
  rebind_not_due: 'error.rebind_not_due',
  not_account_holder: 'error.not_holder',
  self_transfer: 'error.self_transfer',
  zero_amount: 'error.zero_amount',
  unknown_product: 'error.reward_changed',
  product_inactive: 'error.reward_changed',
  price_changed: 'error.reward_changed',
  unknown_ticker: 'error.reward_changed',
});

const code_keys = Object.freeze({
  2001: 'error.not_found',
  2002: 'error.unauthorized',
  2004: 'error.node_cannot_write',
  2005: 'error.node_busy',
  2006: 'error.code_wrong',
});

// messages.push.set's refusals; push-messages.js holds these texts (the
// push part's chunk lays them over the cabinet's). 2001 is a node without
// web push (no --push-contact), -32601 one from before it.
const push_code_keys = Object.freeze({
  2001: 'push.error.unavailable',
  '-32602': 'push.error.invalid',
  '-32601': 'push.error.unavailable',
  2002: 'push.error.unauthorized',
  2004: 'push.error.unavailable',
});

/**
 * When a rate-limited call (2003) may be tried again, from the node's words
 * (node/phones.cpp, node/server.cpp): 'tomorrow', 'hour', 'minute', or
 * seconds from "retry in N ms".
 */
export function retryAfter(message) {
  const text = String(message ?? '');
  if (/tomorrow/.test(text)) return { key: 'error.too_many_tomorrow' };
  if (/hour/.test(text)) return { key: 'error.too_many_hour' };
  const ms = /retry in ([0-9]+) ms/.exec(text);
  if (ms) return { key: 'error.too_many_seconds', params: { count: Math.max(1, Math.ceil(Number(ms[1]) / 1000)) } };
  return { key: 'error.too_many_minute' };
}

/**
 * `{ key, params }` of the message for `error`, thrown by rpc.js (RpcError,
 * RpcUnavailable) or by the page itself.
 */
export function describeError(error) {
  if (error instanceof RpcUnavailable) return { key: 'error.offline' };
  if (error instanceof RpcError) {
    // A read-only follower (kopilkad follow) names its reason "follower": no ledger refusal.
    if (error.code === 2010) return { key: 'error.follower' };
    if (/^messages\.push\./.test(error.method) && push_code_keys[error.code]) return { key: push_code_keys[error.code] };
    const reason = error.reason;
    if (reason) return refusal_keys[reason] ? { key: refusal_keys[reason] } : { key: 'error.refused', params: { reason } };
    if (error.code === 2003) return retryAfter(error.message);
    if (code_keys[error.code]) return { key: code_keys[error.code] };
    // A phone the node cannot read as a number is a param error of the phone methods.
    if (error.code === -32602 && /^phone\./.test(error.method)) return { key: 'error.phone_invalid' };
    return { key: 'error.unexpected', params: { code: String(error.code) } };
  }
  return { key: 'error.internal' };
}
