// How long a client on a cheap phone waits for the cabinet to show the
// balance, opened from the SMS link: Debian's Chromium with 4× CPU throttling
// and the slow-4G profile Lighthouse applies with DevTools throttling
// (562.5 ms round trip, 1,474.56 kbit/s down, 675 kbit/s up), against a real
// kopilkad with the demo venue played onto it by scripts/story.sh. Measured,
// not asserted (docs/performance.md):
//
//     node bench/cabinet_load.mjs [--runs N] [--build DIR]
//
// Each run is a fresh browser context (an empty cache: the first visit from
// the SMS); "again" reloads the same page in that context (hashed assets come
// from the cache). The time is from the navigation's start to the first frame
// after the balance is in the page. Prints one line per run and the median.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values: opts } = parseArgs({
  options: { runs: { type: 'string', default: '5' }, build: { type: 'string', default: join(root, 'build') } },
});
const runs = Number.parseInt(opts.runs, 10);
if (!(runs >= 1)) throw new Error('--runs must be a positive integer');
process.env.KOPILKA_NODE_BIN ??= join(opts.build, 'node', 'kopilkad');
const cli_bin = join(opts.build, 'wallet-cli', 'kopilka');

// Imported after KOPILKA_NODE_BIN is set: the module reads it once.
const { initDataDir, runNode } = await import('../web/test/kopilkad.js');
const { launch, phoneContext } = await import('../web/test/browser/chromium.js');

const cpu_slowdown_factor = 4;
const slow_4g = {
  offline: false,
  latency: 562.5, // ms
  downloadThroughput: (1474.56 * 1000) / 8, // bytes/s
  uploadThroughput: (675 * 1000) / 8, // bytes/s
};
const balance_wait_ms_max = 60_000;

const dir = mkdtempSync(join(tmpdir(), 'kopilka-cabinet-bench-'));
const datadir = join(dir, 'node');
initDataDir(datadir, 'kopilka-bench');
const node = await runNode(datadir);
const browser = await launch();
try {
  const host = new URL(node.url).host;
  execFileSync('bash', [join(root, 'scripts', 'story.sh'), host, '--cookie', join(datadir, '.cookie')], {
    env: { ...process.env, KOPILKA_BIN: cli_bin, KOPILKA_WALLET_DIR: join(dir, 'wallet') },
    stdio: 'ignore',
  });
  const link = execFileSync(cli_bin, ['--node', host, 'admin', 'outbox', '--cookie', join(datadir, '.cookie'),
    '--phone', '+7 900 000-00-02', '--link'], { encoding: 'utf8' }).trim();
  console.log(`cabinet ${link}`);
  console.log(`Chromium ${browser.version()}, CPU ${cpu_slowdown_factor}× slower, slow 4G (${slow_4g.latency} ms RTT, ` +
    `${(slow_4g.downloadThroughput * 8) / 1000} kbit/s down)`);

  const first = [], again = [];
  for (let i = 0; i < runs; ++i) {
    const context = await phoneContext(browser);
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', slow_4g);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: cpu_slowdown_factor });
    let bytes = 0;
    cdp.on('Network.loadingFinished', (e) => { bytes += e.encodedDataLength; });

    // Timed inside the page, from the navigation's start to the first frame
    // after the balance entered the DOM: Playwright's own waiting polls at up
    // to 500 ms intervals in a throttled page, which would be measured too.
    await context.addInitScript(() => {
      new MutationObserver((_, observer) => {
        if (!document.querySelector('[data-testid=balance]')) return;
        observer.disconnect();
        requestAnimationFrame(() => { window.__kopilkaBalanceMs = performance.now(); });
      }).observe(document, { subtree: true, childList: true });
    });
    const timeToBalance = async (navigate) => {
      await navigate();
      await page.waitForFunction(() => window.__kopilkaBalanceMs !== undefined, null, { timeout: balance_wait_ms_max });
      return page.evaluate(() => window.__kopilkaBalanceMs);
    };
    const t1 = await timeToBalance(() => page.goto(link, { waitUntil: 'commit' }));
    const firstBytes = bytes;
    const t2 = await timeToBalance(() => page.reload({ waitUntil: 'commit' }));
    first.push(t1);
    again.push(t2);
    console.log(`run ${i + 1}: first visit ${t1.toFixed(0)} ms (${firstBytes} bytes on the wire), again ${t2.toFixed(0)} ms`);
    await context.close();
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(`median: first visit ${median(first).toFixed(0)} ms, again ${median(again).toFixed(0)} ms (target ≤ 3000 ms)`);
} finally {
  await browser.close();
  await node.stop();
  rmSync(dir, { recursive: true, force: true });
}
