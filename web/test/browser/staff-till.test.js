// The staff till at /s in Chromium, against a real kopilkad and the real
// CLI, through the page only: with no key and no invite it says to ask the
// owner; a cashier joins by the owner's invite link (the owner's side played
// with web/lib and `kopilka staff add`), the fragment cleared and never in a
// URL a server sees; sends 3 to +7 900 000-00-01; redeems the client's
// vouchers typed as a USB scanner does and through the fake camera (the QR
// decoder fetched only when the camera opens); meets every refusal once with
// its message checked in Russian and in English; closes the day with today's
// totals; and is told when the owner removed them. Each screen at 360 and
// 1280 px: screenshots, no sideways scroll, 48 px targets, axe clean, a quiet
// console. Tests run in order and share the node, the browser and the page.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runNode } from '../kopilkad.js';
import { launch, phoneContext } from './chromium.js';
import { claimCode, decodeQr, linkPath, openVolodya, skip, startWorld } from './cabinet-harness.js';
import { acceptedInvite, check, openInvite, openTill, qrVideo, rpc, seedOf, signedVoucherText } from './staff-harness.js';

const client_phone = '+79000000001';
const decoder_chunk = /\/assets\/qrdecode-[A-Z0-9]{8}\.js$/;
let world;
let browser;
let staff; // the cashier's phone: one browser context, its own IndexedDB
let page; // the till, from the join on
const ticker = 'VOLODYA';
let phoneRef;
let clientSeed;
let ownerSeed;
let staffAddress;
let typedVoucher;
let cameraVoucher;

before(async () => {
  if (skip) return;
  world = await startWorld('staff-till');
  await openVolodya(world);
  // The client: 2 bonuses from the CLI barista, the phone claimed by the CLI's key.
  await world.cli('key', 'new', 'client');
  await world.cli('--as', 'masha', 'send', ticker, '+7 900 000-00-01', '2');
  await world.cli('--as', 'client', 'claim-request', '+7 900 000-00-01');
  await world.cli('--as', 'client', 'claim', '+7 900 000-00-01', '--code', claimCode(world, client_phone));
  phoneRef = linkPath(world, client_phone).split('/').at(-1);
  [clientSeed, ownerSeed] = await Promise.all([seedOf(world, 'client'), seedOf(world, 'owner')]);
  // Two coffee vouchers made by the CLI: one the scanner types, one the camera sees.
  const png = join(world.dir, 'camera-voucher.png');
  cameraVoucher = (await world.cli('--as', 'client', 'voucher', ticker, '1', '--ttl-min', '60', '--png', png, '--text-only')).trim();
  assert.equal(await decodeQr(png), cameraVoucher, 'the PNG holds the camera voucher');
  typedVoucher = (await world.cli('--as', 'client', 'voucher', ticker, '1', '--ttl-min', '60', '--text-only')).trim();
  const video = await qrVideo(png, world.dir);
  browser = await launch(['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${video}`]);
  staff = await phoneContext(browser, { locale: 'ru-RU', permissions: ['camera'] });
  staff.on('request', (r) => sent.push(`${r.url()}\n${r.postData() ?? ''}`));
  // Instruments, not fakes: record the page's buzzes and count its beeps, calling the browser's own.
  await staff.addInitScript(() => {
    window.__signals = { vibrations: [], beeps: 0 };
    const vibrate = navigator.vibrate?.bind(navigator);
    navigator.vibrate = (pattern) => (window.__signals.vibrations.push(pattern), vibrate ? vibrate(pattern) : true);
    const createOscillator = AudioContext.prototype.createOscillator;
    AudioContext.prototype.createOscillator = function () {
      window.__signals.beeps += 1;
      return createOscillator.call(this);
    };
  });
});
const signals = () => page.evaluate(() => window.__signals);
const sent = []; // every request of the cashier's browser, all pages: URL and body

after(async () => {
  await browser?.close();
  await world?.stop();
});

/** The language switch: to English and back to Russian. */
const toEnglish = () => page.getByRole('button', { name: 'English' }).click();
const toRussian = () => page.getByRole('button', { name: 'Русский' }).click();

/** The alert (or the verdict) says `ru`; in English it says `en`; back in Russian. */
async function saysInBoth(locator, ru, en) {
  await locator().getByText(ru, { exact: true }).waitFor();
  await toEnglish();
  await locator().getByText(en, { exact: true }).waitFor();
  await toRussian();
  await locator().getByText(ru, { exact: true }).waitFor();
}

const balanceOf = async (account) => (await rpc(world, 'account.balances', { account })).balances.find((b) => b.ticker === ticker)?.balance;

test('with no key and no invite, the page says to ask the owner for one', { skip }, async () => {
  const first = await openTill(staff, `${world.url}/s`);
  await first.getByTestId('no-invite').waitFor();
  page = first;
  await saysInBoth(
    () => first.getByTestId('no-invite'),
    'На этом устройстве ещё нет ключа сотрудника. Попросите владельца заведения прислать приглашение и откройте ссылку из него здесь.',
    'This device has no staff key yet. Ask the venue’s owner for an invite and open its link here.',
  );
  await check(first, 'till-01-no-invite');
  await first.close();
});

test('joining by the invite link: a key made here, the consent left, the fragment cleared; the till once the owner adds it', { skip }, async () => {
  const invite = await openInvite(world, ownerSeed, ticker);
  page = await openTill(staff, invite.link);
  await page.getByTestId('join-waiting').waitFor();
  await page.getByRole('heading', { name: 'Приглашение в «U Volodi»' }).waitFor();
  // The secret left the address bar and the history entry, and went only in invite.accept's body.
  assert.equal(page.url(), `${world.url}/s`);
  assert.equal(await page.evaluate(() => location.hash), '');
  assert.deepEqual(page.requests.filter((r) => r.url.includes(invite.secretText)), [], 'no URL carries the secret');
  const carrying = page.requests.filter((r) => r.body.includes(invite.secretText)).map((r) => JSON.parse(r.body).method);
  assert.deepEqual(carrying, ['invite.accept']);

  // The key is in this browser's IndexedDB, not in localStorage.
  assert.ok((await page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name))).includes('kopilka-staff'));
  assert.deepEqual(await page.evaluate(() => Object.keys(localStorage).filter((k) => k !== 'kopilka.language')), []);

  const accepted = await acceptedInvite(world, invite.id);
  staffAddress = accepted.staff;
  await page.getByTestId('staff-address').getByText(staffAddress).waitFor();
  await check(page, 'till-02-waiting');

  await world.cli('--as', 'owner', 'staff', 'add', ticker, accepted.acceptance, '--role', 'cashier', '--limit-per-tx', '10', '--limit-per-day', '15');
  await world.cli('--as', 'owner', 'fund', ticker, staffAddress, '20');
  await page.getByTestId('standing').waitFor();
  // The key stays in this browser: a reload opens the till, not the invite.
  await page.reload();
  await page.getByTestId('allowance').getByText('Можно начислить: 20 VOLODYA').waitFor();
  assert.equal(await page.getByTestId('limit-tx').textContent(), 'За один раз: до 10 VOLODYA');
  assert.equal(await page.getByTestId('limit-day').textContent(), 'Сегодня: начислено 0 из 15 VOLODYA');
  assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), '«U Volodi»');
  await check(page, 'till-03-till');
});

/** Fills the send form and goes to the confirmation. */
async function sendForm(phone, amount, memo = '') {
  await page.getByTestId('send-phone').fill(phone);
  await page.getByTestId('send-amount').fill(amount);
  await page.getByTestId('send-memo').fill(memo);
  await page.getByRole('button', { name: 'Дальше' }).click();
}

test('sending 3 to +7 900 000-00-01: the number read as typed, a confirmation, the result', { skip }, async () => {
  const preview = page.getByTestId('send-phone-preview');
  await page.getByTestId('send-phone').fill('8 900 000-00-01');
  await preview.getByText('Будет: +79000000001').waitFor();
  await page.getByTestId('send-phone').fill('+7 (900)');
  await preview.getByText('Номер короткий — наберите его полностью.').waitFor();
  // The note is counted in bytes, as the ledger counts it: 70 Cyrillic letters fill it.
  await page.getByTestId('send-memo').fill('б'.repeat(71));
  await page.getByText('Комментарий длиннее 140 байт. Сократите его.').waitFor();
  await page.getByTestId('send-memo').fill('б'.repeat(70));
  await page.getByText('Занято 140 из 140 байт: русская буква — 2 байта, латинская — 1.').waitFor();
  await sendForm('+7 900 000-00-01', '3', 'спасибо!');
  await page.getByTestId('send-confirm').getByText('Клиент +79000000001 получит 3 VOLODYA.').waitFor();
  await page.getByText('Комментарий: «спасибо!»').waitFor();
  await page.getByText('Бонусы сразу появятся в кабинете клиента.').waitFor();
  await check(page, 'till-04-confirm');
  await page.getByTestId('send-confirm-button').click();
  await page.getByTestId('send-result').getByText('3 VOLODYA отправлено на +79000000001.').waitFor();
  await page.getByTestId('allowance').getByText('Можно начислить: 17 VOLODYA').waitFor();
  assert.equal(await balanceOf(`phone:${phoneRef}`), '5.00');
  await check(page, 'till-05-sent');
  await page.getByTestId('send-another').click();
});

test('send refusals: over the per-transfer limit, over the balance, over the daily limit, no connection', { skip }, async () => {
  const give = () => page.getByTestId('send-confirm-button').click();
  const change = () => page.getByRole('button', { name: 'Изменить' }).click();
  const alert = () => page.getByTestId('error');

  await sendForm('+7 900 000-00-01', '11');
  await give();
  await saysInBoth(alert, 'Больше 10 VOLODYA за один раз начислить нельзя. Введите сумму поменьше или попросите владельца поднять лимит.',
    'At most 10 VOLODYA in one transfer. Type a smaller amount, or ask the owner to raise the limit.');
  await check(page, 'till-06-limit-per-tx');

  // 10 goes through (13 given today, 7 left); then 8 is more than the balance, 5 more than the day allows.
  await change();
  await sendForm('+7 900 000-00-01', '10');
  await give();
  await page.getByTestId('send-result').waitFor();
  await page.getByTestId('send-another').click();
  await sendForm('+7 900 000-00-01', '8');
  await give();
  await saysInBoth(alert, 'У вас осталось 7 VOLODYA — меньше этой суммы. Введите сумму поменьше или попросите владельца пополнить ваш баланс.',
    'You have 7 VOLODYA left — less than this amount. Type a smaller amount, or ask the owner to top up your balance.');
  await change();
  await sendForm('+7 900 000-00-01', '5');
  await give();
  await saysInBoth(alert, 'Дневной лимит — 15 VOLODYA, сегодня уже начислено 13. Введите сумму поменьше или попросите владельца поднять лимит.',
    'The daily limit is 15 VOLODYA and 13 was given today. Type a smaller amount, or ask the owner to raise the limit.');
  await check(page, 'till-07-limit-per-day');

  // The node cannot be reached: nothing is sent, and the page says so.
  await change();
  page.expectErrors = true; // the browser logs the failed fetch itself
  await staff.route('**/rpc', (route) => route.abort('connectionfailed'));
  await sendForm('+7 900 000-00-01', '1');
  await saysInBoth(alert, 'Нет связи с сервером — ничего не отправлено. Проверьте интернет и нажмите ещё раз.',
    'No connection to the server — nothing was sent. Check the internet and press again.');
  await staff.unroute('**/rpc');
  page.expectErrors = false;
  assert.equal(await balanceOf(`phone:${phoneRef}`), '15.00');
});

test('a voucher typed by a USB scanner: checked, confirmed, redeemed, a green full screen; the decoder not fetched', { skip }, async () => {
  await page.getByTestId('tab-redeem').click();
  const field = page.getByLabel('Код с QR');
  // A scanner types the code and presses Enter; this till has the Russian keyboard layout on.
  const russian = typedVoucher.replace(/[A-Z:./]/g, (c) => (c === ':' ? 'Ж' : c === '.' ? 'Ю' : c === '/' ? '.' : 'ФИСВУАПРШОЛДЬТЩЗЙКЫЕГМЦЧНЯ'['ABCDEFGHIJKLMNOPQRSTUVWXYZ'.indexOf(c)]));
  assert.match(russian, /^ЛМ1Ж/);
  await field.pressSequentially(russian);
  await field.press('Enter');
  const card = page.getByTestId('redeem-confirm');
  await card.getByRole('heading', { name: 'coffee — 1 VOLODYA' }).waitFor();
  assert.equal(await card.getByTestId('client-balance').textContent(), 'У клиента: 15 VOLODYA');
  assert.match(await card.getByTestId('time-left').textContent(), /^Код действует ещё (59|60):[0-5][0-9]$/);
  await check(page, 'till-08-redeem-confirm');
  await page.getByRole('button', { name: 'Списать и выдать' }).click();
  const verdict = page.getByTestId('verdict');
  await verdict.getByText('Можно выдавать').waitFor();
  assert.equal(await verdict.getAttribute('data-verdict'), 'ok');
  // One buzz and one high beep for "hand it over".
  assert.deepEqual(await signals(), { vibrations: [[120]], beeps: 1 });
  await saysInBoth(() => page.getByTestId('verdict'), '«coffee» списано: 1 VOLODYA.', '“coffee” redeemed: 1 VOLODYA.');
  assert.equal(await verdict.getByTestId('verdict-details').textContent(), 'У клиента осталось: 14 VOLODYA');
  await check(page, 'till-09-redeemed');
  assert.equal(await balanceOf(`phone:${phoneRef}`), '14.00');
  await page.getByRole('button', { name: 'Следующий клиент' }).click();
  assert.deepEqual(page.requests.filter((r) => decoder_chunk.test(r.url)), [], 'the QR decoder is not fetched before the camera opens');
});

test('a voucher seen by the camera: the decoder fetched now, the QR read off the video, redeemed', { skip }, async () => {
  await page.getByRole('button', { name: 'Сканировать камерой' }).click();
  const card = page.getByTestId('redeem-confirm');
  // Chromium's fake camera plays the clip from its start while the decoder
  // chunk loads and compiles; on a loaded 2-core CI machine (the other ctest
  // job beside it) the first frame read can come late: once seen on record
  // past the default 30 s. A person would wait as long: so does the test.
  await card.getByRole('heading', { name: 'coffee — 1 VOLODYA' }).waitFor({ timeout: 90_000 });
  assert.equal(page.requests.filter((r) => decoder_chunk.test(r.url)).length, 1, 'the QR decoder is fetched once the camera opens');
  await page.getByRole('button', { name: 'Списать и выдать' }).click();
  await page.getByTestId('verdict').getByText('«coffee» списано: 1 VOLODYA.').waitFor();
  assert.equal(await balanceOf(`phone:${phoneRef}`), '13.00');
  await page.getByRole('button', { name: 'Следующий клиент' }).click();
});

test('redeem refusals, each a red full screen that says what to do: used, expired, price changed, too few bonuses, a lost answer retried with the same bytes, no connection', { skip }, async () => {
  const field = page.getByLabel('Код с QR');
  const verdict = () => page.getByTestId('verdict');
  const scan = async (text) => {
    await field.fill(text);
    await field.press('Enter');
  };
  const next = () => page.getByRole('button', { name: 'Следующий клиент' }).click();

  await scan(typedVoucher);
  await saysInBoth(verdict, 'По этому QR-коду награду уже выдали. Второй раз не выдавайте.', 'This QR code was already redeemed. Do not hand the reward over a second time.');
  assert.equal(await verdict().getAttribute('data-verdict'), 'refused');
  // A double buzz and two low beeps for "do not" (after the two redeems' one each).
  const heard = await signals();
  assert.deepEqual(heard.vibrations.at(-1), [200, 100, 200]);
  assert.equal(heard.beeps, 4);
  await verdict().getByText('Не выдавать').waitFor();
  await check(page, 'till-10-used');
  await next();

  const { time_ms } = await rpc(world, 'node.info');
  const now_s = BigInt(Math.floor(time_ms / 1000));
  await scan(await signedVoucherText(world, clientSeed, { phoneRef, product_id: 1, price: 100n, expiry_s: now_s - 60n }));
  await saysInBoth(verdict, 'QR-код истёк. Попросите клиента открыть награду заново — появится новый код.', 'The QR code has expired. Ask the client to open the reward again — a new code appears.');
  await next();

  await scan(await signedVoucherText(world, clientSeed, { phoneRef, product_id: 1, price: 200n, expiry_s: now_s + 600n }));
  await saysInBoth(verdict, 'Цена или награда изменилась после того, как клиент открыл код. Попросите клиента открыть награду заново.',
    'The price or the reward changed after the client opened the code. Ask the client to open the reward again.');
  await next();

  // The client has 13, enough for the cake (10): a gift of 4 to a friend leaves 9.
  await world.cli('--as', 'client', 'gift', ticker, '+7 900 000-00-02', '4');
  await scan(await signedVoucherText(world, clientSeed, { phoneRef, product_id: 4, price: 1000n, expiry_s: now_s + 600n }));
  await saysInBoth(verdict, 'У клиента не хватает бонусов: на счету 9 VOLODYA. Предложите награду дешевле.', 'The client has too few bonuses: 9 VOLODYA. Offer a cheaper reward.');
  await check(page, 'till-11-not-enough');
  await next();

  // The answer to tx.submit is lost on its way back, after the node committed the redeem: the page
  // keeps the signed bytes, "Retry" sends them again, and the ledger takes the redeem once: a new
  // transaction (a new nonce) would be refused as voucher_used; the same bytes answer "committed".
  const lostVoucher = (await world.cli('--as', 'client', 'voucher', ticker, '1', '--ttl-min', '10', '--text-only')).trim();
  page.expectErrors = true;
  await staff.route('**/rpc', async (route) => {
    if (route.request().postDataJSON().method !== 'tx.submit') return route.continue();
    await route.fetch();
    await route.abort('connectionfailed');
  });
  await scan(lostVoucher);
  await page.getByRole('button', { name: 'Списать и выдать' }).click();
  await saysInBoth(verdict, 'Связь пропала, пока шла операция: возможно, она уже прошла. Нажмите «Повторить» — повтор не начислит дважды.',
    'The connection dropped while sending: it may have gone through. Press “Retry” — a retry never gives twice.');
  await staff.unroute('**/rpc');
  assert.equal(await balanceOf(`phone:${phoneRef}`), '8.00', 'the node committed the first submission');
  await page.getByRole('button', { name: 'Повторить' }).click();
  await page.getByTestId('verdict').getByText('«coffee» списано: 1 VOLODYA.').waitFor();
  assert.equal(await balanceOf(`phone:${phoneRef}`), '8.00', 'the retry redeemed nothing more');
  await next();

  await staff.route('**/rpc', (route) => route.abort('connectionfailed'));
  await scan(cameraVoucher);
  await saysInBoth(() => page.getByTestId('error'), 'Нет связи с сервером — ничего не отправлено. Проверьте интернет и нажмите ещё раз.',
    'No connection to the server — nothing was sent. Check the internet and press again.');
  await staff.unroute('**/rpc');
  page.expectErrors = false;
});

test("today: this cashier's own transfers and redemptions, with totals", { skip }, async () => {
  await page.getByTestId('tab-today').click();
  const today = page.getByTestId('today');
  await today.getByTestId('today-given').getByText('Начислено: 13 VOLODYA').waitFor();
  assert.equal(await today.getByTestId('today-redeemed').textContent(), 'Списано наград: 3 VOLODYA');
  assert.equal(await today.getByTestId('today-counts').textContent(), 'Начислений: 2, списаний: 3');
  assert.equal(await today.getByTestId('today-received').textContent(), 'Получено от владельца: 20 VOLODYA');
  assert.equal(await today.getByTestId('today-entry').count(), 6);
  await today.getByText('Списано «coffee», 1 VOLODYA').first().waitFor();
  await check(page, 'till-12-today');
});

test('a second venue joined on the same device: each till one tap from the other', { skip }, async () => {
  await world.cli('--as', 'owner', 'venue', 'create', 'PEKAR', '--name', 'Pekarnya');
  const invite = await openInvite(world, ownerSeed, 'PEKAR');
  const second = await openTill(staff, invite.link);
  await second.getByTestId('join-waiting').waitFor();
  const accepted = await acceptedInvite(world, invite.id);
  assert.notEqual(accepted.staff, staffAddress, 'a key of its own for each venue');
  await world.cli('--as', 'owner', 'staff', 'add', 'PEKAR', accepted.acceptance, '--role', 'barista');
  await second.getByRole('heading', { level: 1, name: '«Pekarnya»' }).waitFor();
  assert.equal(await second.getByTestId('limit-tx').textContent(), 'За один раз: без ограничения');
  await page.close();
  page = second;
  await check(page, 'till-13-second-venue');
  await page.getByRole('button', { name: 'Перейти в кассу VOLODYA' }).click();
  await page.getByRole('heading', { level: 1, name: '«U Volodi»' }).waitFor();
  // The till chosen last is the one a reload opens.
  await page.reload();
  await page.getByRole('heading', { level: 1, name: '«U Volodi»' }).waitFor();
  await page.getByRole('button', { name: 'Перейти в кассу PEKAR' }).waitFor();
});

test('removed by the owner: a send is refused as not staff, and the till says so', { skip }, async () => {
  await world.cli('--as', 'owner', 'staff', 'remove', ticker, staffAddress);
  await page.getByTestId('tab-send').click();
  await sendForm('+7 900 000-00-01', '1');
  await saysInBoth(() => page.getByTestId('error'), 'Вы не сотрудник «VOLODYA»: операция не прошла. Попросите владельца о новом приглашении.',
    'You are not staff of VOLODYA: nothing was done. Ask the owner for a new invite.');
  await page.reload();
  await page.getByTestId('not-staff').getByText('Вы больше не сотрудник «VOLODYA»: начислять и списывать бонусы нельзя. Попросите владельца о новом приглашении.').waitFor();
  await check(page, 'till-14-removed');
});

test('invited again after the removal: the same key consents anew and gets its till back', { skip }, async () => {
  const invite = await openInvite(world, ownerSeed, ticker);
  const again = await openTill(staff, invite.link);
  await again.getByTestId('join-waiting').waitFor();
  const accepted = await acceptedInvite(world, invite.id);
  assert.equal(accepted.staff, staffAddress, 'the key this device holds for VOLODYA');
  await world.cli('--as', 'owner', 'staff', 'add', ticker, accepted.acceptance);
  await again.getByTestId('allowance').getByText('Можно начислить: 0 VOLODYA').waitFor();
  assert.equal(await again.getByTestId('not-staff').count(), 0);
  await page.close();
  page = again;
});

test('an invite a node restart forgot before the owner added the key: the page says so, and the owner can still add the consent', { skip }, async () => {
  await world.cli('--as', 'owner', 'venue', 'create', 'KOFE', '--name', 'Kofeynya');
  const invite = await openInvite(world, ownerSeed, 'KOFE');
  const waiting = await openTill(staff, invite.link);
  await waiting.getByTestId('join-waiting').waitFor();
  const accepted = await acceptedInvite(world, invite.id);
  // A restart forgets every invite (docs/node.md "Staff invites"); the node comes back on the same origin.
  waiting.expectErrors = true; // polls that meet the stopped node are logged by the browser
  await world.node.stop();
  world.node = await runNode(world.datadir, { port: world.node.port });
  await waiting.getByTestId('error').getByText('Приглашение истекло или сервер перезапускался, а владелец вас ещё не добавил. Попросите владельца открыть приглашение снова, затем откройте ссылку ещё раз.').waitFor();
  await page.close();
  page = waiting;
  await toEnglish();
  await waiting.getByTestId('error').getByText('The invite lapsed or the server restarted before the owner added you. Ask the owner to open the invite again, then open the link once more.').waitFor();
  await toRussian();
  await world.cli('--as', 'owner', 'staff', 'add', 'KOFE', accepted.acceptance);
  await waiting.getByRole('heading', { level: 1, name: '«Kofeynya»' }).waitFor();
});

test("no request of the cashier's browser ever carried a key's seed", { skip }, async () => {
  const seeds = await page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open('kopilka-staff');
        open.onsuccess = () => {
          const all = open.result.transaction('keys').objectStore('keys').getAll();
          all.onsuccess = () => resolve(all.result.map((k) => Array.from(k.seed)));
          all.onerror = () => reject(all.error);
        };
        open.onerror = () => reject(open.error);
      }),
  );
  assert.equal(seeds.length, 3, 'a key for each venue');
  assert.ok(sent.length > 50, `${sent.length} requests recorded`);
  for (const seed of seeds) {
    const bytes = Buffer.from(seed);
    for (const text of [bytes.toString('hex'), bytes.toString('base64url'), bytes.toString('base64')])
      assert.deepEqual(sent.filter((r) => r.includes(text)), [], 'a seed in a request');
  }
});
