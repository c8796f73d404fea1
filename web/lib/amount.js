// Amounts: BigInt counts of minor units in memory, decimal strings with two
// decimals in text and JSON ("12.50"), never Number floats. As
// ledger/types.cpp format_amount and parse_amount.

export const coin_decimals = 2;
export const coin_minor_per_major = 100n;
const u64_max = (1n << 64n) - 1n;

/** "0.00", "12.50", "1000000.00": always two decimals. */
export function formatAmount(units) {
  if (typeof units !== 'bigint') throw new TypeError('an amount must be a BigInt of minor units');
  if (units < 0n || units > u64_max) throw new RangeError('an amount is a u64 of minor units');
  const cents = units % coin_minor_per_major;
  return `${units / coin_minor_per_major}.${cents < 10n ? '0' : ''}${cents}`;
}

/**
 * Minor units of a decimal text: digits with an optional `.` and one or two
 * decimals ("0", "0.5", "1.05"); nothing else (no sign, exponent, spaces,
 * "1." or ".5", no third decimal), up to the u64 maximum. Returns null when
 * the text is not an amount, so a form can say so.
 */
export function parseAmount(text) {
  if (typeof text !== 'string' || text.length > 24) return null;
  const m = /^([0-9]+)(?:\.([0-9]{1,2}))?$/.exec(text);
  if (!m) return null;
  const units = BigInt(m[1]) * coin_minor_per_major + BigInt((m[2] ?? '').padEnd(coin_decimals, '0'));
  return units <= u64_max ? units : null;
}
