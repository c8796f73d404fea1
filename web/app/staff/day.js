// Today's own actions of a staff member, for closing the till: from the
// entries of account.history of their key, those of today (the UTC day by
// the node's clock, the day the ledger counts limit_per_day in) at their
// venue, with totals in BigInt minor units. Pure.
import { formatAmount, parseAmount } from '../../lib/amount.js';

export const day_ms = 86_400_000;

/** The start of the UTC day holding `ms` (unix ms). */
export const utcDayStart = (ms) => Math.floor(ms / day_ms) * day_ms;

/**
 * `{ rows, given, redeemed, received, givenCount, redeemedCount, sales,
 * purchaseCount }` of the history `entries` at `ticker` for the key `address`
 * since `fromMs`: transfers it signed from its key (given), redeems it signed
 * (the voucher's price), purchases it recorded (sales: their receipts' money),
 * transfers to it (received: the owner's allowance). Rows keep the
 * history's order (newest first); totals are decimal strings.
 */
export function summariseDay(entries, { address, ticker, fromMs, productNames = new Map() }) {
  let given = 0n;
  let redeemed = 0n;
  let received = 0n;
  let givenCount = 0;
  let redeemedCount = 0;
  let sales = 0n;
  let purchaseCount = 0;
  const rows = [];
  for (const entry of entries) {
    const tx = entry.tx;
    if (entry.time_ms < fromMs || tx.ticker !== ticker) continue;
    if (tx.kind === 'transfer' && tx.from === address && tx.signer === address) {
      const units = parseAmount(tx.amount);
      given += units;
      givenCount += 1;
      rows.push({ id: entry.id, kind: 'given', time_ms: entry.time_ms, amount: tx.amount, to: tx.to, memo: tx.memo ?? '' });
    } else if (tx.kind === 'redeem' && tx.signer === address) {
      const units = parseAmount(tx.voucher.price);
      redeemed += units;
      redeemedCount += 1;
      const product = productNames.get(tx.voucher.product_id) ?? String(tx.voucher.product_id);
      rows.push({ id: entry.id, kind: 'redeemed', time_ms: entry.time_ms, amount: tx.voucher.price, product });
    } else if (tx.kind === 'purchase' && tx.signer === address) {
      // The receipt's money, not coins: what the accrual was counted from.
      sales += parseAmount(tx.receipt.total);
      purchaseCount += 1;
      rows.push({ id: entry.id, kind: 'purchase', time_ms: entry.time_ms, amount: tx.receipt.total, to: tx.client, memo: tx.receipt.id });
    } else if (tx.kind === 'transfer' && tx.to === address) {
      received += parseAmount(tx.amount);
      rows.push({ id: entry.id, kind: 'received', time_ms: entry.time_ms, amount: tx.amount });
    }
  }
  return {
    rows,
    given: formatAmount(given),
    redeemed: formatAmount(redeemed),
    received: formatAmount(received),
    givenCount,
    redeemedCount,
    sales: formatAmount(sales),
    purchaseCount,
  };
}

/** A phone or key account as a short label: "phone:dabb74…", "kop1qx…9s". */
export function shortAccount(text) {
  const s = String(text);
  if (s.startsWith('phone:')) return `${s.slice(0, 12)}…`;
  return s.length > 14 ? `${s.slice(0, 8)}…${s.slice(-4)}` : s;
}
