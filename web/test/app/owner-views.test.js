// The owner's dashboard and export, in node: the CSV the page builds from
// venue.history equals `kopilka export`'s byte for byte, and the dashboard's
// figures equal `kopilka stats --json`'s for every range the picker offers,
// both on a real node whose story the real CLI played (owner-story.js).
// Then the pure parts: CSV cells as the CLI writes them, the redemption
// rate's one rounding, the UTC ranges, the chart's bars, the filters.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { RpcError, rpcClient } from '../../lib/rpc.js';
import { csvLine, displayText, utcTimeText } from '../../app/owner/csv.js';
import { exportVenueCsv } from '../../app/owner/export.js';
import { chartBars, day_ms, loadFigures, range_choices, rangeParams, redemptionRate, trimLeadingEmpty, week_ms, weekStart } from '../../app/owner/figures.js';
import { collectPage, matchesFilters, nodeFilters, rateLimitWaitMs, wholeHistory } from '../../app/owner/history-source.js';
import { filtersOfForm, venue_history_kinds } from '../../app/owner/history.js';
import { messages as viewMessages } from '../../app/owner/messages-views.js';
import { makeTranslator } from '../../app/i18n-core.js';
import { ProgrammeMovementsError, movementRows } from '../../app/owner/movements.js';
import { skip } from '../browser/cabinet-harness.js';
import { runNode } from '../kopilkad.js';
import { storyWorld, story_days_ago, story_ticker } from './owner-story.js';

const ymd = (ms) => new Date(ms).toISOString().slice(0, 10);

describe('on a real node with the story played by the CLI', { skip }, () => {
  let world;
  let client;
  let people;
  let today;
  before(async () => {
    ({ world, people, today_ms: today } = await storyWorld('owner-views'));
    client = rpcClient(world.url);
  });
  after(() => world?.stop());

  test("the page's CSV equals `kopilka export --csv -` byte for byte", async () => {
    const cli = await world.cli('export', story_ticker, '--csv', '-');
    const progress = [];
    const page = await exportVenueCsv(client, story_ticker, { onProgress: (p) => progress.push(p) });
    assert.equal(page.csv, cli);
    // Every kind of movement is in the story, so each classification was met.
    const kinds = new Set(page.csv.split('\r\n').slice(1, -1).map((line) => line.split(',')[6]));
    assert.deepEqual([...kinds].sort(), ['allowance', 'bonus', 'gift', 'mint', 'redemption', 'return']);
    assert.ok(progress.length >= 1 && progress.at(-1).entries > 10, 'progress was reported');
    // The formula, the comma and quotes, the leading minus came through escaped as the CLI escapes them.
    assert.match(page.csv, /,'=1\+1\r\n/);
    assert.match(page.csv, /,"welcome, ""friend"""\r\n/);
    assert.match(page.csv, /,'-5 off\r\n/);
    assert.match(page.csv, /,'@you\r\n/);
    // Read in pages of 4, the replay crosses page boundaries and still writes the same file.
    const small = [];
    assert.equal((await exportVenueCsv(client, story_ticker, { pageEntries: 4, onProgress: (p) => small.push(p) })).csv, cli);
    assert.ok(small.length >= 4, 'several pages');
    assert.ok(small.every((p, i) => i === 0 || (p.entries > small[i - 1].entries && p.height <= small[i - 1].height)), 'progress counts down the chain');
  });

  test('the export reads the history page by page, oldest first, whatever the page size', async () => {
    const whole = await wholeHistory(client, story_ticker);
    const small = [];
    let cursor = '';
    do {
      const p = await client.call('venue.history', { ticker: story_ticker, limit: 3, ...(cursor ? { cursor } : {}) });
      small.push(...p.entries);
      cursor = p.next_cursor;
    } while (cursor);
    assert.deepEqual(whole.map((e) => e.id), small.reverse().map((e) => e.id));
    assert.equal(whole[0].tx.kind, 'venue_create');
    // The removal's return is the allowance petya still held: 300 less the 4.50 he gave.
    const back = movementRows(whole, story_ticker).find((r) => r.tx_kind === 'staff_remove');
    assert.equal(back.units, 29_550n);
    assert.equal(back.from, people.petya);
  });

  for (const choice of range_choices)
    test(`the dashboard's figures for "${choice}" equal \`kopilka stats --json\`'s`, async () => {
      const now = Date.now();
      const f = await loadFigures(client, story_ticker, choice, now);
      const p = rangeParams(choice, now);
      const args = choice === 'all' ? [] : ['--from', ymd(p.stats.from_ms), '--to', ymd(p.stats.to_ms)];
      const cli = JSON.parse(await world.cli('--as', 'owner', 'stats', story_ticker, ...args, '--json'));
      assert.deepEqual(f.stats, cli);
      // The donut eight days ago is outside the last 7 days; the coffee today is in every range.
      const redeemed = choice === '7' ? ['coffee'] : ['coffee', 'donut'];
      assert.equal(cli.redemptions, redeemed.length);
      // The chart's days add up to the stats of the same days (the node's own promise, checked where the page relies on it).
      if (choice !== 'all') {
        assert.equal(f.chart.rows.length, Number(choice));
        const sum = (k) => f.chart.rows.reduce((s, r) => s + BigInt(r[k].replace('.', '')), 0n);
        assert.equal(sum('issued'), BigInt(cli.issued.replace('.', '')));
        assert.equal(sum('redeemed'), BigInt(cli.redeemed.replace('.', '')));
      }
      assert.deepEqual(f.products.map((x) => [x.name, x.redemptions]).sort(), redeemed.map((n) => [n, 1]));
      // The client first seen last week came back this week.
      const thisWeek = f.weeks.rows.at(-1);
      assert.equal(thisWeek.start_ms, weekStart(now));
      assert.ok(thisWeek.returning_clients >= 1, JSON.stringify(thisWeek));
      if (choice !== '7') {
        const days = f.chart.rows.filter((r) => r.issues > 0 || r.redemptions > 0).map((r) => (today - r.start_ms) / day_ms);
        if (choice === 'all') assert.equal(f.chart.bucket, 'week');
        else assert.deepEqual(days, [...story_days_ago, 0]);
      }
    });

  test('the history filters keep exactly the entries that match, page by page', async () => {
    const all = await wholeHistory(client, story_ticker);
    const cases = [
      { staff: people.masha },
      { kind: 'redeem' },
      { kind: 'transfer', staff: people.petya },
      { client: all.find((e) => e.tx.kind === 'redeem').tx.voucher.client },
      { from_ms: Date.now() + day_ms },
    ];
    for (const filters of cases) {
      const page = await collectPage(client, story_ticker, { want: 1000, filters });
      const expected = all.filter((e) => matchesFilters(e, filters)).reverse();
      assert.deepEqual(page.entries.map((e) => e.id), expected.map((e) => e.id), JSON.stringify(filters));
      assert.equal(page.next_cursor, '');
    }
    assert.equal((await collectPage(client, story_ticker, { want: 1000, filters: { kind: 'redeem' } })).entries.length, 2);
    // The first filtered call found out whether this node filters itself; either way the entries above are the same.
    assert.equal(typeof nodeFilters(client), 'boolean');
    console.log(`venue.history filters on the node: ${nodeFilters(client)}`);
    // "Show more": pages of 5 follow the cursor to the same entries, newest first.
    const shown = [];
    let cursor = '';
    do {
      const page = await collectPage(client, story_ticker, { cursor, want: 5 });
      assert.ok(page.entries.length <= 5 && (page.entries.length === 5 || page.next_cursor === ''));
      shown.push(...page.entries);
      cursor = page.next_cursor;
    } while (cursor);
    assert.deepEqual(shown.map((e) => e.id), [...all].reverse().map((e) => e.id));
    assert.equal((await collectPage(client, story_ticker, { want: 1000, filters: { from_ms: Date.now() + day_ms } })).entries.length, 0);
  });

  test('an export the node rate-limits waits as told, page by page, and still equals `kopilka export`', async () => {
    const cli = await world.cli('export', story_ticker, '--csv', '-');
    // Last, as it leaves the node so: the same chain served with room for 3 requests a second, in bursts of 3.
    await world.node.stop();
    world.node = await runNode(world.datadir, { port: world.node.port, args: ['--requests-per-second-max', '3', '--requests-burst-max', '3'] });
    const limited = [];
    // The real client, noting each refusal on the way.
    const counting = {
      call: (method, params) =>
        client.call(method, params).catch((e) => {
          if (rateLimitWaitMs(e) !== null) limited.push(e.message);
          throw e;
        }),
    };
    const page = await exportVenueCsv(counting, story_ticker, { pageEntries: 2 });
    assert.equal(page.csv, cli);
    assert.ok(limited.length >= 1, 'the node did rate-limit the export');
    assert.match(limited[0], /retry in [0-9]+ ms/);
  });
});

test("a rate-limited page waits what the node's answer says", () => {
  assert.equal(rateLimitWaitMs(new RpcError('venue.history', 2003, 'venue.history: too many requests from this address; retry in 250 ms')), 250);
  assert.equal(rateLimitWaitMs(new RpcError('venue.history', 2003, 'venue.history: the node is busy with other reads (64 requests waiting); retry in a moment')), 1000);
  assert.equal(rateLimitWaitMs(new RpcError('venue.history', 2001, 'not found')), null);
  assert.equal(rateLimitWaitMs(new Error('x')), null);
});

test('a history with a purchase under a bonus programme is not exported as if it had none', () => {
  const treasury = 'kop1treasury', staff = 'kop1staff', client = 'kop1client';
  const entry = (height, tx) => ({ height, index: 0, time_ms: height * 1000, id: String(height).padStart(64, '0'), tx: { ticker: 'VOLODYA', ...tx } });
  const before = [
    entry(1, { kind: 'venue_create', signer: treasury }),
    entry(2, { kind: 'transfer', from: treasury, to: client, amount: '5.00', memo: '' }),
    entry(3, { kind: 'programme_set' }),
    entry(4, { kind: 'card_bind' }),
  ];
  // Kinds that move no coins change nothing.
  assert.deepEqual(movementRows(before, 'VOLODYA').map((r) => r.movement), ['mint', 'bonus']);
  for (const kind of ['purchase', 'purchase_return']) {
    assert.throws(() => movementRows([...before, entry(5, { kind, signer: staff })], 'VOLODYA'),
      (e) => e instanceof ProgrammeMovementsError && e.kind === kind && /kopilka export/.test(e.message));
  }
});

describe('CSV cells as wallet-cli/format.cpp csv_line writes them', () => {
  test('quotes, commas and line breaks are quoted; a leading = + - @ gets a quote mark', () => {
    assert.equal(csvLine(['a', 'b,c', 'say "hi"', '']), 'a,"b,c","say ""hi""",\r\n');
    assert.equal(csvLine(['=SUM(A1)', '+1', '-2', '@x', 'a=b']), "'=SUM(A1),'+1,'-2,'@x,a=b\r\n");
    assert.equal(csvLine(['-a,b']), `"'-a,b"\r\n`);
  });
  test('control and hidden characters are shown escaped, as the CLI shows them', () => {
    assert.equal(displayText('a\nb\u202Ec\u{1F600}'), 'a\\u{000A}b\\u{202E}c\u{1F600}');
    assert.equal(csvLine(['x\ty']), 'x\\u{0009}y\r\n');
    assert.equal(displayText('\u0085'), '\\u{0085}');
  });
  test('times are the UTC second, as strftime("%Y-%m-%d %H:%M:%S UTC")', () => {
    assert.equal(utcTimeText(0), '1970-01-01 00:00:00 UTC');
    assert.equal(utcTimeText(1796162157550), '2026-12-01 21:55:57 UTC'); // date -u -d @1796162157
  });
});

describe('the dashboard arithmetic', () => {
  test('the redemption rate is the exact ratio rounded half up once, to a tenth of a percent', () => {
    assert.equal(redemptionRate('3.00', '1.00'), '0.333');
    assert.equal(redemptionRate('3.00', '2.00'), '0.667');
    assert.equal(redemptionRate('8.00', '1.00'), '0.125');
    // 1/1600 = 0.000625: half up gives 0.001, a float's 0.000625*1000 rounding aside.
    assert.equal(redemptionRate('16.00', '0.01'), '0.001');
    assert.equal(redemptionRate('16.01', '0.01'), '0.001');
    assert.equal(redemptionRate('20.01', '0.01'), '0.000');
    assert.equal(redemptionRate('2.00', '5.00'), '2.500');
    assert.equal(redemptionRate('0.00', '1.00'), null);
    assert.equal(redemptionRate(184467440737095516n, 184467440737095515n), '1.000');
  });
  test('ranges are whole UTC days up to today; weeks start on Monday 00:00 UTC', () => {
    const now = Date.UTC(2026, 11, 2, 9, 53); // a Wednesday
    const p = rangeParams('7', now);
    assert.equal(p.stats.to_ms, Date.UTC(2026, 11, 3));
    assert.equal(p.stats.from_ms, Date.UTC(2026, 10, 26));
    assert.deepEqual(p.chart, { bucket: 'day', ...p.stats });
    assert.equal(p.weeks.from_ms, Date.UTC(2026, 10, 23)); // Monday
    assert.equal(p.weeks.to_ms, Date.UTC(2026, 11, 7)); // the Monday after this week
    assert.equal(new Date(weekStart(now)).getUTCDay(), 1);
    const all = rangeParams('all', now);
    assert.deepEqual(all.stats, {});
    assert.equal((all.chart.to_ms - all.chart.from_ms) / week_ms, 400);
    assert.equal(new Date(all.chart.from_ms).getUTCDay(), 1);
    assert.throws(() => rangeParams('8', now), RangeError);
  });
  test('all time shows the weeks from the first activity on, at least eight', () => {
    const row = (n) => ({ issues: n, redemptions: 0, new_clients: 0, active_clients: 0 });
    const rows = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 1].map(row);
    assert.equal(trimLeadingEmpty(rows).length, 8);
    assert.equal(trimLeadingEmpty(rows, 2).length, 3);
  });
  test('two bars per bucket, the tallest as high as the chart, nothing non-zero invisible', () => {
    const rows = [
      { start_ms: 0, issued: '10.00', redeemed: '0.00' },
      { start_ms: day_ms, issued: '0.01', redeemed: '5.00' },
      { start_ms: 2 * day_ms, issued: '0.00', redeemed: '0.00' },
    ];
    const { bars, buckets } = chartBars(rows, { width: 300, height: 100 });
    assert.equal(buckets, 3);
    assert.equal(bars.length, 6);
    assert.deepEqual(bars.map((b) => b.height), [100, 0, 1, 50, 0, 0]);
    assert.ok(bars.every((b) => b.y + b.height === 100 && b.x >= 0 && b.x + b.width <= 300));
  });
  test("the history form's filters: UTC days, the last one inclusive; a bad client or reversed dates say so", () => {
    const form = { staff: '', client: '', kind: 'redeem', from: '2026-12-01', to: '2026-12-02' };
    assert.deepEqual(filtersOfForm(form), { filters: { kind: 'redeem', from_ms: Date.UTC(2026, 11, 1), to_ms: Date.UTC(2026, 11, 3) } });
    assert.deepEqual(filtersOfForm({ ...form, from: '2026-12-03' }), { problems: { to: 'views.history.dates_bad' } });
    assert.deepEqual(filtersOfForm({ ...form, client: '+7 900 000-00-01' }), { problems: { client: 'views.history.client_bad' } });
    const phone = `phone:${'ab'.repeat(32)}`;
    assert.equal(filtersOfForm({ ...form, client: ` ${phone} ` }).filters.client, phone);
  });
});

describe("the views' texts", () => {
  const placeholders = (entry) =>
    [...new Set((typeof entry === 'string' ? [entry] : Object.values(entry)).flatMap((s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1])))].sort();
  test('Russian and English have the same keys, each with the same placeholders and the plural forms its rules pick', () => {
    assert.deepEqual(Object.keys(viewMessages.ru).sort(), Object.keys(viewMessages.en).sort());
    for (const [key, ru] of Object.entries(viewMessages.ru)) {
      const en = viewMessages.en[key];
      assert.ok(key.startsWith('views.'), `${key} is in the views' namespace`);
      assert.deepEqual(placeholders(ru), placeholders(en), key);
      assert.equal(typeof ru, typeof en, `${key}: plural in both or in neither`);
      if (typeof ru === 'object') {
        assert.deepEqual(Object.keys(ru).sort(), ['few', 'many', 'one', 'other'], key);
        assert.deepEqual(Object.keys(en).sort(), ['one', 'other'], key);
      }
    }
  });
  test('every kind the history can show and every role has its name', () => {
    for (const kind of venue_history_kinds) assert.ok(viewMessages.en[`views.kind.${kind}`], kind);
    for (const role of ['cashier', 'waiter', 'barista', 'manager']) assert.ok(viewMessages.ru[`views.role.${role}`], role);
    const { t } = makeTranslator(viewMessages, 'ru');
    assert.equal(t('views.export.progress', { count: 21, height: 5, top: 9 }), 'Прочитана 21 запись, до блока 5 из 9…');
    assert.equal(t('views.history.shown', { count: 5 }), 'Показано 5 записей');
  });
});
