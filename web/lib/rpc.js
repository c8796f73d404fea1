// A small JSON-RPC 2.0 client over fetch for kopilkad (docs/rpc.md): POST
// /rpc, params by name. Secrets never go into a URL; the admin token, when
// given, travels only in the Authorization header.
import { toBase64url } from './bytes.js';
import { encodeVoucher } from './encoding.js';

// Bounds on what a node can make this client do: a hung node cannot hold a
// page forever, and a hostile one cannot make it parse a huge answer.
export const rpc_call_timeout_ms = 30_000;
export const rpc_response_bytes_max = 4 * 1024 * 1024;

/** The node answered with a JSON-RPC error: `code` (docs/rpc.md's table), `data` (e.g. `data.reason`). */
export class RpcError extends Error {
  constructor(method, code, message, data) {
    super(message);
    this.name = 'RpcError';
    this.method = method;
    this.code = code;
    this.data = data;
  }
  /** The ledger's refusal reason (`insufficient_balance`, …) for codes 1000 + n, else null. */
  get reason() {
    return this.code > 1000 && this.code < 2000 ? (this.data?.reason ?? null) : null;
  }
}

/** The node could not be reached or gave no JSON-RPC answer: offline, timed out, a proxy's error page. */
export class RpcUnavailable extends Error {
  constructor(method, message) {
    super(message);
    this.name = 'RpcUnavailable';
    this.method = method;
  }
}

/**
 * A client for the node at `baseUrl` (e.g. `https://kopilka.example.org` or
 * `''` for the page's own origin). Options: `token` (admin methods),
 * `fetch` (another fetch, e.g. in tests), `timeoutMs`.
 */
export function rpcClient(baseUrl = '', options = {}) {
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const timeoutMs = options.timeoutMs ?? rpc_call_timeout_ms;
  const endpoint = `${baseUrl.replace(/\/+$/, '')}/rpc`;
  let nextId = 1;

  async function call(method, params = {}) {
    if (typeof method !== 'string' || method === '') throw new TypeError('method must be a name');
    const id = nextId++;
    const headers = { 'Content-Type': 'application/json' };
    if (options.token) headers.Authorization = `Bearer ${options.token}`;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    let text;
    let status;
    try {
      const response = await doFetch(endpoint, {
        method: 'POST',
        headers,
        body: JSON.stringify({ jsonrpc: '2.0', id, method, params }),
        signal: controller.signal,
        credentials: 'omit',
        referrerPolicy: 'no-referrer',
      });
      status = response.status;
      text = await response.text();
    } catch (e) {
      const why = controller.signal.aborted ? `no answer within ${timeoutMs} ms` : 'the node cannot be reached';
      throw new RpcUnavailable(method, `${method}: ${why}`);
    } finally {
      clearTimeout(timer);
    }
    if (text.length > rpc_response_bytes_max)
      throw new RpcUnavailable(method, `${method}: the answer is larger than ${rpc_response_bytes_max} bytes`);
    let answer;
    try {
      answer = JSON.parse(text);
    } catch {
      throw new RpcUnavailable(method, `${method}: the node answered HTTP ${status} without JSON-RPC`);
    }
    if (answer === null || typeof answer !== 'object' || answer.jsonrpc !== '2.0' || answer.id !== id)
      throw new RpcUnavailable(method, `${method}: not a JSON-RPC 2.0 answer to this request`);
    if (answer.error) {
      const { code, message, data } = answer.error;
      throw new RpcError(method, code, `${method}: ${message}`, data);
    }
    if (!('result' in answer)) throw new RpcUnavailable(method, `${method}: the answer has neither result nor error`);
    return answer.result;
  }

  return {
    call,
    /** tx.submit of a signed blob (bytes); `wait` waits until the block holding it is synced. */
    submitTx: (blob, { wait = false } = {}) => call('tx.submit', { blob: toBase64url(blob), wait }),
    nodeInfo: () => call('node.info'),
    chainGenesis: () => call('chain.genesis'),
    blockGet: (height) => call('block.get', { height }),
    accountBalances: (account) => call('account.balances', { account }),
    /** phone.lookup with signLookup's params: `{ e164, account, claimed, key, rebind }`. */
    phoneLookup: (params) => call('phone.lookup', params),
    /** voucher.check of a signed voucher object (e.g. decodeVoucherQr's, with its signer set). */
    voucherCheck: (voucher, ticker) => call('voucher.check', ticker ? { voucher: toBase64url(encodeVoucher(voucher)), ticker } : { voucher: toBase64url(encodeVoucher(voucher)) }),
    /** invite.open with signInviteOpen's params: `{ id, ticker, expiry_s }`. */
    inviteOpen: (params) => call('invite.open', params),
    /** invite.accept of an invite's secret (bytes) and an acceptance line (signAcceptance's): `{ ticker, staff }`. */
    inviteAccept: (secret, acceptance) => call('invite.accept', { secret: toBase64url(secret), acceptance }),
    /** invite.get by id (32 hex): `{ id, ticker, expiry_s, state, acceptance?, staff? }`. */
    inviteGet: (id) => call('invite.get', { id }),
    /** messages.consent.set with signConsent's params: `{ ticker, receive, source, time_ms }`. */
    messagesConsentSet: (params) => call('messages.consent.set', params),
    /** messages.consent.get of a phone account (text): `{ receive_all, choices }`. */
    messagesConsentGet: (holder) => call('messages.consent.get', { holder }),
    /** messages.push.key: `{ enabled: true, public_key }` (the node's VAPID key, base64url) or `{ enabled: false }`. */
    messagesPushKey: () => call('messages.push.key'),
    /** messages.push.set with signPush's params: `{ subscribed, time_ms }`. */
    messagesPushSet: (params) => call('messages.push.set', params),
    /** messages.push.get of a phone account (text): `{ subscribed, since_ms? }`. */
    messagesPushGet: (holder) => call('messages.push.get', { holder }),
  };
}
