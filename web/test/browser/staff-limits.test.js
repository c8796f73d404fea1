// The till meets the node's request limit as a busy till would: a node whose
// budget per client address refills at 1 request a second (the burst is
// large enough for the setup), drained by the test from the same address;
// the page's next scan is refused with 2003, and the page says how long to
// wait, in Russian and English; after the wait the same scan redeems. The
// node, its limiter and the page are real; only the budget is made small.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launch, phoneContext } from './chromium.js';
import { claimCode, openVolodya, skip, startWorld } from './cabinet-harness.js';
import { acceptedInvite, check, openInvite, openTill, seedOf } from './staff-harness.js';

// kopilkad reads its limits from the environment it is started with (docs/node.md "Limits").
const requests_per_second_max = 1;
const requests_burst_max = 1000;
const drain_batch_calls = [100, 10, 1];
let world;
let browser;
let page;
let voucher;

before(async () => {
  if (skip) return;
  process.env.KOPILKAD_REQUESTS_PER_SECOND_MAX = String(requests_per_second_max);
  process.env.KOPILKAD_REQUESTS_BURST_MAX = String(requests_burst_max);
  world = await startWorld('staff-limits');
  await openVolodya(world);
  await world.cli('key', 'new', 'client');
  await world.cli('--as', 'masha', 'send', 'VOLODYA', '+7 900 000-00-01', '2');
  await world.cli('--as', 'client', 'claim-request', '+7 900 000-00-01');
  await world.cli('--as', 'client', 'claim', '+7 900 000-00-01', '--code', claimCode(world, '+79000000001'));
  voucher = (await world.cli('--as', 'client', 'voucher', 'VOLODYA', '1', '--ttl-min', '10', '--text-only')).trim();
  const invite = await openInvite(world, await seedOf(world, 'owner'), 'VOLODYA');
  browser = await launch();
  page = await openTill(await phoneContext(browser, { locale: 'ru-RU' }), invite.link);
  await page.getByTestId('join-waiting').waitFor();
  const accepted = await acceptedInvite(world, invite.id);
  await world.cli('--as', 'owner', 'staff', 'add', 'VOLODYA', accepted.acceptance);
  await page.getByTestId('standing').waitFor();
});

after(async () => {
  await browser?.close();
  await world?.stop();
});

/** Spends this address's budget: batches of node.info until even one call is refused. */
async function drainBudget() {
  const batch = (n) => JSON.stringify(Array.from({ length: n }, (_, i) => ({ jsonrpc: '2.0', id: i + 1, method: 'node.info', params: {} })));
  for (const n of drain_batch_calls)
    for (;;) {
      const response = await fetch(`${world.url}/rpc`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: batch(n) });
      await response.text();
      if (response.status === 429) break;
    }
}

test('a scan the node rate-limits says how long to wait, in both languages; after the wait it redeems', { skip }, async () => {
  await page.getByTestId('tab-redeem').click();
  const field = page.getByLabel('Код с QR');
  await field.fill(voucher);
  page.expectErrors = true; // the browser logs the 429 itself
  await drainBudget();
  await field.press('Enter');
  const alert = page.getByTestId('error');
  await alert.getByText(/^Достигнут лимит запросов\. Подождите [1-9][0-9]* секунд[уы]? и попробуйте снова\.$/).waitFor();
  await page.getByRole('button', { name: 'English' }).click();
  await alert.getByText(/^The request limit is reached\. Wait [1-9][0-9]* seconds? and try again\.$/).waitFor();
  await page.getByRole('button', { name: 'Русский' }).click();
  page.expectErrors = false;
  await check(page, 'limits-01-rate-limited');
  // A few seconds refill the bucket for the scan's two calls and the redeem's.
  await new Promise((r) => setTimeout(r, 4_000 / requests_per_second_max));
  await field.press('Enter');
  await page.getByRole('button', { name: 'Списать и выдать' }).click();
  await page.getByTestId('verdict').getByText('«coffee» списано: 1 VOLODYA.').waitFor();
  assert.equal(await page.getByTestId('verdict').getAttribute('data-verdict'), 'ok');
});
