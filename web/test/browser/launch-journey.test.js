// The whole of issue 16 as the people in the brief live it, through the
// pages only, in Debian's Chromium against a real kopilkad: the owner runs
// the launch wizard on a desktop (profile, ticker, three rewards, a key made
// in the browser and its backup downloaded, the venue launched, two staff
// invites); two baristas join from their own browsers by the invite links;
// Masha sends 3 to a client's phone; the client opens the link from the SMS,
// claims the phone and shows a coffee QR; Petya's page reads that QR through
// the camera — Chromium's fake camera playing a video ffmpeg made from the
// client page's own screenshot — and redeems it; the client's page says so;
// the owner's dashboard shows the redemption with the figures of
// `kopilka stats`, and its CSV equals `kopilka export`.
//
// Petya's browser keeps its profile on disk: it joins before the QR exists,
// and is started again with the camera once the video is made (the fake
// camera's file is a launch switch).
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import { messages } from '../../app/owner/messages.js';
import { chromium_bin, launch, phoneContext, phone_viewport, screenshot_dir } from './chromium.js';
import { checkScreen, claimInPage, decodeQr, linkPath, openPage, skip, startWorld } from './cabinet-harness.js';
import { qrVideo } from './staff-harness.js';

const ticker = 'KOFEINYA';
const client_phone = '+79000000001';
// The CLI wallet's passphrase in the tests (cabinet-harness.js): the owner's
// backup is sealed under it, so `kopilka key import` opens it.
const passphrase = 'cabinet test';
const allowance = '200';
const desktop_viewport = { width: 1280, height: 900 };
const t = (key, params = {}) => messages.ru[key].replace(/\{(\w+)\}/g, (_, n) => String(params[n]));

let world;
let browser;
let petyaProfile;
let petya; // his persistent browser while it is open

before(async () => {
  if (skip) return;
  world = await startWorld('launch-journey');
  browser = await launch();
  petyaProfile = join(world.dir, 'petya-browser');
  mkdirSync(petyaProfile);
});

after(async () => {
  await petya?.close();
  await browser?.close();
  await world?.stop();
});

/** Petya's own browser, its profile (IndexedDB: his key) kept on disk between launches; `args` adds switches. */
function petyaBrowser(args = []) {
  return chromium.launchPersistentContext(petyaProfile, {
    executablePath: chromium_bin,
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage', ...args],
    viewport: phone_viewport,
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale: 'ru-RU',
    permissions: ['camera'],
  });
}

async function rpc(method, params = {}) {
  const response = await fetch(`${world.url}/rpc`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  const answer = await response.json();
  if (answer.error) throw new Error(`${method}: ${answer.error.code} ${answer.error.message}`);
  return answer.result;
}

test('the owner launches, two baristas join, one gives 3, the client shows a coffee QR, the other reads it by camera; the dashboard and the CSV agree with the CLI', { skip }, async () => {
  // The owner, at a desktop.
  const owner = await browser.newContext({ viewport: desktop_viewport, locale: 'ru-RU', acceptDownloads: true });
  const o = await openPage(owner, `${world.url}/o`);
  const started = Date.now();
  await o.getByTestId('launch').click();
  await o.getByTestId('step-profile').waitFor();
  await o.getByTestId('venue-name').fill('Кофейня у дома');
  await o.getByTestId('venue-address').fill('ул. Ленина, 1');
  await o.getByTestId('venue-hours').fill('Пн-Вс 08:00-22:00');
  await o.getByRole('button', { name: t('owner.wizard.next') }).click();
  await o.getByTestId('step-ticker').waitFor();
  await o.getByTestId('ticker').fill(ticker);
  await o.locator('[data-testid="ticker-state"][data-state="free"]').waitFor();
  await o.getByTestId('next').click();
  await o.getByTestId('step-rewards').waitFor();
  for (const [i, [reward, price]] of [['кофе', '1'], ['пончик', '2'], ['чизкейк', '3']].entries()) {
    await o.getByTestId(`reward-name-${i + 1}`).fill(reward);
    await o.getByTestId(`reward-price-${i + 1}`).fill(price);
  }
  await o.getByTestId('next').click();
  await o.getByTestId('step-key').waitFor();
  const ownerAddress = await o.getByTestId('owner-address').textContent();
  await o.getByTestId('passphrase').fill(passphrase);
  await o.getByTestId('passphrase-again').fill(passphrase);
  const downloading = o.waitForEvent('download');
  await o.getByTestId('download-backup').click();
  const backup = join(world.dir, (await downloading).suggestedFilename());
  await (await downloading).saveAs(backup);
  await o.getByTestId('backed-up').waitFor();
  await o.getByTestId('next').click();
  await o.getByTestId('step-launch').waitFor();
  await o.getByTestId('launch').click();
  await o.getByTestId('launched').waitFor({ timeout: 60_000 });

  // Two invites, each with its link.
  const links = [];
  for (const n of [0, 1]) {
    await o.getByTestId('invite-allowance').fill(allowance);
    await o.getByTestId('invite-add').click();
    const link = o.getByTestId('invite').nth(n).getByTestId('invite-link');
    await link.waitFor();
    links.push(await link.getAttribute('href'));
  }
  await checkScreen(o, 'launch-journey-01-invites-1280');

  // Masha joins on her phone, Petya on his.
  const masha = await phoneContext(browser, { locale: 'ru-RU' });
  const m = await openPage(masha, links[0]);
  petya = await petyaBrowser();
  const p = await openPage(petya, links[1]);
  await m.getByTestId('join-waiting').waitFor();
  await p.getByTestId('join-waiting').waitFor();
  // The owner's page adds each once their consent arrives; their tills open.
  await o.locator('[data-testid="invite"][data-state="joined"]').nth(1).waitFor({ timeout: 60_000 });
  await m.getByTestId('standing').waitFor({ timeout: 30_000 });
  await p.getByTestId('standing').waitFor({ timeout: 30_000 });
  const launchedMs = Date.now() - started;
  console.log(`# from the wizard's first screen to a venue with two staff joined: ${launchedMs} ms`);
  const venue = await rpc('venue.get', { ticker });
  assert.equal(venue.owner, ownerAddress);
  assert.deepEqual(venue.products.map((x) => [x.name, x.price]), [['кофе', '1.00'], ['пончик', '2.00'], ['чизкейк', '3.00']]);
  assert.deepEqual(venue.staff.map((s) => s.allowance), ['200.00', '200.00']);
  await petya.close(); // his key stays in his profile

  // Masha gives the client 3 as the client says the number.
  await m.getByTestId('send-phone').fill('8 900 000-00-01');
  await m.getByTestId('send-amount').fill('3');
  await m.getByRole('button', { name: 'Дальше' }).click();
  await m.getByTestId('send-confirm-button').click();
  await m.getByTestId('send-result').getByText(`3 ${ticker} отправлено на ${client_phone}.`).waitFor();
  await checkScreen(m, 'launch-journey-02-masha-sent');

  // The client opens the SMS's link, claims the phone, opens the coffee QR.
  const client = await phoneContext(browser, { locale: 'ru-RU' });
  const c = await openPage(client, `${world.url}${linkPath(world, client_phone)}`);
  await claimInPage(c, world, '+7 900 000-00-01', client_phone);
  await c.getByTestId('balance').getByText('3').waitFor();
  await c.getByTestId('reward-1').click();
  const qr = c.getByTestId('voucher-qr');
  await qr.waitFor();
  await checkScreen(c, 'launch-journey-03-client-qr');
  // What the client holds up to the camera: the QR as the page draws it.
  const png = join(screenshot_dir, 'cabinet', 'launch-journey-03-client-qr-code.png');
  await qr.screenshot({ path: png });
  assert.match(await decodeQr(png), /^KV1:/, 'the screenshot holds the voucher QR');

  // Petya's phone again, now with a camera that sees that screenshot.
  const video = await qrVideo(png, world.dir);
  petya = await petyaBrowser(['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${video}`]);
  const p2 = await openPage(petya, `${world.url}/s`);
  await p2.getByTestId('standing').waitFor();
  await p2.getByTestId('tab-redeem').click();
  await p2.getByRole('button', { name: 'Сканировать камерой' }).click();
  const card = p2.getByTestId('redeem-confirm');
  await card.getByRole('heading', { name: `кофе — 1 ${ticker}` }).waitFor({ timeout: 30_000 });
  await p2.getByRole('button', { name: 'Списать и выдать' }).click();
  await p2.locator('[data-testid="verdict"][data-verdict="ok"]').getByText(`«кофе» списано: 1 ${ticker}.`).waitFor();
  await checkScreen(p2, 'launch-journey-04-petya-redeemed');
  await c.getByTestId('voucher-redeemed').getByText('Готово! «кофе» ваш.').waitFor();
  await petya.close();

  // The owner's dashboard: the redemption, and every figure as the CLI counts it.
  await world.cli('key', 'import', 'owner', '--file', backup);
  assert.equal(await world.address('owner'), ownerAddress, 'the downloaded backup is the owner key');
  const stats = JSON.parse(await world.cli('--as', 'owner', 'stats', ticker, '--json'));
  assert.equal(stats.redeemed, '1.00');
  assert.equal(stats.redemptions, 1);
  await o.goto(`${world.url}/o#venue=${ticker}`);
  await o.reload();
  await o.locator('[data-testid="dashboard"][aria-busy="false"]').waitFor();
  await o.getByTestId('range-all').click();
  await o.locator('[data-testid="dashboard"][data-range="all"][aria-busy="false"]').waitFor();
  for (const name of ['treasury', 'with_staff', 'in_clients', 'clients', 'issued', 'redeemed', 'redemptions'])
    assert.equal(await o.getByTestId(`fig-${name}`).getAttribute('data-value'), String(stats[name]), name);
  await checkScreen(o, 'launch-journey-05-dashboard-1280');

  // The history's CSV equals `kopilka export`.
  await o.getByTestId('tab-history').click();
  const [download] = await Promise.all([o.waitForEvent('download'), o.getByTestId('export-start').click()]);
  assert.equal(readFileSync(await download.path(), 'utf8'), await world.cli('export', ticker, '--csv', '-'));
  for (const context of [owner, masha, client]) await context.close();
});
