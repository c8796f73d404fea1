// The owner's dashboard and history at /o#view=TICKER in Chromium, against
// a real kopilkad whose story the real CLI played (test/app/owner-story.js):
// every figure shown equals `kopilka stats --json` for each range of the
// picker, the chart has two bars per day with each day's amounts (the story
// spans three UTC days, played on a node whose clock runs days behind, kopilkad --clock-offset-s), clients per week, top rewards and each staff member's figures; the history's filters
// keep what they should and refuse what they cannot use; the downloaded CSV
// equals `kopilka export`. At 360 px and 1280 px, in Russian and English:
// screenshots, no sideways scroll, 48 px targets, axe-core clean, a quiet
// console. Tests run in order and share the node and the browser.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { rangeParams } from '../../app/owner/figures.js';
import { shortAccount } from '../../app/owner/labels.js';
import { storyWorld, story_ticker } from '../app/owner-story.js';
import { horizontalOverflow, launch, phoneContext, screenshot } from './chromium.js';
import { axeViolations, skip, smallTapTargets, tap_target_px_min } from './cabinet-harness.js';

const screenshot_group = 'owner-views';
const desktop_viewport = { width: 1280, height: 900 };
const ymd = (ms) => new Date(ms).toISOString().slice(0, 10);
let world;
let browser;
let people;
const problems = new WeakMap();
const rpc_methods = new WeakMap(); // page -> the JSON-RPC methods it called, in order

async function rpc(method, params) {
  const response = await fetch(`${world.url}/rpc`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  return (await response.json()).result;
}

before(async () => {
  if (skip) return;
  ({ world, people } = await storyWorld('owner-views'));
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await world?.stop();
});

/** A page at the venue's views whose script and console errors (a CSP violation is one) check() reports. */
async function openViews(context, ticker = story_ticker, hash = `#view=${ticker}`) {
  const page = await context.newPage();
  const seen = [];
  const methods = [];
  page.on('request', (r) => {
    if (new URL(r.url()).pathname === '/rpc' && r.method() === 'POST') methods.push(JSON.parse(r.postData()).method);
  });
  rpc_methods.set(page, methods);
  page.on('pageerror', (e) => seen.push(`script error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.location().url.endsWith('/favicon.ico')) seen.push(`console: ${m.text()}`);
  });
  problems.set(page, seen);
  await page.goto(`${world.url}/o${hash}`);
  return page;
}

async function check(page, name) {
  await screenshot(page, screenshot_group, name);
  assert.deepEqual(await smallTapTargets(page), [], `${name}: tap targets under ${tap_target_px_min} px`);
  assert.deepEqual(problems.get(page), [], `${name}: script or console errors`);
  assert.equal(await horizontalOverflow(page), false, `${name}: the page scrolls sideways`);
  assert.deepEqual(await outgrownCards(page), [], `${name}: tables, figures or the chart wider than their card`);
  assert.deepEqual(await axeViolations(page), [], `${name}: axe-core`);
}

/** Tables, figure lists and charts that stick out of their card's content box (a page may not scroll, yet look broken). */
function outgrownCards(page) {
  return page.evaluate(() => {
    const out = [];
    for (const card of document.querySelectorAll('.card')) {
      const box = card.getBoundingClientRect();
      if (box.width === 0) continue; // a hidden tab's
      const pad = parseFloat(getComputedStyle(card).paddingRight);
      for (const el of card.querySelectorAll('table, dl, svg'))
        if (el.getBoundingClientRect().right > box.right - pad + 1) out.push(`${el.tagName.toLowerCase()} in "${card.textContent.trim().slice(0, 30)}"`);
    }
    return out;
  });
}

/** The range's figures once the page shows them for `choice`. */
async function waitForRange(page, choice) {
  await page.locator(`[data-testid="dashboard"][data-range="${choice}"][aria-busy="false"]`).waitFor();
}

/** `kopilka stats --json` for the picker's `choice`, at the page's time. */
async function cliStats(choice) {
  const p = rangeParams(choice, Date.now());
  const args = choice === 'all' ? [] : ['--from', ymd(p.stats.from_ms), '--to', ymd(p.stats.to_ms)];
  return JSON.parse(await world.cli('--as', 'owner', 'stats', story_ticker, ...args, '--json'));
}

/** What the page shows for `value` (a decimal string or a count), by the browser's own Intl. */
const shownAs = (page, value) =>
  page.evaluate(
    ([v]) => new Intl.NumberFormat(document.documentElement.lang, { minimumFractionDigits: 2, maximumFractionDigits: 2, trailingZeroDisplay: 'stripIfInteger' }).format(v),
    [String(value)],
  );

async function assertFigures(page, stats) {
  const root = page.getByTestId('dashboard');
  for (const name of ['treasury', 'with_staff', 'in_clients', 'clients', 'issued', 'issues', 'redeemed', 'redemptions', 'new_clients']) {
    const cell = root.getByTestId(`fig-${name}`);
    assert.equal(await cell.getAttribute('data-value'), String(stats[name]), name);
    assert.equal(await cell.textContent(), await shownAs(page, stats[name]), `${name} as shown`);
  }
  const staff = root.getByTestId('staff');
  assert.equal(await staff.count(), stats.staff.length);
  for (const s of stats.staff) {
    const member = root.locator(`[data-testid="staff"][data-address="${s.address}"]`);
    for (const k of ['clients_served', 'visits', 'given', 'redeemed'])
      assert.equal(await member.getByTestId(`staff-${k}`).getAttribute('data-value'), String(s[k]), `${s.address} ${k}`);
  }
}

test('the dashboard at 360 px shows exactly what `kopilka stats` says, for every range', { skip }, async () => {
  const context = await phoneContext(browser, { locale: 'ru-RU' });
  const page = await openViews(context);
  await waitForRange(page, '30');
  assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Заведение «U Volodi» · VOLODYA');

  const stats = await cliStats('30');
  await assertFigures(page, stats);
  // Every coin is somewhere: the holdings add up to the supply.
  const units = (s) => BigInt(s.replace('.', ''));
  assert.equal(units(stats.treasury) + units(stats.with_staff) + units(stats.in_clients), 100_000_000n);
  // The rate: 3.00 redeemed of 12.50 issued in the last 30 days is 24 %.
  assert.deepEqual([stats.issued, stats.redeemed], ['12.50', '3.00']);
  assert.equal(await page.getByTestId('fig-rate').getAttribute('data-value'), '0.240');
  assert.equal(await page.getByTestId('fig-rate').textContent(), await page.evaluate(() => new Intl.NumberFormat('ru', { style: 'percent', maximumFractionDigits: 1 }).format('0.24')));

  // The chart: two bars for each of the 30 days, each with its day's amounts
  // from venue.series; the story's three days are the ones with bars to see.
  const chart = page.getByTestId('chart');
  assert.equal(await chart.getAttribute('data-buckets'), '30');
  assert.equal(await chart.getByTestId('bar').count(), 60);
  const p30days = await rpc('venue.series', { ticker: story_ticker, ...rangeParams('30', Date.now()).chart });
  const bars = await chart.getByTestId('bar').evaluateAll((els) => els.map((e) => [e.dataset.start, e.dataset.series, e.dataset.amount, Number(e.getAttribute('height'))]));
  assert.deepEqual(bars.map(([start, series, amount]) => [start, series, amount]), p30days.rows.flatMap((r) => [[String(r.start_ms), 'issued', r.issued], [String(r.start_ms), 'redeemed', r.redeemed]]));
  assert.ok(bars.every(([, , amount, height]) => (amount === '0.00') === (height === 0)), 'a bar shows exactly when its amount is not zero');
  assert.equal(bars.filter(([, , , height]) => height > 0).length, 4); // issued 8 and 2 days ago, redeemed 8 days ago and today
  assert.equal(new Set(bars.filter(([, , , h]) => h > 0).map(([start]) => start)).size, 3);
  // The same figures as a table, for a screen reader or a person who wants numbers: one row a day, newest first.
  await page.getByText('Те же цифры таблицей').click();
  const table = page.getByTestId('chart-table');
  await table.waitFor();
  assert.equal(await table.locator('tbody tr').count(), 30);
  const newest = p30days.rows.at(-1);
  assert.deepEqual(await table.locator('tbody tr').first().locator('td').allTextContents(), [await shownAs(page, newest.issued), await shownAs(page, newest.redeemed)]);

  // Clients per week and top rewards: the node's venue.series for the same weeks and days, newest week first.
  const p30 = rangeParams('30', Date.now());
  const weeks = await rpc('venue.series', { ticker: story_ticker, ...p30.weeks });
  const rows = page.getByTestId('week');
  assert.equal(await rows.count(), weeks.rows.length);
  for (const [i, r] of [...weeks.rows].reverse().entries())
    for (const [cell, key] of [['week-active', 'active_clients'], ['week-new', 'new_clients'], ['week-returning', 'returning_clients']])
      assert.equal(await rows.nth(i).getByTestId(cell).getAttribute('data-value'), String(r[key]), `week ${r.start_ms} ${key}`);
  // The client first seen eight days ago came back this week.
  assert.ok(Number(await rows.first().getByTestId('week-returning').getAttribute('data-value')) >= 1);
  const days = await rpc('venue.series', { ticker: story_ticker, ...p30.chart });
  assert.deepEqual(await page.getByTestId('product').locator('th').allTextContents(), days.products.map((x) => x.name));
  assert.deepEqual(days.products.map((x) => x.name).sort(), ['coffee', 'donut']);
  await check(page, 'dashboard-360-ru-30');
  // A big venue's dashboard costs its days, never its history: no venue.history call was made.
  const asked = new Set(rpc_methods.get(page));
  assert.ok(asked.has('venue.stats') && asked.has('venue.series') && asked.has('venue.get'), [...asked].join());
  assert.ok(!asked.has('venue.history') && !asked.has('account.history'), [...asked].join());

  for (const choice of ['7', '90', 'all']) {
    await page.getByTestId(`range-${choice}`).click();
    await waitForRange(page, choice);
    assert.equal(await page.getByTestId(`range-${choice}`).getAttribute('aria-pressed'), 'true');
    const s = await cliStats(choice);
    await assertFigures(page, s);
    // The last 7 days leave out the first day: 9.50 issued, 1.00 redeemed, 10.5 % (1/9.5 = 0.10526…, rounded once).
    if (choice === '7') {
      assert.deepEqual([s.issued, s.redeemed], ['9.50', '1.00']);
      assert.equal(await page.getByTestId('fig-rate').getAttribute('data-value'), '0.105');
    }
    if (choice !== 'all') assert.equal(await page.getByTestId('bar').count(), 2 * Number(choice));
    else assert.equal(await page.getByTestId('chart').getAttribute('data-bucket'), 'week');
    await check(page, `dashboard-360-ru-${choice}`);
  }
  await context.close();
});

test('a ticker the node does not know is said so, in both languages', { skip }, async () => {
  const context = await phoneContext(browser, { locale: 'ru-RU' });
  const page = await openViews(context, 'NOSUCH');
  const alert = page.getByTestId('unknown-venue');
  await alert.waitFor();
  assert.equal(await alert.textContent(), 'На этом узле нет монеты NOSUCH. Проверьте тикер в адресе страницы (#view=ТИКЕР) — или заведение открыто на другом узле.');
  await check(page, 'unknown-360-ru');
  await page.getByTestId('language').click();
  await page.getByText('This node has no coin NOSUCH. Check the ticker in the page address (#view=TICKER), or the venue may be on another node.').waitFor();
  await context.close();
});

test('the dashboard at 1280 px, in English', { skip }, async () => {
  const context = await browser.newContext({ viewport: desktop_viewport, locale: 'en-GB' });
  const page = await openViews(context);
  await waitForRange(page, '30');
  assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'U Volodi · VOLODYA');
  await assertFigures(page, await cliStats('30'));
  await page.getByRole('heading', { name: 'Issued and spent per day' }).waitFor();
  await check(page, 'dashboard-1280-en');
  await context.close();
});

test('the owner\'s own venue page (#venue=) embeds the same figures at 360 and 1280 px; the home without a key offers to launch or import', { skip }, async () => {
  const stats = await cliStats('30');
  for (const [viewport, locale, name, heading] of [[null, 'ru-RU', 'venue-360-ru', '«U Volodi» · VOLODYA'], [desktop_viewport, 'en-GB', 'venue-1280-en', 'U Volodi · VOLODYA']]) {
    const context = viewport ? await browser.newContext({ viewport, locale }) : await phoneContext(browser, { locale });
    const page = await openViews(context, story_ticker, `#venue=${story_ticker}`);
    await page.getByTestId('owner-venue').waitFor();
    await waitForRange(page, '30');
    await page.getByRole('heading', { level: 1, name: heading }).waitFor();
    assert.equal(await page.getByRole('heading', { level: 1 }).count(), 1, 'one heading: the venue page names the venue, the views do not');
    await assertFigures(page, stats);
    await check(page, name);
    await context.close();
  }
  const context = await phoneContext(browser, { locale: 'en-GB' });
  const page = await openViews(context, story_ticker, '');
  await page.getByTestId('owner-home').waitFor();
  await page.getByText('This browser holds no owner key yet.', { exact: false }).waitFor();
  assert.equal(await page.getByTestId('launch').getAttribute('href'), '#new');
  assert.equal(await page.getByTestId('import').getAttribute('href'), '#import');
  await check(page, 'home-360-en');
  await context.close();
});

test('the history: every entry, filters by staff, kind, client and dates, and what a filter cannot use', { skip }, async () => {
  const context = await phoneContext(browser, { locale: 'en-GB' });
  const page = await openViews(context);
  await page.getByTestId('tab-history').click();
  const history = page.locator('[data-testid="history"][aria-busy="false"]');
  await history.waitFor();
  const all = JSON.parse(await world.cli('history', story_ticker, '--json')).entries;
  const shown = () => history.getByTestId('history-entry');
  // The list a person would see once it settles on `ids` (newest first); a timeout names what it held.
  const showsExactly = async (ids) => {
    try {
      await page.waitForFunction(
        (want) => {
          const h = document.querySelector('[data-testid="history"]');
          const got = [...h.querySelectorAll('[data-testid="history-entry"]')].map((e) => e.dataset.id).join();
          return h.getAttribute('aria-busy') === 'false' && got === want;
        },
        ids.join(),
        { timeout: 10_000 },
      );
    } catch {
      assert.deepEqual(await shown().evaluateAll((els) => els.map((e) => e.dataset.id)), ids);
    }
  };
  await showsExactly(all.map((e) => e.id));
  await check(page, 'history-360-en');

  const apply = () => page.getByTestId('filter-apply').click();
  await page.getByTestId('filter-staff').selectOption(people.masha);
  await apply();
  const byMasha = all.filter((e) => e.tx.signer === people.masha).map((e) => e.id);
  assert.ok(byMasha.length >= 3);
  await showsExactly(byMasha);

  await page.getByTestId('filter-kind').selectOption('redeem');
  await apply();
  const redeemedByMasha = all.filter((e) => e.tx.signer === people.masha && e.tx.kind === 'redeem').map((e) => e.id);
  await showsExactly(redeemedByMasha);
  assert.equal(redeemedByMasha.length, 1);
  await check(page, 'history-360-en-filtered');

  await page.getByTestId('filter-reset').click();
  await showsExactly(all.map((e) => e.id));
  // Petya is staff no longer: the history read so far offers him still.
  await page.getByTestId('filter-staff').selectOption(people.petya);
  await apply();
  const byPetya = all.filter((e) => e.tx.signer === people.petya).map((e) => e.id);
  assert.deepEqual(all.filter((e) => e.tx.signer === people.petya).map((e) => e.tx.kind).sort(), ['redeem', 'transfer']);
  await showsExactly(byPetya);
  await page.getByTestId('filter-staff').selectOption('');

  const client = all.find((e) => e.tx.kind === 'redeem').tx.voucher.client;
  await page.getByTestId('filter-client').fill(client);
  await apply();
  const ofClient = all.filter((e) => e.tx.from === client || e.tx.to === client || e.tx.voucher?.client === client).map((e) => e.id);
  await showsExactly(ofClient);
  assert.ok(ofClient.length >= 5);

  // A phone number is not in the chain, so the filter cannot use one: the page says what to paste instead.
  await page.getByTestId('filter-client').fill('+7 900 000-00-01');
  await page.getByTestId('filter-apply').click();
  await page.getByText('This is not a client address. Paste kop1… or phone:…').waitFor();
  await page.getByTestId('filter-client').fill('');
  // Tomorrow on: nothing yet. Reversed dates: said so, nothing asked.
  const tomorrow = ymd(Date.now() + 86_400_000);
  await page.getByTestId('filter-from').fill(tomorrow);
  await apply();
  await showsExactly([]);
  assert.equal(await history.getByTestId('history-empty').textContent(), 'Nothing matches the filters.');
  await page.getByTestId('filter-to').fill(ymd(Date.now()));
  await page.getByTestId('filter-apply').click();
  await page.getByText('The "from" date is after the "to" date. Swap them.').waitFor();
  await check(page, 'history-360-en-refused');
  await context.close();
});

test('the CSV the page downloads equals `kopilka export`', { skip }, async () => {
  const context = await phoneContext(browser, { locale: 'ru-RU' });
  const page = await openViews(context);
  await page.getByTestId('tab-history').click();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-start').click()]);
  assert.equal(download.suggestedFilename(), `${story_ticker}-export.csv`);
  const csv = readFileSync(await download.path(), 'utf8');
  assert.equal(csv, await world.cli('export', story_ticker, '--csv', '-'));
  const done = page.getByTestId('export-done');
  await done.waitFor();
  const lines = csv.split('\r\n').length - 2;
  assert.match(await done.textContent(), new RegExp(`^Готово: ${lines} строк?и? в файле ${story_ticker}-export\\.csv\\.$`));
  await check(page, 'history-360-ru-exported');
  await context.close();
});

test('a venue with purchases under a bonus programme exports nothing and names `kopilka export`, at 360 px in Russian and English', { skip }, async () => {
  // A second venue on the same node: a programme in force (the node's clock
  // runs days behind, so its time decides) and one purchase the owner records.
  const ticker = 'KOFE';
  const { cli } = world;
  await cli('--as', 'owner', 'venue', 'create', ticker, '--name', 'Kofe');
  const { time_ms } = await rpc('node.info', {});
  const effective = new Date(time_ms + 3000).toISOString().replace(/\.\d+Z$/, 'Z');
  const file = join(mkdtempSync(join(tmpdir(), 'kopilka-programme-')), 'programme.toml');
  writeFileSync(file, `zone = "Europe/Moscow"\neffective_from = ${effective}\n[[tiers]]\nname = "Base"\npay_share = "30%"\n` +
    '[[rules]]\nid = 1\nname = "five percent"\npercent = "5%"\n');
  await cli('--as', 'owner', 'programme', 'set', ticker, file);
  while ((await rpc('node.info', {})).time_ms <= time_ms + 4000) await new Promise((r) => setTimeout(r, 200));
  await cli('--as', 'owner', 'purchase', ticker, '+7 900 000-00-01', 'coffee=300');
  // The client's account, as the history shows it: shortened.
  const client = shortAccount((await rpc('venue.history', { ticker, kind: 'purchase' })).entries[0].tx.client);

  for (const [locale, name, purchase, text] of [
    ['ru-RU', 'export-programme-360-ru', `Покупка${client}: чек на 300`, `В истории есть покупки по бонусной программе: их начисления, оплаты и подарки, а также сгорание бонусов считает сам реестр, и эта страница их пока не повторяет. Файл не сохранён: выгрузите движения командой «kopilka export ${ticker} --csv ФАЙЛ» — она проверяет каждый блок.`],
    ['en-GB', 'export-programme-360-en', `Purchase${client}: receipt of 300`, `The history holds purchases under a bonus programme: the ledger itself computes their accruals, payments and gifts, and the bonuses that expire, and this page does not replay them yet. No file was saved: export the movements with "kopilka export ${ticker} --csv FILE", which verifies every block.`],
  ]) {
    const context = await phoneContext(browser, { locale });
    const page = await openViews(context, ticker);
    let downloaded = false;
    page.on('download', () => { downloaded = true; });
    await page.getByTestId('tab-history').click();
    // The history names the programme's kinds and what a purchase was.
    const bought = page.locator('[data-testid="history-entry"][data-kind="purchase"]');
    await bought.waitFor();
    const shown = await bought.textContent();
    assert.ok(shown.startsWith(purchase), shown);
    assert.equal(await page.locator('[data-testid="history-entry"][data-kind="programme_set"]').count(), 1);
    await page.getByTestId('export-start').click();
    const alert = page.getByTestId('export-programme');
    await alert.waitFor();
    assert.equal(await alert.textContent(), text);
    assert.equal(await page.getByTestId('export').getAttribute('data-status'), 'programme');
    assert.equal(downloaded, false, 'no partial file');
    await check(page, name);
    await context.close();
  }
});
