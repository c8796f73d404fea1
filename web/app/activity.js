// The client's history (account.history of the phone account) as a person
// reads it: received, spent on a reward, sent to someone. Entries that move
// no coins of this account (a bind, a re-bind) are left out. Pure.

/**
 * One account.history entry seen from `account` (its text, `phone:<hex>`):
 * `{ id, kind: 'received' | 'spent' | 'sent', ticker, amount, time_ms, memo,
 * product_id }`, or null when it moves none of this account's coins.
 */
export function describeEntry(entry, account) {
  const tx = entry.tx;
  const base = { id: entry.id, ticker: tx.ticker, time_ms: entry.time_ms, memo: '', product_id: null };
  if (tx.kind === 'transfer') {
    if (tx.to === account && tx.from !== account) return { ...base, kind: 'received', amount: tx.amount, memo: tx.memo ?? '' };
    if (tx.from === account && tx.to !== account) return { ...base, kind: 'sent', amount: tx.amount, memo: tx.memo ?? '' };
    return null;
  }
  if (tx.kind === 'redeem' && tx.voucher?.client === account)
    return { ...base, kind: 'spent', amount: tx.voucher.price, product_id: tx.voucher.product_id };
  return null;
}

/** The tickers an account has dealt in, newest first, from its history entries. */
export function tickersOf(entries, account) {
  const seen = [];
  for (const e of entries) {
    const d = describeEntry(e, account);
    if (d && !seen.includes(d.ticker)) seen.push(d.ticker);
  }
  return seen;
}

/** Whether the entries hold the redeem of one of `voucherIds` (hex): the till took the QR. */
export function redeemedVoucher(entries, voucherIds) {
  for (const e of entries) {
    const v = e.tx?.kind === 'redeem' ? e.tx.voucher : null;
    if (v && voucherIds.includes(v.id)) return v.id;
  }
  return null;
}
