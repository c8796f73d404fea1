// A client turns off a venue's SMS from the cabinet: the switch is signed by
// this phone's key (messages.consent.set), the node records the choice and
// sends that venue's news of coins no more (the outbox file gets no line);
// turned back on, the next one comes.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launch, phoneContext } from './chromium.js';
import { checkScreen, claimInPage, linkPath, openPage, openVolodya, outbox, rpcCall, skip, startWorld } from './cabinet-harness.js';

const phone = '+79000000008';
let world;
let browser;

before(async () => {
  if (skip) return;
  world = await startWorld('cabinet-messages');
  await openVolodya(world);
  await world.cli('--as', 'masha', 'send', 'VOLODYA', phone, '3');
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await world?.stop();
});

/** Messages about coins the node handed to its channel for `e164`. */
const coinsMessages = () => outbox(world).filter((m) => m.phone === phone && /вам начислено/.test(m.text)).length;

test('a client turns a venue\'s SMS off in the cabinet and on again, and the node sends accordingly', { skip }, async () => {
  const path = linkPath(world, phone);
  const account = `phone:${path.slice('/c/'.length)}`;
  const page = await openPage(await phoneContext(browser, { locale: 'ru-RU' }), world.url + path);
  await claimInPage(page, world, '+7 900 000-00-08', phone);
  const card = page.getByTestId('messages-choice');
  await card.getByRole('heading', { name: 'SMS от заведения' }).waitFor();
  await card.getByText('«U Volodi» присылает вам SMS о начисленных бонусах и акциях.').waitFor();
  await card.getByText('Коды подтверждения и предупреждения о переносе номера приходят всегда.').waitFor();
  await checkScreen(page, 'messages-01-on');

  await card.getByRole('button', { name: 'Отключить SMS' }).click();
  await card.getByText('Вы отключили SMS от «U Volodi».').waitFor();
  const choices = await rpcCall(world, 'messages.consent.get', { holder: account });
  assert.equal(choices.receive_all, true);
  assert.deepEqual(choices.choices.map((c) => [c.ticker, c.receive, c.source]), [['VOLODYA', false, 'cabinet']]);
  await checkScreen(page, 'messages-02-off');

  // Coins still come; their SMS does not.
  const before = coinsMessages();
  await world.cli('--as', 'masha', 'send', 'VOLODYA', phone, '2');
  await page.getByTestId('balance').getByText('5').waitFor();
  assert.equal(coinsMessages(), before, 'no SMS about the 2 went out');

  await card.getByRole('button', { name: 'Включить SMS' }).click();
  await card.getByText('«U Volodi» присылает вам SMS о начисленных бонусах и акциях.').waitFor();
  await world.cli('--as', 'masha', 'send', 'VOLODYA', phone, '1');
  await page.getByTestId('balance').getByText('6').waitFor();
  assert.equal(coinsMessages(), before + 1, 'the SMS about the 1 went out');
});
