// What the cabinet's browser tests share: a real kopilkad on a temporary
// data dir (one per test file), the real `kopilka` CLI for the owner and the
// staff (KOPILKA_CLI_BIN), the node's outbox (the SMS the node would send),
// zbar for reading a QR off a screenshot, and one check per screen: a
// screenshot, no sideways scroll at 360 px, no serious or critical axe-core
// violation.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { initDataDir, runNode, skip_without_node } from '../kopilkad.js';
import { horizontalOverflow, screenshot } from './chromium.js';

export const cli_bin = process.env.KOPILKA_CLI_BIN;
export const skip = skip_without_node || (!cli_bin && 'KOPILKA_CLI_BIN is not set (ctest sets it to the built kopilka)');
export const screenshot_group = 'cabinet';
const run = promisify(execFile);
const axe_source = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * A node for one test file: `{ dir, datadir, node, url, cli, address, stop }`;
 * `nodeArgs` adds flags to its run (`--push-contact mailto:…`).
 * `cli(...args)` runs kopilka against it in the file's own wallet dir and
 * resolves to its stdout; a failure rejects with the exit code and stderr.
 * `address(name)` is a wallet key's kop1… address.
 */
export async function startWorld(name, { initArgs = [], nodeArgs = [] } = {}) {
  const dir = mkdtempSync(join(tmpdir(), `kopilka-${name}-`));
  const datadir = join(dir, 'data');
  initDataDir(datadir, `kopilka-${name}`, initArgs);
  const world = { dir, datadir, node: await runNode(datadir, { args: nodeArgs }) };
  world.url = world.node.url;
  world.cli = async (...args) => {
    const env = { ...process.env, KOPILKA_NODE: new URL(world.url).host, KOPILKA_WALLET_DIR: join(dir, 'wallet'), KOPILKA_PASSPHRASE: 'cabinet test' };
    try {
      return (await run(cli_bin, args, { env })).stdout;
    } catch (e) {
      throw new Error(`kopilka ${args.join(' ')}: exit ${e.code}: ${e.stderr}`);
    }
  };
  world.address = async (key) => (await world.cli('key', 'address', key)).trim();
  world.stop = async () => {
    await world.node.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  return world;
}

/**
 * The worked example's venue: the owner creates VOLODYA with a full profile
 * and a catalogue (coffee 1, donut 2, cheesecake 3, and a cake for 10 that
 * stays out of reach), and hires the barista masha (her signed acceptance
 * first) with 500 to give.
 */
export async function openVolodya(world) {
  await world.cli('key', 'new', 'owner');
  await world.cli('key', 'new', 'masha');
  await world.cli('--as', 'owner', 'venue', 'create', 'VOLODYA', '--name', 'U Volodi', '--address', 'ul. Lenina 1',
    '--hours', 'Mo-Su 08:00-22:00', '--phone', '+7 495 000-00-00', '--link', 'https://example.org/u-volodi',
    '--geo', '55.7558,37.6173', '--logo-url', 'https://example.org/logo.png');
  for (const [id, name, price] of [[1, 'coffee', 1], [2, 'donut', 2], [3, 'cheesecake', 3], [4, 'cake', 10]])
    await world.cli('--as', 'owner', 'product', 'set', 'VOLODYA', String(id), name, String(price));
  const acceptance = (await world.cli('--as', 'masha', 'staff', 'accept', 'VOLODYA')).trim().split('\n').at(-1);
  await world.cli('--as', 'owner', 'staff', 'add', 'VOLODYA', acceptance, '--role', 'barista');
  await world.cli('--as', 'owner', 'fund', 'VOLODYA', await world.address('masha'), '500');
}

/** One JSON-RPC call to the world's node, as any client makes it; resolves to its result. */
export async function rpcCall(world, method, params = {}) {
  const response = await fetch(`${world.url}/rpc`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  const reply = await response.json();
  if (reply.error) throw new Error(`${method}: ${reply.error.code} ${reply.error.message}`);
  return reply.result;
}

/** The messages the node would have sent (its outbox), oldest first. */
export function outbox(world) {
  return readFileSync(join(world.datadir, 'private', 'outbox.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

/** The newest message to `e164` matching `pattern`. */
export function lastMessage(world, e164, pattern = /./) {
  const m = outbox(world).filter((x) => x.phone === e164 && pattern.test(x.text)).at(-1);
  assert.ok(m, `no message to ${e164} matching ${pattern} in the outbox`);
  return m;
}

/** The page's path from the newest SMS link to `e164`: /c/<ref>, on the node under test. */
export function linkPath(world, e164) {
  return new URL(lastMessage(world, e164).link).pathname;
}

/** The claim code in the newest claim message to `e164`. */
export function claimCode(world, e164) {
  return /code: ([0-9]+)/.exec(lastMessage(world, e164, /claim code/).text)[1];
}

/** The text of the QR in a PNG, read by zbar as a till's scanner would. */
export async function decodeQr(png) {
  const { stdout } = await run('zbarimg', ['--raw', '-q', png]);
  return stdout.trim();
}

/** axe-core's serious and critical violations on the page as it is now. */
export async function axeViolations(page) {
  // CDP evaluation is not subject to the page's CSP, so axe needs no inline script.
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(axe_source);
  const { violations } = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

// The smallest tap target a thumb hits reliably (WCAG 2.5.5, Material's 48 dp), CSS px.
export const tap_target_px_min = 48;

/** Visible links, buttons and fields smaller than tap_target_px_min in either direction. */
export async function smallTapTargets(page) {
  return page.evaluate((min) => {
    const small = [];
    for (const el of document.querySelectorAll('a[href], button, input, select, textarea')) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      if (r.width < min || r.height < min) small.push(`${el.tagName.toLowerCase()} "${el.textContent.trim().slice(0, 30)}" ${Math.round(r.width)}×${Math.round(r.height)}`);
    }
    return small;
  }, tap_target_px_min);
}

const console_problems = new WeakMap();

/**
 * A new page of `context` (at `url`, if given) whose script errors and
 * console errors — a CSP violation is one — checkScreen reports.
 */
export async function openPage(context, url) {
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`script error: ${e.message}`));
  page.on('console', (m) => {
    // The shell names no icon; the browser's own guess at one is not the page's error.
    if (m.type() !== 'error' || m.location().url.endsWith('/favicon.ico')) return;
    // Chromium's own words when a page subscribes to push in an incognito
    // profile (every Playwright context is one): the browser's, not the page's.
    if (m.text().startsWith('Chrome currently does not support the Push API in incognito mode')) return;
    problems.push(`console: ${m.text()}`);
  });
  console_problems.set(page, problems);
  if (url) await page.goto(url);
  return page;
}

/**
 * One screen checked as a person at 360 px would meet it: a screenshot, no
 * sideways scroll, tap targets of 48 px, axe clean, and (for openPage's
 * pages) a quiet console.
 */
export async function checkScreen(page, name) {
  const path = await screenshot(page, screenshot_group, name);
  assert.deepEqual(await smallTapTargets(page), [], `${name}: tap targets under ${tap_target_px_min} px`);
  assert.deepEqual(console_problems.get(page) ?? [], [], `${name}: script or console errors (a CSP violation is one)`);
  assert.equal(await horizontalOverflow(page), false, `${name}: the page scrolls sideways at 360 px`);
  assert.deepEqual(await axeViolations(page), [], `${name}: axe-core`);
  return path;
}

/** Claims `typed` in the page's claim form with the code from the outbox (sent to `e164`). */
export async function claimInPage(page, world, typed, e164) {
  await page.getByTestId('claim-phone').fill(typed);
  await page.getByTestId('claim-request').click();
  await page.getByTestId('claim-code').waitFor();
  await page.getByTestId('claim-code').fill(claimCode(world, e164));
  await page.getByTestId('claim-confirm').click();
}
