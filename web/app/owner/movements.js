// A venue's movements of coins, told apart as the auditor's export tells
// them (wallet-cli/replay.cpp classify, on ledger/apply.cpp's rules): mint,
// allowance, bonus, gift, redemption, return. Built from venue.history's
// entries alone, oldest first, on a small shadow of the coin's state (the
// treasury, who is staff with which allowance, every account's balance),
// because a staff_remove's returned amount is not in its transaction: it is
// the allowance the member still holds, which only a replay knows. Amounts
// are BigInt minor units. Pure.
import { coin_minor_per_major, formatAmount, parseAmount } from '../../lib/amount.js';

// The fixed supply venue_create mints to the treasury (ledger coin_supply_units).
export const coin_supply_units = 1_000_000n * coin_minor_per_major;
const u64_max = (1n << 64n) - 1n;

/**
 * A history with purchases or returns under a bonus programme: the ledger
 * computes their movements (accruals, payments, gifts, reversals) from the
 * programme and the receipt, and the time events (expiries, gifts) have no
 * transaction in the history at all, so this page cannot tell them apart as
 * `kopilka export` does. It says so rather than write a partial file.
 */
export class ProgrammeMovementsError extends Error {
  constructor(kind) {
    super(`the history holds a ${kind} under a bonus programme, whose movements only a full replay computes (kopilka export)`);
    this.name = 'ProgrammeMovementsError';
    this.kind = kind;
  }
}

/** Oldest first: by block height, then the index in the block. */
export function compareEntriesOldestFirst(a, b) {
  return a.height - b.height || a.index - b.index;
}

const isKey = (account) => typeof account === 'string' && account.startsWith('kop1');

function units(text, what) {
  const u = parseAmount(text);
  if (u === null) throw new RangeError(`${what} is not an amount: ${text}`);
  return u;
}

/**
 * The shadow of one coin's state a replay of its history needs. `apply(entry)`
 * takes the next entry (oldest first) and returns its movements:
 * `{ movement, from, to, units, memo }`, `from` empty for the mint.
 */
export function coinShadow(ticker) {
  let treasury = null;
  const balances = new Map(); // account text -> units
  const staff = new Map(); // address -> allowance units

  const balance = (account) => balances.get(account) ?? 0n;

  // ledger/apply.cpp Applier::move and track_allowance: what the treasury
  // sends a member adds to their allowance; whatever leaves a member's key
  // account takes from it first.
  function move(from, to, amount) {
    const have = balance(from);
    if (have < amount) throw new RangeError(`the history of ${ticker} moves ${formatAmount(amount)} from ${from}, which holds ${formatAmount(have)}`);
    balances.set(from, have - amount);
    balances.set(to, balance(to) + amount);
    if (isKey(from) && staff.has(from)) {
      const a = staff.get(from);
      staff.set(from, a - (a < amount ? a : amount));
    }
    if (isKey(to) && from === treasury && staff.has(to)) {
      const a = staff.get(to) + amount;
      staff.set(to, a > u64_max ? u64_max : a);
    }
  }

  // wallet-cli/replay.cpp classify, on the state after the movement (a
  // transfer or redemption changes no venue or staff record).
  function classify(kind, from, to) {
    if (kind === 'redeem') return 'redemption';
    if (kind === 'staff_remove') return 'return';
    if (to === treasury) return 'return';
    if (from === treasury && staff.has(to)) return 'allowance';
    if (from === treasury || staff.has(from)) return 'bonus';
    return 'gift';
  }

  function apply(entry) {
    const tx = entry.tx;
    if (tx.ticker !== ticker) return [];
    switch (tx.kind) {
      case 'venue_create':
        treasury = tx.signer;
        balances.set(treasury, coin_supply_units);
        return [{ movement: 'mint', from: '', to: treasury, units: coin_supply_units, memo: '' }];
      case 'staff_add': {
        const who = tx.staff;
        // Joining again keeps the record (and its allowance); a newcomer starts at none.
        if (!staff.has(who)) staff.set(who, 0n);
        return [];
      }
      case 'staff_remove': {
        const who = tx.staff;
        if (!staff.has(who)) return [];
        const allowance = staff.get(who);
        const held = balance(who);
        const back = held < allowance ? held : allowance;
        const out = [];
        if (back > 0n) {
          move(who, treasury, back);
          out.push({ movement: classify(tx.kind, who, treasury), from: who, to: treasury, units: back, memo: '' });
        }
        staff.delete(who);
        return out;
      }
      case 'transfer': {
        const amount = units(tx.amount, 'a transfer amount');
        move(tx.from, tx.to, amount);
        return [{ movement: classify(tx.kind, tx.from, tx.to), from: tx.from, to: tx.to, units: amount, memo: tx.memo ?? '' }];
      }
      case 'redeem': {
        const v = tx.voucher;
        const price = units(v.price, 'a voucher price');
        move(v.client, treasury, price);
        return [{ movement: 'redemption', from: v.client, to: treasury, units: price, memo: `product ${v.product_id}` }];
      }
      case 'purchase':
      case 'purchase_return':
        throw new ProgrammeMovementsError(tx.kind);
      default:
        return []; // venue_update, product_*, staff_update, programme_set, card_bind, birthday_set move no coins
    }
  }

  return { apply, balance, isStaff: (address) => staff.has(address), treasury: () => treasury };
}

/**
 * Every movement of `ticker` in `entries` (venue.history's, any order: they
 * are sorted oldest first here), one row each as `kopilka export` writes
 * them: `{ time_ms, height, index, tx_id, tx_kind, movement, ticker, from,
 * to, units, memo }`.
 */
export function movementRows(entries, ticker) {
  const shadow = coinShadow(ticker);
  const rows = [];
  for (const entry of [...entries].sort(compareEntriesOldestFirst))
    for (const m of shadow.apply(entry))
      rows.push({ time_ms: entry.time_ms, height: entry.height, index: entry.index, tx_id: entry.id, tx_kind: entry.tx.kind, ticker, ...m });
  return rows;
}
