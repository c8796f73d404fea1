// What the staff till's browser tests share: the owner's side of an invite
// played with web/lib and the CLI (invite.open signed by the owner's key from
// the CLI's keystore, then `kopilka staff add` with the acceptance the page
// left), vouchers the client's key signs with web/lib (for the refusals the
// CLI would not sign), a voucher's QR as a y4m video for Chromium's fake
// camera, and one check per screen at 360 and 1280 px.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fromHex, toBase64url } from '../../lib/bytes.js';
import { inviteLink, newInvite, signInviteOpen } from '../../lib/invite.js';
import { randomNonce } from '../../lib/keys.js';
import { encodeVoucherQr, signVoucher } from '../../lib/voucher.js';
import { horizontalOverflow, screenshot } from './chromium.js';
import { axeViolations, smallTapTargets, tap_target_px_min } from './cabinet-harness.js';

const run = promisify(execFile);
export const screenshot_group = 'staff';
export const desktop_viewport = { width: 1280, height: 900 };
// How long the owner's invite stays open in the tests: an hour of the node's clock.
const invite_life_s = 3_600;

/** A JSON-RPC call to the world's node; resolves to the result or throws the error object. */
export async function rpc(world, method, params = {}) {
  const response = await fetch(`${world.url}/rpc`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  const answer = await response.json();
  if (answer.error) throw Object.assign(new Error(`${method}: ${answer.error.message}`), answer.error);
  return answer.result;
}

/** A wallet key's seed (32 bytes) from the CLI's keystore, as `kopilka key export NAME --seed` prints it. */
export async function seedOf(world, name) {
  return fromHex((await world.cli('key', 'export', name, '--seed')).trim(), 32);
}

/** The owner opens an invite to `ticker` on the node: `{ link, id }`. */
export async function openInvite(world, ownerSeed, ticker) {
  const info = await rpc(world, 'node.info');
  const { secret, id } = newInvite();
  const params = signInviteOpen({ chainId: fromHex(info.chain_id, 32), ticker, id, expiry_s: Math.floor(info.time_ms / 1000) + invite_life_s, seed: ownerSeed });
  await rpc(world, 'invite.open', params);
  return { link: inviteLink(world.url, secret, ticker), id, secretText: toBase64url(secret) };
}

/** Waits (as the owner's page would poll) until the invite holds an acceptance; resolves to invite.get's answer. */
export async function acceptedInvite(world, id, { timeoutMs = 20_000 } = {}) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const invite = await rpc(world, 'invite.get', { id });
    if (invite.state === 'accepted') return invite;
    assert.ok(Date.now() < until, `invite ${id} is still ${invite.state}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A voucher's QR text signed by the client's key with web/lib: any fields, past expiries and wrong prices included. */
export async function signedVoucherText(world, clientSeed, { phoneRef, product_id, price, expiry_s }) {
  const info = await rpc(world, 'node.info');
  const voucher = signVoucher(
    { ticker: 'VOLODYA', product_id, price, client: { kind: 'phone', bytes: fromHex(phoneRef, 32) }, nonce: randomNonce(), expiry_s },
    clientSeed,
    fromHex(info.chain_id, 32),
  );
  return encodeVoucherQr(voucher);
}

/** A PNG of a QR code as one frame of y4m video (640×480, white around it) for --use-file-for-fake-video-capture. */
export async function qrVideo(png, dir) {
  const out = join(dir, 'camera.y4m');
  await run('ffmpeg', ['-loglevel', 'error', '-y', '-loop', '1', '-i', png, '-vf', 'scale=400:400:flags=neighbor,pad=640:480:(ow-iw)/2:(oh-ih)/2:white,format=yuv420p', '-frames:v', '1', out]);
  return out;
}

/**
 * A page whose script errors and console errors (a CSP violation is one)
 * check() reports, and whose requests are recorded: `requests` (URL,
 * method, body) in order.
 */
export async function openTill(context, url) {
  const page = await context.newPage();
  page.problems = [];
  page.requests = [];
  page.on('pageerror', (e) => page.problems.push(`script error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.location().url.endsWith('/favicon.ico') && !page.expectErrors) page.problems.push(`console: ${m.text()}`);
  });
  page.on('request', (r) => page.requests.push({ url: r.url(), method: r.method(), body: r.postData() ?? '' }));
  if (url) await page.goto(url);
  return page;
}

/** One screen as a person meets it, at 360 px and again at 1280 px: screenshots, no sideways scroll, 48 px targets, axe clean, a quiet console. */
export async function check(page, name) {
  const phone = page.viewportSize();
  for (const [viewport, suffix] of [[phone, '360'], [desktop_viewport, '1280']]) {
    await page.setViewportSize(viewport);
    await screenshot(page, screenshot_group, `${name}-${suffix}`);
    assert.deepEqual(await smallTapTargets(page), [], `${name} at ${suffix}: tap targets under ${tap_target_px_min} px`);
    assert.equal(await horizontalOverflow(page), false, `${name} at ${suffix}: the page scrolls sideways`);
    assert.deepEqual(await axeViolations(page), [], `${name} at ${suffix}: axe-core`);
  }
  await page.setViewportSize(phone);
  assert.deepEqual(page.problems, [], `${name}: script or console errors`);
}
