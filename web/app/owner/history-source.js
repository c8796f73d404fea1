// Where the owner's page reads a venue's history: venue.history pages,
// newest first, with the filters (staff, client, kind, dates). A node that
// has them takes the filters as venue.history params (`staff`, `client`,
// `kind`, `from_ms`, `to_ms`, scanning a bounded number of entries per call,
// so a page may hold fewer than `limit` entries while `next_cursor` is
// non-empty); an older node refuses them as unknown params, and then
// historyPage filters each page here with the same meaning. The first
// filtered call tells which, once per client; the page's own filter runs
// either way, so both give the same entries.
import { RpcError } from '../../lib/rpc.js';

// Per RPC client: true once the node took the filters, false once it refused them.
const node_filters = new WeakMap();
/** Whether `client`'s node filters venue.history itself: true, false, or undefined before the first filtered call. */
export const nodeFilters = (client) => node_filters.get(client);
// Entries per venue.history call: the node's most (history_page_entries_max).
export const history_page_entries_max = 500;
// How long to wait when the node says "retry in N ms" without a number.
const rate_limited_wait_ms_default = 1_000;
// How many times one page is asked again after a rate limit before giving up.
export const history_page_retries_max = 30;

/** The filter names venue.history takes, in the order the page shows them. */
export const filter_names = Object.freeze(['staff', 'client', 'kind', 'from_ms', 'to_ms']);

/** Only the filters that are set (a non-empty text, a number of ms). */
export function activeFilters(filters = {}) {
  const out = {};
  for (const name of filter_names) {
    const v = filters[name];
    if (v !== undefined && v !== null && v !== '') out[name] = v;
  }
  return out;
}

/**
 * Whether `entry` passes `filters`, as the node's filters mean them: `staff`
 * signed it; `client` is its from or to, or the client of its voucher;
 * `kind` is its kind; its block time is in [from_ms, to_ms).
 */
export function matchesFilters(entry, filters) {
  const f = activeFilters(filters);
  const tx = entry.tx;
  if (f.staff !== undefined && tx.signer !== f.staff) return false;
  if (f.client !== undefined && tx.from !== f.client && tx.to !== f.client && tx.voucher?.client !== f.client) return false;
  if (f.kind !== undefined && tx.kind !== f.kind) return false;
  if (f.from_ms !== undefined && entry.time_ms < Number(f.from_ms)) return false;
  if (f.to_ms !== undefined && entry.time_ms >= Number(f.to_ms)) return false;
  return true;
}

const sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    });
  });

/** The wait a 2003 answer asks for ("retry in N ms"), or null for another error. */
export function rateLimitWaitMs(error) {
  if (!(error instanceof RpcError) || error.code !== 2003) return null;
  const m = /retry in ([0-9]+) ms/.exec(error.message);
  return m ? Number(m[1]) : rate_limited_wait_ms_default;
}

/** A call that waits out the node's rate limit (2003) and asks again, a bounded number of times. */
async function patientCall(client, method, params, signal) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await client.call(method, params);
    } catch (e) {
      const waitMs = rateLimitWaitMs(e);
      if (waitMs === null || attempt >= history_page_retries_max) throw e;
      await sleep(waitMs, signal);
    }
  }
}

/**
 * One page of the venue's history, newest first: `{ entries, next_cursor }`,
 * only entries passing `filters`. It may hold fewer than `limit` entries
 * (none, even) while `next_cursor` is non-empty: keep asking with it.
 */
export async function historyPage(client, ticker, { cursor = '', limit = 50, filters = {}, signal } = {}) {
  const f = activeFilters(filters);
  const params = { ticker, limit };
  if (cursor) params.cursor = cursor;
  let page = null;
  if (Object.keys(f).length > 0 && nodeFilters(client) !== false) {
    try {
      page = await patientCall(client, 'venue.history', { ...params, ...f }, signal);
      node_filters.set(client, true);
    } catch (e) {
      if (!unknownFilterParam(e)) throw e;
      node_filters.set(client, false);
    }
  }
  page ??= await patientCall(client, 'venue.history', params, signal);
  return { entries: page.entries.filter((e) => matchesFilters(e, f)), next_cursor: page.next_cursor };
}

/** A node without the filters: -32602 "unknown param 'staff'" (rpc/protocol.cpp Params::only). */
function unknownFilterParam(error) {
  if (!(error instanceof RpcError) || error.code !== -32602) return false;
  const m = /unknown param '(\w+)'/.exec(error.message);
  return m !== null && filter_names.includes(m[1]);
}

/**
 * At least `want` entries passing `filters` from `cursor` on (fewer when the
 * history ends, or after `pages_max` calls): `{ entries, next_cursor }`.
 */
export async function collectPage(client, ticker, { cursor = '', want = 50, filters = {}, pages_max = 20, signal } = {}) {
  const entries = [];
  let next = cursor;
  // Filtered here, a page of `want` could hold none: read whole pages then.
  const filtering = nodeFilters(client) !== true && Object.keys(activeFilters(filters)).length > 0;
  const limit = filtering ? history_page_entries_max : Math.min(want, history_page_entries_max);
  for (let calls = 0; calls < pages_max; calls++) {
    const page = await historyPage(client, ticker, { cursor: next, limit, filters, signal });
    entries.push(...page.entries);
    next = page.next_cursor;
    if (!next || entries.length >= want) break;
  }
  return { entries, next_cursor: next };
}

/**
 * Every entry of the venue's history, oldest first (the export reads it so):
 * pages of history_page_entries_max, `onProgress({ entries, height, top })`
 * after each (`height` the oldest block read so far, `top` the newest);
 * `map` keeps each entry as it returns (to keep less of a big history);
 * `pageEntries` asks smaller pages (the tests cross page boundaries so).
 */
export async function wholeHistory(client, ticker, { onProgress, signal, map, pageEntries = history_page_entries_max } = {}) {
  const pages = [];
  let cursor = '';
  let read = 0;
  let top = null;
  do {
    signal?.throwIfAborted();
    const page = await historyPage(client, ticker, { cursor, limit: pageEntries, signal });
    pages.push(map ? page.entries.map(map) : page.entries);
    read += page.entries.length;
    if (page.entries.length) {
      top ??= page.entries[0].height;
      onProgress?.({ entries: read, height: page.entries.at(-1).height, top });
    }
    cursor = page.next_cursor;
  } while (cursor);
  return pages.reverse().flatMap((p) => [...p].reverse());
}
