// A venue's rewards split the way the client thinks of them: what the
// balance buys now, and what is not yet within reach with how much is
// missing. BigInt minor units throughout (lib/amount.js); never a float. Pure.
import { formatAmount, parseAmount } from '../lib/amount.js';

/**
 * `products` as venue.get gives them, `balance` a decimal string ("3.00"):
 * `{ affordable, notYet }`, active products only, cheapest first; each item
 * is the product with `priceUnits`, and in `notYet` also `missing` (decimal).
 */
export function splitRewards(products, balance) {
  const have = parseAmount(balance) ?? 0n;
  const active = products
    .filter((p) => p.active)
    .map((p) => ({ ...p, priceUnits: parseAmount(p.price) }))
    .filter((p) => p.priceUnits !== null)
    .sort((a, b) => (a.priceUnits < b.priceUnits ? -1 : a.priceUnits > b.priceUnits ? 1 : a.id - b.id));
  return {
    affordable: active.filter((p) => p.priceUnits <= have),
    notYet: active.filter((p) => p.priceUnits > have).map((p) => ({ ...p, missing: formatAmount(p.priceUnits - have) })),
  };
}
