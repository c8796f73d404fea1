// A venue's settings (/o#settings=TICKER) in Chromium against the real
// kopilkad, on the worked example the real CLI played (owner, VOLODYA,
// the barista masha with 500; here also the cashier petya with 200). The
// owner's key reaches the page as it would from the CLI: its keystore
// (`kopilka key export`) opened with lib/keystore.js, and the seed written
// into the page's own IndexedDB in the record keyring.js keeps (the
// venue is then listed on the owner's home). Then, through the page only:
// the profile edited (a logo uploaded to /media) and equal in venue.get; a
// reward added (with a category), one renamed, repriced and given a
// picture, one retired; a member's role and limits changed, one topped up,
// one removed after the page showed what returns — and the treasury grew by exactly that (BigInt).
// Refusals in Russian and English, each with what to do: a coin the node
// does not have, no key, a key that is not the owner's, bad input naming
// its field and keeping what was typed, a treasury emptied from another
// device, the node unreachable, an upload the node refuses. Screens at 360 and 1280 px: no sideways scroll,
// 48 px targets, axe-core clean, a quiet console. Tests run in order and
// share the node, the browser and one phone's storage.
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import { after, before, test } from 'node:test';
import { addressFromKey } from '../../lib/address.js';
import { parseAmount } from '../../lib/amount.js';
import { toHex } from '../../lib/bytes.js';
import { blake2b256 } from '../../lib/hash.js';
import { generateSeed, publicKeyOf } from '../../lib/keys.js';
import { openKeystore } from '../../lib/keystore.js';
import { launch, phoneContext } from './chromium.js';
import { checkScreen, openPage, openVolodya, skip, startWorld } from './cabinet-harness.js';

const ticker = 'VOLODYA';
const passphrase = 'cabinet test'; // the harness's KOPILKA_PASSPHRASE
const desktop_viewport = { width: 1280, height: 900 };
const phone_viewport = { width: 360, height: 640 };
let world;
let browser;
let context;
let page;
let chainIdHex;
let masha;
let petya;

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

const venue = () => rpc('venue.get', { ticker });
const memberOf = (v, address) => v.staff.find((s) => s.address === address);

/** Writes a seed into the page's IndexedDB as keyring.js's saveOwnerKey keeps it; the page reads it on its next load. */
async function putKey(seed) {
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

/** A 1×1 PNG of one green level: signature, IHDR, IDAT, IEND, each chunk with its CRC-32. */
function tinyPng(green = 0x6e) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (bytes) => {
    let c = 0xffffffff;
    for (const b of bytes) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const out = Buffer.alloc(8 + data.length + 4);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0]); // 1×1, 8-bit RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.from([0, 0x0b, green, 0x4f]))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

async function setLanguage(lang) {
  if ((await page.evaluate(() => document.documentElement.lang)) !== lang) await page.getByTestId('language').click();
  await page.waitForFunction((l) => document.documentElement.lang === l, lang);
}

/** Both sizes of one screen, checked; back to the phone afterwards. */
async function checkBoth(name) {
  await checkScreen(page, `owner-settings-${name}-360`);
  await page.setViewportSize(desktop_viewport);
  await checkScreen(page, `owner-settings-${name}-1280`);
  await page.setViewportSize(phone_viewport);
}

const row = (testid, attr, value) => page.locator(`[data-testid="${testid}"][${attr}="${value}"]`);

before(async () => {
  if (skip) return;
  world = await startWorld('owner-settings');
  await openVolodya(world);
  await world.cli('key', 'new', 'petya');
  const acceptance = (await world.cli('--as', 'petya', 'staff', 'accept', ticker)).trim().split('\n').at(-1);
  await world.cli('--as', 'owner', 'staff', 'add', ticker, acceptance, '--role', 'cashier');
  masha = await world.address('masha');
  petya = await world.address('petya');
  await world.cli('--as', 'owner', 'fund', ticker, petya, '200');
  chainIdHex = (await rpc('node.info')).chain_id;
  browser = await launch();
  context = await phoneContext(browser, { locale: 'ru-RU' });
});

after(async () => {
  await browser?.close();
  await world?.stop();
});

test('without the owner key the settings say so and lead to opening a key file, in Russian and English', { skip }, async () => {
  // A coin this node does not have: said, with where to look.
  page = await openPage(context, `${world.url}/o#settings=NOSUCH`);
  await page.getByText('На этом узле нет монеты NOSUCH. Проверьте тикер в адресе страницы (#settings=ТИКЕР).').waitFor();
  await page.goto(`${world.url}/o#settings=${ticker}`);
  const noKey = page.getByTestId('no-key');
  await noKey.waitFor();
  assert.match(await noKey.textContent(), /нет ключа владельца VOLODYA.*Откройте файл ключа/);
  assert.equal(await page.getByRole('link', { name: 'Открыть файл ключа' }).getAttribute('href'), '#import');
  await checkBoth('no-key-ru');
  await setLanguage('en');
  assert.match(await noKey.textContent(), /holds no owner key of VOLODYA.*Open the key file/);
  await setLanguage('ru');

  // A key of someone else is not the owner's: the page names the owner.
  await putKey(generateSeed());
  await page.reload();
  const notOwner = page.getByTestId('not-owner');
  await notOwner.waitFor();
  const { owner } = await venue();
  assert.match(await notOwner.textContent(), new RegExp(`не ключ владельца VOLODYA \\(владелец — ${owner}\\)`));
  await setLanguage('en');
  assert.match(await notOwner.textContent(), new RegExp(`not the owner key of VOLODYA \\(the owner is ${owner}\\)`));
  await setLanguage('ru');
});

test("with the CLI's owner key in the page's key ring, the settings open", { skip }, async () => {
  const { seed } = await openKeystore(await world.cli('key', 'export', 'owner'), passphrase);
  await putKey(seed);
  await page.reload();
  await page.getByTestId('settings').waitFor();
  assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Настройки · U Volodi');
  assert.equal(await page.getByTestId('treasury').getAttribute('data-value'), (await venue()).treasury_balance);
  await checkBoth('settings-ru');
  // The browser now owns the venue: the owner's home lists it.
  const home = await context.newPage();
  await home.goto(`${world.url}/o`);
  await home.getByTestId(`venue-${ticker}`).waitFor();
  await home.close();
});

test('the profile: bad fields are named and keep what was typed; then every field and a logo reach venue.get', { skip }, async () => {
  const form = page.getByTestId('profile');
  const field = (label) => form.getByLabel(label, { exact: true });
  await field('Название').fill('   ');
  await field('Широта').fill('91');
  await field('Адрес').fill('ул. Ленина, 2');
  await form.getByTestId('profile-save').click();
  await form.getByText('«Название»: поле пустое — заполните его.').waitFor();
  await form.getByText('«Широта»: введите градусы числом от -90 до 90, например 55.7558.').waitFor();
  assert.equal(await field('Адрес').inputValue(), 'ул. Ленина, 2', 'what was typed stays');
  await page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'profile-name');
  await setLanguage('en');
  await form.getByText('Name: the field is empty; fill it in.').waitFor();
  await form.getByText('Latitude: type degrees as a number from -90 to 90, e.g. 55.7558.').waitFor();
  await setLanguage('ru');
  assert.equal((await venue()).profile.name, 'U Volodi', 'nothing was sent');

  const png = tinyPng();
  await form.getByLabel('Загрузить логотип').setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: png });
  await form.getByTestId('profile-logo-uploaded').waitFor();
  const logo = `/media/${toHex(blake2b256(new Uint8Array(png)))}.png`;
  assert.equal(await form.getByTestId('profile-logo-preview').getAttribute('src'), logo);

  await field('Название').fill('У Володи');
  await field('Широта').fill('55,75');
  await field('Долгота').fill('37.62');
  await field('Телефон заведения').fill('+7 495 111-22-33');
  await field('Ссылки').fill('https://example.org/u-volodi\n\nhttps://t.me/u_volodi');
  await field('Часы работы').fill('Пн–Вс 09:00–21:00');
  await form.getByTestId('profile-save').click();
  await form.getByTestId('profile-done').waitFor();
  assert.match(await form.getByTestId('profile-done').textContent(), /Профиль сохранён \(блок [0-9]+\)/);
  assert.deepEqual((await venue()).profile, {
    name: 'У Володи',
    logo_url: logo,
    address: 'ул. Ленина, 2',
    geo: { lat_e7: 557500000, lon_e7: 376200000 },
    phone: '+7 495 111-22-33',
    links: ['https://example.org/u-volodi', 'https://t.me/u_volodi'],
    hours: 'Пн–Вс 09:00–21:00',
  });
  assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Настройки · У Володи');
  assert.equal(await form.getByTestId('profile-logo-uploaded').count(), 0, 'saved: no longer waiting for "Save"');
  // The logo is served by the node the page got its URL from.
  assert.equal((await fetch(`${world.url}${logo}`)).status, 200);
});

test('the rewards: one added, one renamed, repriced and given a picture, one retired; a bad price is named', { skip }, async () => {
  const add = page.getByTestId('product-add');
  await add.getByLabel('Название награды').fill('чай');
  await add.getByLabel('Цена').fill('полтора');
  await add.getByTestId('product-add-save').click();
  await add.getByText('«Цена»: введите сумму числом, например 2 или 1,50 (не больше двух знаков после запятой).').waitFor();
  assert.equal(await add.getByLabel('Название награды').inputValue(), 'чай');
  await add.getByLabel('Цена').fill('1,5');
  await add.getByLabel('Категория (необязательно)').fill('напитки');
  await add.getByTestId('product-add-save').click();
  await add.getByTestId('product-add-done').waitFor();
  const tea = (await venue()).products.find((p) => p.name === 'чай');
  assert.deepEqual(tea, { id: 5, name: 'чай', price: '1.50', category: 'напитки', image_url: '', active: true });
  assert.equal(await add.getByLabel('Название награды').inputValue(), '', 'the form is ready for the next one');

  const coffee = row('product', 'data-id', '1');
  await coffee.getByLabel('Название награды').fill('кофе');
  await coffee.getByLabel('Цена').fill('1.20');
  const picture = tinyPng(0x6f);
  await coffee.getByLabel('Картинка награды').setInputFiles({ name: 'coffee.png', mimeType: 'image/png', buffer: picture });
  await coffee.getByTestId('product-image-uploaded').waitFor();
  const pictureUrl = `/media/${toHex(blake2b256(new Uint8Array(picture)))}.png`;
  await coffee.getByTestId('product-save').click();
  await coffee.getByTestId('product-done').waitFor();
  const donut = row('product', 'data-id', '2');
  await donut.getByTestId('product-toggle').click();
  await page.locator('[data-testid="product"][data-id="2"][data-active="false"]').waitFor();
  const products = Object.fromEntries((await venue()).products.map((p) => [p.id, p]));
  assert.deepEqual([products[1].name, products[1].price, products[1].image_url, products[1].active], ['кофе', '1.20', pictureUrl, true]);
  assert.deepEqual([products[2].name, products[2].price, products[2].active], ['donut', '2.00', false]);
  assert.match(await donut.getByTestId('product-done').textContent(), /«donut» снята/);
});

test("the staff: role and limits changed, a top-up from the treasury, both equal in venue.get", { skip }, async () => {
  const member = row('member', 'data-address', masha);
  await member.getByTestId('member-per-tx').fill('400');
  await member.getByTestId('member-per-day').fill('300');
  await member.getByTestId('member-save').click();
  await member.getByText('«Лимит за одно начисление»: лимит за одно начисление больше дневного').waitFor();
  await member.getByTestId('member-per-tx').fill('50');
  await member.getByLabel('Роль').selectOption('manager');
  await member.getByTestId('member-save').click();
  await member.getByTestId('member-limits-done').waitFor();
  let m = memberOf(await venue(), masha);
  assert.deepEqual([m.role, m.limit_per_tx, m.limit_per_day, m.given_today], ['manager', '50.00', '300.00', '0.00']);
  assert.equal(await member.getByRole('heading', { level: 3 }).textContent(), 'Менеджер');

  const before = await venue();
  await member.getByTestId('member-fund').fill('100');
  await member.getByTestId('member-fund-send').click();
  await member.getByTestId('member-fund-done').waitFor();
  const now = await venue();
  m = memberOf(now, masha);
  assert.equal(parseAmount(m.balance), parseAmount(memberOf(before, masha).balance) + 10_000n);
  assert.equal(parseAmount(now.treasury_balance), parseAmount(before.treasury_balance) - 10_000n);
  const balances = await rpc('account.balances', { account: masha });
  assert.equal(balances.balances.find((b) => b.ticker === ticker).balance, m.balance);
  assert.equal(await member.getByTestId('member-balance').getAttribute('data-value'), m.balance);
  assert.equal(await page.getByTestId('treasury').getAttribute('data-value'), now.treasury_balance);
  await checkBoth('settings-changed-ru');
});

test('removing a member shows what returns, asks, and the treasury grows by exactly that', { skip }, async () => {
  const member = row('member', 'data-address', petya);
  assert.equal(await member.getByTestId('member-balance').getAttribute('data-value'), '200.00');
  // Behind the page's back petya gives 50 on: the confirmation must show what is left, not what the page had read.
  await world.cli('--as', 'petya', 'send', ticker, masha, '50');
  const before = await venue();
  const p = memberOf(before, petya);
  const back = [parseAmount(p.balance), parseAmount(p.allowance)].reduce((a, b) => (a < b ? a : b));
  assert.equal(back, 15_000n);
  await member.getByTestId('member-remove').click();
  const confirm = member.getByTestId('member-remove-confirm');
  await confirm.locator('[data-testid="member-remove-amount"][data-value="150.00"]').waitFor();
  assert.match(await confirm.textContent(), /В казну вернётся 150/);
  await checkScreen(page, 'owner-settings-remove-confirm-360');
  assert.ok(memberOf(await venue(), petya), 'nothing happens before the owner confirms');
  await confirm.getByTestId('member-remove-yes').click();
  await page.getByTestId('staff-removed').waitFor();
  const now = await venue();
  assert.equal(memberOf(now, petya), undefined);
  assert.equal(parseAmount(now.treasury_balance), parseAmount(before.treasury_balance) + back);
  assert.equal(await page.getByTestId('treasury').getAttribute('data-value'), now.treasury_balance);
  assert.match(await page.getByTestId('staff-removed').textContent(), /В казну вернулось 150/);
  const left = (await rpc('account.balances', { account: petya })).balances.find((b) => b.ticker === ticker);
  assert.equal(left?.balance ?? '0.00', '0.00');
});

test('a new member invited from the settings: the link, her consent, then she is on the staff list with her allowance', { skip }, async () => {
  const before = await venue();
  await page.getByRole('heading', { name: 'Пригласить сотрудника' }).waitFor();
  await page.getByTestId('invite-allowance').fill('75');
  await page.getByTestId('invite-add').click();
  const link = new URL(await page.getByTestId('invite-link').getAttribute('href'));
  assert.equal(link.pathname, '/s');
  // Her own device would sign this on /s; here the CLI does, and leaves it with invite.accept.
  await world.cli('key', 'new', 'dasha');
  const dasha = await world.address('dasha');
  const acceptance = (await world.cli('--as', 'dasha', 'staff', 'accept', ticker)).trim().split('\n').at(-1);
  await rpc('invite.accept', { secret: link.hash.replace(/^#join=/, '').split('.')[0], acceptance });
  await page.locator('[data-testid="invite"][data-state="joined"]').waitFor({ timeout: 30_000 });
  await row('member', 'data-address', dasha).waitFor();
  const now = await venue();
  assert.equal(memberOf(now, dasha).allowance, '75.00');
  assert.equal(parseAmount(now.treasury_balance), parseAmount(before.treasury_balance) - 7_500n);
  await checkScreen(page, 'owner-settings-invited-360');
});

test('a treasury emptied from another device: the page checks what it read, the node refuses the rest', { skip }, async () => {
  const member = row('member', 'data-address', masha);
  const shown = await page.getByTestId('treasury').getAttribute('data-value');
  await member.getByTestId('member-fund').fill('2000000');
  await member.getByTestId('member-fund-send').click();
  await member.getByText(/«Пополнить из казны»: в казне только/).waitFor();
  assert.equal(await member.getByTestId('member-fund').inputValue(), '2000000');

  // The CLI moves all but 1.00 away; the page still shows the old figure.
  const drain = parseAmount(shown) - 100n;
  await world.cli('--as', 'owner', 'fund', ticker, masha, `${drain / 100n}.${String(drain % 100n).padStart(2, '0')}`);
  await member.getByTestId('member-fund').fill('5');
  await member.getByTestId('member-fund-send').click();
  const error = member.getByTestId('member-fund-error');
  await error.waitFor();
  assert.equal(await error.textContent(), 'Узел отказал: в казне не хватает бонусов. Нажмите «Обновить», чтобы увидеть, сколько в ней сейчас, и введите сумму поменьше.');
  assert.equal(await member.getByTestId('member-fund').inputValue(), '5', 'what was typed stays');
  await setLanguage('en');
  assert.match(await error.textContent(), /^The node refused: the treasury holds too little for this\./);
  // The removal's notice above, redone in English (its role and amounts are translated when shown).
  assert.match(await page.getByTestId('staff-removed').textContent(), /^Cashier kop1.+ is no longer staff\. 150 returned to the treasury, which now holds 999,350\.$/);
  await checkBoth('treasury-short-en');
  await setLanguage('ru');
  assert.equal((await venue()).treasury_balance, '1.00');
  // "Reload", as the message says: the page shows what the treasury holds now.
  await page.getByRole('button', { name: 'Обновить' }).click();
  await page.locator('[data-testid="treasury"][data-value="1.00"]').waitFor();
  assert.equal(await page.getByTestId('treasury').textContent(), 'В казне: 1');
});

test('the node unreachable, a read failing after a commit, and an upload the node refuses: said, with what to do, typed values kept', { skip }, async () => {
  // A page of its own: the failed requests below are the browser's console errors by design.
  const second = await context.newPage();
  await second.goto(`${world.url}/o#settings=${ticker}`);
  await second.getByTestId('settings').waitFor();
  await second.route('**/rpc', (route) =>
    /"method":"tx\.submit"/.test(route.request().postData() ?? '') ? route.abort('internetdisconnected') : route.continue(),
  );
  const hours = second.getByTestId('profile').getByLabel('Часы работы', { exact: true });
  await hours.fill('круглосуточно');
  await second.getByTestId('profile-save').click();
  const error = second.getByTestId('profile-error');
  await error.waitFor();
  assert.equal(await error.textContent(), 'Узел не отвечает — изменение не отправлено. Проверьте связь и нажмите кнопку ещё раз: введённое осталось в форме.');
  assert.equal(await hours.inputValue(), 'круглосуточно');
  await second.getByTestId('language').click();
  await second.getByText(/^The node does not answer, so nothing was sent\./).waitFor();
  await second.unroute('**/rpc');
  assert.equal((await venue()).profile.hours, 'Пн–Вс 09:00–21:00', 'nothing reached the chain');

  // Committed, but the read after it fails: the page says it went through, with what the ledger did.
  await second.route('**/rpc', (route) =>
    /"method":"venue\.get"/.test(route.request().postData() ?? '') ? route.abort('internetdisconnected') : route.continue(),
  );
  const member = second.locator(`[data-testid="member"][data-address="${masha}"]`);
  await member.getByTestId('member-fund').fill('0,5');
  await member.getByTestId('member-fund-send').click();
  await member.getByTestId('member-fund-done').getByText('Sent 0.50. The treasury holds 0.50.').waitFor();
  await second.unroute('**/rpc');
  assert.equal((await venue()).treasury_balance, '0.50');

  // Bytes that say PNG in their type but are not one: the node refuses (415 wrong_type).
  await second.getByTestId('profile-logo-file').setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: Buffer.from('not a picture at all') });
  await second.getByTestId('profile-logo-error').getByText(/^Picture: this is not a PNG, JPEG or WebP\./).waitFor();
  await second.getByTestId('language').click();
  await second.getByTestId('profile-logo-error').getByText(/^Картинка: это не PNG, JPEG или WebP\./).waitFor();
  await second.close();
});
