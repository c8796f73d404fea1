// A re-bind that is allowed to finish: on a chain whose genesis sets a
// re-bind delay of a few seconds, the second phone's page completes the
// move itself once it is due (phone_rebind_complete, signed by its new key)
// and becomes the cabinet; the first phone's key no longer holds the number.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launch, phoneContext } from './chromium.js';
import { checkScreen, openPage, claimInPage, linkPath, openVolodya, skip, startWorld } from './cabinet-harness.js';

const phone = '+79000000004';
// Short, so the test waits seconds rather than 72 hours; never 259200 (the default's own encoding).
const rebind_delay_s = 3;
let world;
let browser;

before(async () => {
  if (skip) return;
  world = await startWorld('cabinet-rebind-due', { initArgs: ['--rebind-delay-s', String(rebind_delay_s)] });
  await openVolodya(world);
  await world.cli('--as', 'masha', 'send', 'VOLODYA', phone, '2');
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await world?.stop();
});

test('once the delay is over the new phone completes the move and holds the bonuses; the old one is told', { skip }, async () => {
  const path = linkPath(world, phone);
  const first = await openPage(await phoneContext(browser, { locale: 'ru-RU' }), world.url + path);
  await claimInPage(first, world, '+7 900 000-00-04', phone);
  await first.getByTestId('venue').waitFor();

  const second = await openPage(await phoneContext(browser, { locale: 'ru-RU' }), world.url + path);
  await claimInPage(second, world, '+7 900 000-00-04', phone);
  // Pending first, then the page completes the move by itself.
  await second.getByTestId('venue').waitFor();
  assert.equal(await second.getByTestId('balance').textContent(), '2');
  await second.getByTestId('send-open').waitFor();
  await checkScreen(second, 'rebind-due-01-moved');

  // The first phone's WebSocket brings the news; its page re-reads the chain.
  await first.getByTestId('key-left').waitFor();
  await first.getByTestId('claim').waitFor();
  await checkScreen(first, 'rebind-due-02-left');
});
