// The venue's messages in its settings (/o#settings=TICKER, «Сообщения») in
// Chromium against the real kopilkad, on the worked example the real CLI
// played, the owner's key put in the page's IndexedDB as keyring.js keeps
// it. Through the page only: the owner edits the Russian template of "coins
// received"; the node's preview says 1 SMS part for a Latin text with the
// link, 2 once Cyrillic makes it UCS-2 (over 70 units with the link), 3 as
// it grows past 134; an unknown variable and a missing {link} are said in
// Russian and English before anything is signed; the text is saved, and the
// SMS of the CLI's next send (the file channel's private/outbox.jsonl) is
// that text rendered. Switched to English, the next SMS is the node's
// English default. Screens at 360 and 1280 px: no sideways scroll, 48 px
// targets, axe-core clean, a quiet console.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { addressFromKey } from '../../lib/address.js';
import { publicKeyOf } from '../../lib/keys.js';
import { openKeystore } from '../../lib/keystore.js';
import { launch, phoneContext } from './chromium.js';
import { checkScreen, lastMessage, openPage, openVolodya, outbox, skip, startWorld } from './cabinet-harness.js';

const ticker = 'VOLODYA';
const passphrase = 'cabinet test'; // the harness's KOPILKA_PASSPHRASE
const phone = '+79000000041';
const desktop_viewport = { width: 1280, height: 900 };
const phone_viewport = { width: 360, height: 640 };
// Bounds on waiting for what a person would see, not measurements.
const settle_wait_ms = 30_000;
let world;
let browser;
let context;
let page;

async function rpc(method, params = {}) {
  const response = await fetch(`${world.url}/rpc`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  const answer = await response.json();
  if (answer.error) throw new Error(`${method}: ${answer.error.message}`);
  return answer.result;
}

async function until(what, probe) {
  const deadline = Date.now() + settle_wait_ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Writes the owner's seed into the page's IndexedDB as keyring.js's saveOwnerKey keeps it. */
async function putKey(seed, chainIdHex) {
  const record = { address: addressFromKey(publicKeyOf(seed)), chain_id: chainIdHex, seed: [...seed], created_ms: Date.now(), backed_up_ms: Date.now() };
  await page.evaluate(async (r) => {
    const db = await new Promise((resolve, reject) => {
      const open = indexedDB.open('kopilka-owner', 1);
      open.onupgradeneeded = () => {
        open.result.createObjectStore('keys', { keyPath: 'address' });
        open.result.createObjectStore('venues', { keyPath: ['chain_id', 'ticker'] });
      };
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    await new Promise((resolve, reject) => {
      const tx = db.transaction('keys', 'readwrite');
      tx.objectStore('keys').put({ ...r, seed: new Uint8Array(r.seed) });
      tx.oncomplete = resolve;
      tx.onerror = () => reject(tx.error);
    });
    db.close();
  }, record);
}

async function setLanguage(lang) {
  if ((await page.evaluate(() => document.documentElement.lang)) !== lang) await page.getByTestId('language').click();
  await page.waitForFunction((l) => document.documentElement.lang === l, lang);
}

async function checkBoth(name) {
  await checkScreen(page, `owner-settings-${name}-360`);
  await page.setViewportSize(desktop_viewport);
  await checkScreen(page, `owner-settings-${name}-1280`);
  await page.setViewportSize(phone_viewport);
}

/** The messages section and its Russian editor, found as the owner sees them. */
const section = () => page.getByRole('region', { name: 'Сообщения' });
const russian = () => section().getByLabel('Начисление бонусов — по-русски', { exact: true });
const russianForm = () => section().getByTestId('template-coins_received-ru');

/** Waits until the Russian preview prices the text as `parts` SMS parts; its cost line. */
async function previewParts(parts) {
  const box = russianForm().getByTestId('template-coins_received-ru-preview');
  const cost = box.getByTestId('template-coins_received-ru-preview-cost');
  await until(
    `a preview of ${parts} parts`,
    async () => (await cost.count()) > 0 && (await box.getAttribute('aria-busy')) === 'false' && (await cost.getAttribute('data-segments')) === String(parts),
  );
  return cost.textContent();
}

/** The newest SMS to `phone` once there are `count` of them. */
async function message(count) {
  await until(`SMS ${count} to ${phone}`, async () => outbox(world).filter((m) => m.phone === phone).length >= count);
  return lastMessage(world, phone);
}

before(async () => {
  if (skip) return;
  world = await startWorld('owner-messages');
  await openVolodya(world);
  browser = await launch();
  context = await phoneContext(browser, { locale: 'ru-RU' });
  page = await openPage(context, `${world.url}/o#settings=${ticker}`);
  const { seed } = await openKeystore(await world.cli('key', 'export', 'owner'), passphrase);
  await putKey(seed, (await rpc('node.info')).chain_id);
  await page.reload();
  await page.getByTestId('settings').waitFor();
});

after(async () => {
  await browser?.close();
  await world?.stop();
});

test('the Russian template: the preview counts parts as the text grows, problems are said before signing, the saved text is the next SMS', { skip }, async () => {
  // The node's own words at first, three parts with the link.
  await russian().waitFor();
  assert.match(await russian().inputValue(), /^\{venue\}: вам начислено \{amount\} \{ticker\}/);
  assert.equal(await previewParts(3), '3 части SMS, 3 кредита');
  await checkBoth('messages-ru');

  // Latin letters and the link: one part of GSM-7.
  await russian().fill('{venue}: {link}');
  assert.equal(await previewParts(1), '1 часть SMS, 1 кредит');
  const shown = await russianForm().getByTestId('template-coins_received-ru-preview-text').textContent();
  assert.match(shown, new RegExp(`^U Volodi: ${world.url}/c/[0-9a-f]{64}$`), 'a real link of this node');
  // One Cyrillic word: UCS-2, and the link alone takes it past 70.
  await russian().fill('Кофейня {venue}: {link}');
  assert.equal(await previewParts(2), '2 части SMS, 2 кредита');
  await russian().fill('Кофейня {venue}: вам начислено {amount} {ticker}, на счёте {balance} {ticker}. Подробнее: {link}');
  assert.equal(await previewParts(3), '3 части SMS, 3 кредита');

  // What the node would refuse is said here, in both languages, and nothing is sent.
  const before = await rpc('messages.templates.get', { ticker });
  await russian().fill('{venue}: {имя} {link}');
  await russianForm().getByText('Подстановки {имя} нет. Можно использовать {venue}, {amount}, {ticker}, {balance} или {link}.').waitFor();
  await setLanguage('en');
  await page.getByText('There is no {имя} to fill in. You can use {venue}, {amount}, {ticker}, {balance}, or {link}.').waitFor();
  await setLanguage('ru');
  await russian().fill('{venue}: +{amount} {ticker}');
  await russianForm().getByText(/^Добавьте \{link\}: без ссылки клиент не попадёт в свой кабинет/).waitFor();
  await russianForm().getByRole('button', { name: 'Сохранить', exact: true }).click();
  assert.equal(await russianForm().getByRole('status').count(), 0, 'no "saved"');
  assert.deepEqual(await rpc('messages.templates.get', { ticker }), before, 'nothing was signed');
  await checkBoth('messages-problem-ru');

  // The owner's text, saved: signed with the key, kept by the node.
  const text = 'Кофейня {venue}: +{amount} {ticker}. {link}';
  await russian().fill(text);
  assert.equal(await previewParts(2), '2 части SMS, 2 кредита');
  await russianForm().getByRole('button', { name: 'Сохранить', exact: true }).click();
  await russianForm().getByText('Сохранено. Следующее сообщение уйдёт с этим текстом.').waitFor();
  const saved = await rpc('messages.templates.get', { ticker });
  assert.equal(saved.templates.find((s) => s.kind === 'coins_received' && s.language === 'ru').text, text);
  assert.equal(saved.language, 'ru');

  // The next send's SMS is the text, rendered.
  await world.cli('--as', 'masha', 'send', ticker, phone, '2');
  const sms = await message(1);
  assert.equal(sms.text, `Кофейня U Volodi: +2,00 VOLODYA. ${sms.link}`);
});

test('the venue switched to English: the next SMS is the English default, and the choice is said in both languages', { skip }, async () => {
  const form = section().getByTestId('templates-language');
  await form.getByLabel('Язык сообщений клиентам').selectOption('en');
  await form.getByRole('button', { name: 'Сохранить язык' }).click();
  await form.getByText('Сохранено: клиенты получают сообщения по-английски.').waitFor();
  await setLanguage('en');
  await page.getByText('Saved: clients get their messages in English.').waitFor();
  await checkBoth('messages-en');
  await setLanguage('ru');
  assert.equal((await rpc('messages.templates.get', { ticker })).language, 'en');

  await world.cli('--as', 'masha', 'send', ticker, phone, '1');
  const sms = await message(2);
  assert.equal(sms.text, `U Volodi: you received 1.00 VOLODYA. Balance: 3.00 VOLODYA. Open ${sms.link}`);
  // The Russian text is kept for when the venue switches back.
  assert.equal(await russian().inputValue(), 'Кофейня {venue}: +{amount} {ticker}. {link}');
});
