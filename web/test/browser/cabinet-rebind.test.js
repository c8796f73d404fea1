// A client claims, on a second phone, a number already bound to the key on
// the first: the ledger only announces the move, which waits the chain's
// delay (72 hours here, the default). The second phone shows when it takes
// effect; the first is warned at once, over its WebSocket, and cancels; the
// second then says the number stayed with the other device.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launch, phoneContext } from './chromium.js';
import { checkScreen, openPage, claimInPage, linkPath, openVolodya, rpcCall, skip, startWorld } from './cabinet-harness.js';

const phone = '+79000000003';
let world;
let browser;

before(async () => {
  if (skip) return;
  world = await startWorld('cabinet-rebind');
  await openVolodya(world);
  await world.cli('--as', 'masha', 'send', 'VOLODYA', phone, '3');
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await world?.stop();
});

const accountBalances = (account) => rpcCall(world, 'account.balances', { account });

test('a second phone claiming a claimed number waits; the first is warned at once and cancels the move', { skip }, async () => {
  const path = linkPath(world, phone);
  const account = `phone:${path.slice('/c/'.length)}`;
  const first = await openPage(await phoneContext(browser, { locale: 'ru-RU' }), world.url + path);
  await claimInPage(first, world, '+7 900 000-00-03', phone);
  await first.getByTestId('venue').waitFor();
  await first.getByTestId('live').getByText('Обновления приходят сразу.').waitFor();

  const second = await openPage(await phoneContext(browser, { locale: 'en-US' }), world.url + path);
  await second.getByText('This number is linked to another device. If you confirm it here, the bonuses move here after a waiting period, and the other device can cancel the move.').waitFor();
  await claimInPage(second, world, '+7 900 000-00-03', phone);
  const pending = second.getByTestId('rebind-pending');
  await pending.getByRole('heading', { name: 'Moving your number to this device' }).waitFor();
  const { rebind } = await accountBalances(account);
  assert.ok(rebind, 'the chain holds a pending re-bind');
  const whenEn = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(rebind.effective_s * 1000));
  await pending.getByText(`The bonuses move here on ${whenEn}.`).waitFor();
  // The bonuses are still shown, not yet spendable here.
  assert.equal(await second.getByTestId('balance').textContent(), '3');
  await checkScreen(second, 'rebind-01-pending-en');

  // The first phone hears of it without a reload.
  const warning = first.getByTestId('rebind-warning');
  await warning.getByRole('heading', { name: 'Кто-то переносит ваш номер на другое устройство' }).waitFor();
  const whenRu = new Intl.DateTimeFormat('ru', { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(rebind.effective_s * 1000));
  await warning.getByText(`С другого устройства подтвердили этот номер. Если ничего не делать, ${whenRu} бонусы перейдут туда, а здесь перестанут работать.`).waitFor();
  await checkScreen(first, 'rebind-02-warning');
  await warning.getByRole('button', { name: 'Отменить перенос' }).click();
  await first.getByTestId('rebind-cancelled').getByText('Перенос отменён. Бонусы остаются на этом устройстве.').waitFor();
  assert.equal(await first.getByTestId('rebind-warning').count(), 0);
  assert.equal((await accountBalances(account)).rebind, null);
  await checkScreen(first, 'rebind-03-cancelled');

  await second.reload();
  await second.getByTestId('key-left').getByText('This number is now linked to another device. To see the bonuses here, confirm the number again.').waitFor();
  await second.getByTestId('claim').waitFor();
  await checkScreen(second, 'rebind-04-left-en');
});
