// The cabinet trusts a node only after the known-tip check, and says what
// to do when it cannot reach one. A rollback is made as an operator would
// make it: the node is stopped, its data dir put back to an older copy and
// started again on the same address (so the page's origin, and its
// remembered tip in IndexedDB, are the same); both copies are valid chains
// of the same genesis, so only the browser's memory can tell.
import assert from 'node:assert/strict';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runNode } from '../kopilkad.js';
import { launch, phoneContext } from './chromium.js';
import { checkScreen, openPage, linkPath, openVolodya, skip, startWorld } from './cabinet-harness.js';

const phone = '+79000000005';
let world;
let browser;

before(async () => {
  if (skip) return;
  world = await startWorld('cabinet-trust');
  await openVolodya(world);
  await world.cli('--as', 'masha', 'send', 'VOLODYA', phone, '2');
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await world?.stop();
});

/** Stops the node and starts it again on `datadir` at the same address. */
async function restartOn(datadir) {
  await world.node.stop();
  world.node = await runNode(datadir, { port: world.node.port });
}

test('an unreachable node: the page says to check the connection, and gets there by itself once it answers', { skip }, async () => {
  const context = await phoneContext(browser, { locale: 'ru-RU' });
  // Not openPage: the failed requests are this test's point, and the console says so.
  const page = await context.newPage();
  await page.route('**/rpc', (route) => route.abort('connectionrefused'));
  await page.goto(world.url + linkPath(world, phone));
  const offline = page.getByTestId('offline');
  await offline.getByText('Не удаётся связаться с сервером. Проверьте интернет — мы попробуем снова.').waitFor();
  assert.match(await offline.textContent(), /Попробуем снова через \d+ секунд/);
  assert.equal(await page.getByTestId('balance').count(), 0);
  await checkScreen(page, 'trust-01-offline');
  await page.unroute('**/rpc');
  await page.getByTestId('balance').getByText('2', { exact: true }).waitFor();
  await context.close();
});

test('a node put back to an older copy of its data dir is refused, with what it means and what to do', { skip }, async () => {
  const older = join(world.dir, 'older');
  await world.node.stop();
  cpSync(world.datadir, older, { recursive: true });
  world.node = await runNode(world.datadir, { port: world.node.port });
  await world.cli('--as', 'masha', 'send', 'VOLODYA', phone, '1');

  const context = await phoneContext(browser, { locale: 'ru-RU' });
  const page = await openPage(context, world.url + linkPath(world, phone));
  await page.getByTestId('balance').getByText('3', { exact: true }).waitFor();
  const seen = (await (await fetch(`${world.url}/health`)).json()).height;

  await restartOn(older);
  await page.reload();
  const refused = page.getByTestId('refused');
  await refused.getByRole('heading', { name: 'Мы не можем доверять этому серверу' }).waitFor();
  await refused.getByText('Сервер показывает более старую историю бонусов, чем это устройство уже видело: часть записей пропала.').waitFor();
  const older_height = (await (await fetch(`${world.url}/health`)).json()).height;
  assert.ok(older_height < seen);
  await refused.getByText(`Это устройство проверило блок ${seen}, а сервер сейчас показывает ${older_height}.`).waitFor();
  await refused.getByText(/^Сообщите об этом в заведение/).waitFor();
  assert.equal(await page.getByTestId('balance').count(), 0, 'no balance from a refused node');
  await checkScreen(page, 'trust-02-rollback');

  // The refusal is this browser's memory at work: every page of it refuses,
  await page.goto(`${world.url}/`);
  await refused.waitFor();
  // while a browser that never saw the newer chain trusts what it is first shown.
  const stranger = await phoneContext(browser, { locale: 'en-US' });
  const strangerPage = await stranger.newPage();
  await strangerPage.goto(world.url + linkPath(world, phone));
  await strangerPage.getByTestId('balance').getByText('2', { exact: true }).waitFor();
  await stranger.close();

  // Back on the newer chain, the page trusts the node again.
  await restartOn(world.datadir);
  await page.goto(world.url + linkPath(world, phone));
  await page.getByTestId('balance').getByText('3', { exact: true }).waitFor();
  await context.close();
});
