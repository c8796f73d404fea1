// The cabinet's programme card's pure parts (screens/loyalty.js): shares in
// basis points as a person reads them, what the next tier takes by each
// basis (BigInt, never floats), the last day of an expiring lot in the
// venue's zone, and both languages holding the same keys and placeholders.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { messages } from '../../app/loyalty-messages.js';
import { lastDay, nextTier, shareText } from '../../app/screens/loyalty.js';

test('a share in basis points reads as a percentage', () => {
  assert.equal(shareText(3000, 'ru'), '30');
  assert.equal(shareText(10000, 'en'), '100');
  assert.equal(shareText(1250, 'ru'), '12,5');
  assert.equal(shareText(1205, 'en'), '12.05');
  assert.equal(shareText(1, 'en'), '0.01');
});

test('the next tier: what is left to buy for a lifetime basis, the threshold for the others, none past the top', () => {
  const tiers = [
    { name: 'Base', threshold: '0.00', pay_share_bp: 3000 },
    { name: 'Gold', threshold: '10000.00', pay_share_bp: 3000 },
    { name: 'VIP', threshold: '30000.00', pay_share_bp: 10000 },
  ];
  const standing = (index, lifetime_paid) => ({ tier: { index, name: tiers[index].name }, lifetime_paid });
  // 10,000.00 - 550.50, exactly: 9,449.50.
  assert.deepEqual(nextTier({ tiers, tier_basis: 'lifetime' }, standing(0, '550.50')), {
    key: 'loyalty.next_lifetime',
    tier: 'Gold',
    amount: '9449.50',
  });
  // Past the threshold but not yet recalculated (a monthly programme): nothing left, not a negative.
  assert.equal(nextTier({ tiers, tier_basis: 'lifetime' }, standing(0, '12000.00')).amount, '0.00');
  assert.deepEqual(nextTier({ tiers, tier_basis: 'period', period_months: 3 }, standing(1, '0.00')), {
    key: 'loyalty.next_period',
    tier: 'VIP',
    amount: '30000.00',
    months: 3,
  });
  assert.deepEqual(nextTier({ tiers, tier_basis: 'single_purchase' }, standing(1, '0.00')), {
    key: 'loyalty.next_single',
    tier: 'VIP',
    amount: '30000.00',
  });
  assert.deepEqual(nextTier({ tiers, tier_basis: 'lifetime' }, standing(2, '40000.00')), { key: 'loyalty.top' });
  assert.equal(nextTier({ tiers: [tiers[0]], tier_basis: 'lifetime' }, standing(0, '1.00')), null);
});

test("a lot's last day is the day before it expires at the venue's local midnight", () => {
  // 2026-12-20 00:00 in Moscow (UTC+3) is 2026-12-19 21:00 UTC: the last day is 19 December there.
  const expiry_s = Date.UTC(2026, 11, 19, 21, 0, 0) / 1000;
  assert.equal(lastDay(expiry_s, 'Europe/Moscow', 'en'), 'December 19, 2026');
  assert.equal(lastDay(expiry_s, 'Europe/Moscow', 'ru'), '19 декабря 2026 г.');
  // In UTC the same instant is still the 19th's evening: its last second is the 19th too.
  assert.equal(lastDay(expiry_s, 'UTC', 'en'), 'December 19, 2026');
  // A zone the browser does not know falls back to the device's zone, never throws.
  assert.match(lastDay(expiry_s, 'Mars/Olympus', 'en'), /December (19|20), 2026/);
});

test('the card speaks Russian and English with the same keys and placeholders', () => {
  const placeholders = (s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
  assert.deepEqual(Object.keys(messages.ru).sort(), Object.keys(messages.en).sort());
  for (const key of Object.keys(messages.ru)) assert.deepEqual(placeholders(messages.ru[key]), placeholders(messages.en[key]), key);
});
