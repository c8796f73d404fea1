// Notifications in the browser (web push) from the cabinet, against a real
// kopilkad run with --push-contact and Debian's headless Chromium. What is
// real here: the node's messages.push.* (its VAPID key, the signed choice,
// the subscription it keeps), the service worker served at /sw.js and
// registered by the page, the browser's permission. What is not: headless
// Chromium cannot subscribe (its push service is Google's, unreachable and
// refused to incognito profiles), so turning on ends, honestly, in "this
// browser could not subscribe; SMS go on", and a subscription for the "on"
// state is one the test signs with the phone's own key, as another browser
// of the person would. The worker's own work is real too: a message as the
// node pushes it, handed to its push event through Chromium's DevTools
// protocol, becomes the notification. Then: the browser blocking
// notifications, the owner's count of clients with push, and a node
// without push showing none.
// At 360 px in Russian and English: screenshots, 48 px targets, axe-core
// clean, a quiet console.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { p256 } from '@noble/curves/nist.js';
import { accountFromText, fromHex, signPush, toBase64url } from '../../lib/index.js';
import { runNode } from '../kopilkad.js';
import { launch, phoneContext } from './chromium.js';
import { checkScreen, claimInPage, lastMessage, linkPath, openPage, openVolodya, rpcCall, skip, startWorld } from './cabinet-harness.js';

const phone = '+79000000041';
const other_phone = '+79000000042';
const push_contact = 'mailto:push-test@example.com';
let world;
let browser;
let context;
let page;
let account;

before(async () => {
  if (skip) return;
  world = await startWorld('cabinet-push', { nodeArgs: ['--push-contact', push_contact] });
  await openVolodya(world);
  await world.cli('--as', 'masha', 'send', 'VOLODYA', phone, '3');
  await world.cli('--as', 'masha', 'send', 'VOLODYA', other_phone, '2');
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await world?.stop();
});

/** The seed this browser keeps for `account` (store.js), read as the device itself would. */
async function seedInBrowser() {
  const bytes = await page.evaluate(
    (acc) =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open('kopilka');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const get = open.result.transaction('keys').objectStore('keys').get(acc);
          get.onsuccess = () => resolve(Array.from(get.result.seed));
          get.onerror = () => reject(get.error);
        };
      }),
    account,
  );
  return Uint8Array.from(bytes);
}

/** A subscription as a browser's push service would give one: a fresh P-256 key and auth secret. */
function fakeSubscription() {
  return {
    endpoint: `https://push.example.org/send/${randomBytes(12).toString('hex')}`,
    expirationTime: null,
    keys: { p256dh: toBase64url(p256.getPublicKey(p256.utils.randomSecretKey(), false)), auth: toBase64url(randomBytes(16)) },
  };
}

/** messages.push.set for the phone, signed by the key the page holds, at the node's time. */
async function setSubscription(subscription) {
  const { time_ms, chain_id } = await rpcCall(world, 'node.info');
  const params = signPush({ holder: accountFromText(account), subscription, time_ms }, await seedInBrowser(), fromHex(chain_id, 32));
  return rpcCall(world, 'messages.push.set', params);
}

const pushGet = () => rpcCall(world, 'messages.push.get', { holder: account });

test('the node offers push: its VAPID key, an uncompressed P-256 point', { skip }, async () => {
  const key = await rpcCall(world, 'messages.push.key');
  assert.equal(key.enabled, true);
  const bytes = Buffer.from(key.public_key, 'base64url');
  assert.equal(bytes.length, 65);
  assert.equal(bytes[0], 4);
  assert.equal(toBase64url(bytes), key.public_key, 'base64url without padding');
  const sw = await fetch(`${world.url}/sw.js`);
  assert.equal(sw.status, 200);
  assert.equal(sw.headers.get('content-type'), 'text/javascript; charset=utf-8');
  assert.equal(sw.headers.get('cache-control'), 'no-cache');
  // worker-src falls back to script-src 'self': the worker may come from this origin only.
  assert.match(sw.headers.get('content-security-policy'), /script-src 'self';/);
  assert.match(await sw.text(), /showNotification/);
});

test('turning push on in a browser that cannot subscribe says so, in Russian and English, and sets nothing on the node', { skip }, async () => {
  context = await phoneContext(browser, { locale: 'ru-RU' });
  await context.grantPermissions(['notifications'], { origin: world.url });
  const path = linkPath(world, phone);
  account = `phone:${path.slice('/c/'.length)}`;
  page = await openPage(context, world.url + path);
  await claimInPage(page, world, '+7 900 000-00-41', phone);
  const card = page.getByTestId('push-choice');
  await card.getByRole('heading', { name: 'Уведомления в браузере' }).waitFor();
  await card.getByText('Сообщения о бонусах от всех заведений могут приходить сюда, в этот браузер, вместо SMS. Это бесплатно — и для вас, и для заведения.').waitFor();
  await card.getByText('Коды подтверждения и предупреждения о переносе номера всё равно придут по SMS.').waitFor();
  // Nothing registered before the person asks.
  assert.equal(await page.evaluate(async () => (await navigator.serviceWorker.getRegistrations()).length), 0, 'no service worker on a plain visit');
  await checkScreen(page, 'push-01-off-ru');

  await card.getByRole('button', { name: 'Включить уведомления' }).click();
  await card.getByText('Этот браузер не смог подписаться на уведомления. Сообщения по-прежнему приходят по SMS.').waitFor();
  // The page registered the worker from the served file, and it runs.
  const worker = await page.evaluate(async () => {
    const r = await navigator.serviceWorker.ready;
    return { script: r.active?.scriptURL, state: r.active?.state, scope: r.scope };
  });
  assert.deepEqual(worker, { script: `${world.url}/sw.js`, state: 'activated', scope: `${world.url}/` });
  assert.deepEqual(await pushGet(), { subscribed: false });
  await checkScreen(page, 'push-02-failed-ru');

  await page.getByTestId('language').click();
  await card.getByRole('heading', { name: 'Notifications in this browser' }).waitFor();
  await card.getByText('This browser could not subscribe to notifications. Messages keep coming by SMS.').waitFor();
  await card.getByRole('button', { name: 'Try again' }).click();
  // Tried again and failed again: the words come back once the button is free.
  await card.getByRole('button', { name: 'Try again' }).and(page.locator(':enabled')).waitFor();
  await card.getByText('This browser could not subscribe to notifications. Messages keep coming by SMS.').waitFor();
  assert.deepEqual(await pushGet(), { subscribed: false });
  await checkScreen(page, 'push-03-failed-en');
});

/** The notifications the page's service worker shows, newest first as the browser lists them. */
const shown = () =>
  page.evaluate(async () => (await (await navigator.serviceWorker.ready).getNotifications()).map((n) => ({ title: n.title, body: n.body, tag: n.tag, data: n.data })));

/**
 * The notifications once `ready(list)` holds of them, asked again until it
 * does (at most `wait_ms`; null past it): the worker shows each one
 * asynchronously after its push event, later still on a loaded machine.
 */
async function shownOnce(ready, wait_ms = 30_000) {
  const deadline = Date.now() + wait_ms;
  for (;;) {
    const list = await shown();
    if (ready(list)) return list;
    if (Date.now() >= deadline) return null;
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('the service worker shows a push message as the node sends it, and a plain one for anything else', { skip }, async () => {
  // What the node would push for this phone's coins (node/messages/push_channel.cpp): the
  // venue's name, the SMS's text, its link and idempotency key, here taken from its outbox.
  const sms = lastMessage(world, phone, /вам начислено/);
  const message = { v: 1, title: 'U Volodi', body: sms.text, url: sms.link, tag: sms.key };
  // Delivered by Chromium's DevTools protocol to the registered worker's push event, as
  // the push service would after decrypting it (no push service is reachable here).
  const cdp = await context.newCDPSession(page);
  // Enabling the domain reports the registrations there are: the page's, at the origin's root.
  const registered = new Promise((resolve) =>
    cdp.on('ServiceWorker.workerRegistrationUpdated', (e) => {
      const r = e.registrations.find((x) => x.scopeURL === `${world.url}/` && !x.isDeleted);
      if (r) resolve(r);
    }),
  );
  await cdp.send('ServiceWorker.enable');
  const { registrationId } = await registered;
  // DevTools drops a delivery now and then while the worker it just woke is
  // starting (seen under a loaded CI machine), as a push service's message
  // can be lost: sent again, as a push service would, until one is shown.
  let first = null;
  for (let attempt = 0; attempt < 5 && !first; ++attempt) {
    await cdp.send('ServiceWorker.deliverPushMessage', { origin: world.url, registrationId, data: JSON.stringify(message) });
    first = await shownOnce((list) => list.length === 1, 6_000);
  }
  assert.deepEqual(first, [{ title: 'U Volodi', body: sms.text, tag: sms.key, data: { url: sms.link } }]);
  // The same message again (delivery is at least once) replaces it: one tag, one notification.
  await cdp.send('ServiceWorker.deliverPushMessage', { origin: world.url, registrationId, data: JSON.stringify(message) });
  await cdp.send('ServiceWorker.deliverPushMessage', { origin: world.url, registrationId, data: 'not the node’s JSON' });
  // The plain one shown beside the node's, which its repeat replaced (a replacement may
  // list both for a moment, so wait for the plain one and for the count to settle).
  let both = await shownOnce((list) => list.length === 2 && list.some((n) => n.tag === ''), 6_000);
  for (let attempt = 0; attempt < 4 && !both; ++attempt) {
    await cdp.send('ServiceWorker.deliverPushMessage', { origin: world.url, registrationId, data: 'not the node’s JSON' });
    both = await shownOnce((list) => list.length === 2 && list.some((n) => n.tag === ''), 6_000);
  }
  assert.ok(both, 'the plain notification was never shown');
  assert.deepEqual(
    both.sort((a, b) => a.tag.localeCompare(b.tag)),
    [
      { title: 'Kopilka', body: 'Копилка: новое сообщение. Kopilka: a new message.', tag: '', data: { url: '/' } },
      { title: 'U Volodi', body: sms.text, tag: sms.key, data: { url: sms.link } },
    ],
  );
  await cdp.detach();
});

test('a subscription the phone signed elsewhere shows as on, and turning it off here stops push on the node', { skip }, async () => {
  const card = page.getByTestId('push-choice');
  const answer = await setSubscription(fakeSubscription());
  assert.equal(answer.subscribed, true);
  const { since_ms } = await pushGet();
  assert.ok(since_ms > 0);
  await page.reload();
  // English, as chosen: the language is remembered in this browser.
  await card.getByText(/^Notifications are on since .+: messages about bonuses come to the browser, not by SMS\.$/).waitFor();
  await checkScreen(page, 'push-04-on-en');
  await card.getByRole('button', { name: 'Turn notifications off' }).click();
  await card.getByText('Notifications are off: messages come by SMS again.').waitFor();
  assert.deepEqual(await pushGet(), { subscribed: false });

  await page.getByTestId('language').click();
  assert.equal((await setSubscription(fakeSubscription())).subscribed, true);
  await page.reload();
  await card.getByText(/^Уведомления включены с .+: сообщения о бонусах приходят в браузер, а не по SMS\.$/).waitFor();
  await checkScreen(page, 'push-05-on-ru');
  await card.getByRole('button', { name: 'Отключить уведомления' }).click();
  await card.getByText('Уведомления отключены: сообщения снова приходят по SMS.').waitFor();
  assert.deepEqual(await pushGet(), { subscribed: false });
  await checkScreen(page, 'push-06-turned-off-ru');
});

test('a browser that blocks notifications: the card says how to allow them, in Russian and English', { skip }, async () => {
  const card = page.getByTestId('push-choice');
  await context.clearPermissions();
  await page.reload();
  // Headless Chromium answers the permission prompt "block", as a person may.
  await card.getByRole('button', { name: 'Включить уведомления' }).click();
  await card
    .getByText('Браузер запретил этой странице показывать уведомления, поэтому сообщения приходят по SMS. Чтобы включить их, нажмите на значок слева от адреса страницы, разрешите «Уведомления» и обновите страницу.')
    .waitFor();
  assert.deepEqual(await pushGet(), { subscribed: false });
  await checkScreen(page, 'push-07-denied-ru');
  await page.getByTestId('language').click();
  await card
    .getByText('The browser blocks notifications from this page, so messages come by SMS. To allow them, tap the icon left of the page’s address, allow “Notifications” and reload the page.')
    .waitFor();
  await checkScreen(page, 'push-08-denied-en');
});

test("the owner's dashboard counts the venue's clients with notifications in the browser", { skip }, async () => {
  assert.equal((await setSubscription(fakeSubscription())).subscribed, true);
  const stats = await rpcCall(world, 'venue.stats', { ticker: 'VOLODYA' });
  assert.equal(stats.clients, 2);
  assert.equal(stats.clients_push, 1);
  for (const [locale, label, shown] of [
    ['ru-RU', 'В браузере с уведомлениями', '1 из 2 клиентов'],
    ['en-GB', 'Notifications in the browser', '1 of 2 clients'],
  ]) {
    const owner = await openPage(await phoneContext(browser, { locale }), `${world.url}/o#view=VOLODYA`);
    const figure = owner.getByTestId('fig-clients_push');
    await figure.getByText(shown, { exact: true }).waitFor();
    assert.equal(await figure.getAttribute('data-value'), '1');
    await owner.getByRole('term').getByText(label, { exact: true }).waitFor();
    await checkScreen(owner, `push-09-owner-${locale.slice(0, 2)}`);
    await owner.context().close();
  }
});

test('a node without --push-contact offers no push, and the cabinet shows no push part nor fetches its code', { skip }, async () => {
  const { port } = world.node;
  // The page closes first: one left open would try its WebSocket while the
  // node is down, and say so in the console (the page's right, not its fault).
  const url = page.url();
  const context = page.context();
  await page.close();
  await world.node.stop();
  world.node = await runNode(world.datadir, { port });
  assert.deepEqual(await rpcCall(world, 'messages.push.key'), { enabled: false });
  page = await openPage(context);
  const fetched = [];
  page.on('request', (r) => fetched.push(new URL(r.url()).pathname));
  const keyAnswered = page.waitForResponse((r) => r.url().endsWith('/rpc') && /messages\.push\.key/.test(r.request().postData() ?? ''));
  await page.goto(url);
  await page.getByTestId('messages-choice').waitFor();
  await keyAnswered;
  await page.waitForLoadState('networkidle');
  assert.equal(await page.getByTestId('push-choice').count(), 0);
  assert.deepEqual(fetched.filter((p) => /^\/assets\/push-/.test(p)), [], 'the push chunk is not fetched');
  await checkScreen(page, 'push-10-no-push');
});
