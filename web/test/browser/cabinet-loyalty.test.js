// The client's standing in the venue's programme, in the cabinet (issue 15):
// once the owner publishes docs/examples/programme.toml and a barista records
// the client's first purchase with the CLI, the cabinet's programme card (its
// own chunk) shows the tier and what bonuses may pay, what is left to buy for
// Gold, the purchases so far, and the welcome gift's lot with its last day in
// the venue's zone — each figure the node's own (loyalty.get), read by the
// test beside the page; in Russian and English, at 360 px.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { launch, phoneContext } from './chromium.js';
import { checkScreen, claimInPage, linkPath, openPage, openVolodya, rpcCall, skip, startWorld } from './cabinet-harness.js';

const phone = '+79000000001';
// The programme takes effect this long after it is published (it must be after the node's clock).
const effective_after_s = 4;
let world;
let browser;

before(async () => {
  if (skip) return;
  world = await startWorld('cabinet-loyalty');
  await openVolodya(world);
  await world.cli('--as', 'masha', 'send', 'VOLODYA', phone, '3');
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await world?.stop();
});

/** A decimal amount as the page writes it in `lang`: "9450.00" → "9 450" (ru), "136.50" → "136,50". */
const shown = (decimal, lang) => {
  const [whole, fraction] = decimal.split('.');
  const text = new Intl.NumberFormat(lang).format(BigInt(whole));
  return fraction === '00' ? text : `${text}${lang === 'ru' ? ',' : '.'}${fraction}`;
};

/** The venue's zone's date of the second before `expiry_s`, as a person reads a last day. */
const lastDayIn = (expiry_s, lang) =>
  new Intl.DateTimeFormat(lang, { dateStyle: 'long', timeZone: 'Europe/Moscow' }).format(new Date((expiry_s - 1) * 1000));

test("after the first purchase the programme card shows the client's tier, what is left to Gold and the gift's last day", { skip }, async () => {
  const path = linkPath(world, phone);
  const account = `phone:${path.slice('/c/'.length)}`;
  const page = await openPage(await phoneContext(browser, { locale: 'ru-RU' }), world.url + path);
  await claimInPage(page, world, '+7 900 000-00-01', phone);
  await page.getByTestId('balance').getByText('3').waitFor();

  const info = await rpcCall(world, 'node.info');
  const effective = new Date(info.time_ms + effective_after_s * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
  const example = readFileSync(new URL('../../../docs/examples/programme.toml', import.meta.url), 'utf8');
  const file = join(world.dir, 'programme.toml');
  writeFileSync(file, example.replace(/^zone = .*$/m, (line) => `${line}\neffective_from = ${effective}`));
  await world.cli('--as', 'owner', 'programme', 'set', 'VOLODYA', file);
  while ((await rpcCall(world, 'programme.get', { ticker: 'VOLODYA' })).in_force === null) await new Promise((r) => setTimeout(r, 250));
  await world.cli('--as', 'masha', 'purchase', 'VOLODYA', '+7 900 000-00-01', 'coffee=350', 'cake=200', '--receipt', 'R-1');

  const standing = await rpcCall(world, 'loyalty.get', { ticker: 'VOLODYA', client: account });
  assert.equal(standing.purchases, 1);
  assert.equal(standing.lifetime_paid, '550.00');
  assert.equal(standing.tier.name, 'Base');
  const lots = standing.lots.filter((l) => l.expiry_s > 0);
  assert.ok(lots.some((l) => l.amount === '100.00'), 'the welcome gift is a lot');
  // The page learns of the purchase by itself (its balance moves), and reads the programme again.
  await page.getByTestId('balance').getByText(shown(standing.balance, 'ru'), { exact: true }).waitFor();
  const card = page.getByTestId('loyalty');
  await card.getByTestId('loyalty-tier').getByText('Ваш уровень: Base').waitFor();
  await card.getByText('Бонусами можно оплатить до 30 % чека.').waitFor();
  await card.getByText(`До уровня «Gold» осталось купить на ${shown('9450.00', 'ru')}.`).waitFor();
  await card.getByText('Покупок: 1, на 550.').waitFor();
  for (const lot of lots)
    await card.getByText(`${shown(lot.amount, 'ru')} VOLODYA — последний день ${lastDayIn(lot.expiry_s, 'ru')}`).waitFor();
  await checkScreen(page, 'loyalty-01-card-ru');
  await page.getByRole('button', { name: 'English' }).click();
  await card.getByText('Your tier: Base').waitFor();
  await card.getByText(`${shown('9450.00', 'en')} more in purchases to reach Gold.`).waitFor();
  const gift = lots.find((l) => l.amount === '100.00');
  await card.getByText(`100 VOLODYA, last day ${lastDayIn(gift.expiry_s, 'en')}`).waitFor();
  await checkScreen(page, 'loyalty-02-card-en');
});
