// The staff till's byte budget, as a phone meets it: everything Chromium
// fetches to show the first screen of /s (the HTML, every script and
// stylesheet), each body gzipped at level 9, at most 100 KiB together, and
// the QR decoder not among them (test/browser/staff-till.test.js proves it is
// fetched once the camera opens). Bytes are deterministic, so this asserts.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { constants, gzipSync } from 'node:zlib';
import { launch, phoneContext } from './chromium.js';
import { skip, startWorld } from './cabinet-harness.js';

export const staff_first_load_gzip_bytes_max = 100 * 1024;
let world;
let browser;

before(async () => {
  if (skip) return;
  world = await startWorld('staff-budget');
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await world?.stop();
});

test('the first load of the staff till is at most 100 KiB gzip of HTML, JS and CSS, without the QR decoder', { skip }, async () => {
  const context = await phoneContext(browser);
  const page = await context.newPage();
  const fetched = [];
  page.on('response', (r) => {
    if (['document', 'script', 'stylesheet'].includes(r.request().resourceType())) fetched.push(r);
  });
  await page.goto(`${world.url}/s`);
  // The first screen is up only once every statically imported script ran.
  await page.getByTestId('no-invite').waitFor();
  const sizes = { document: 0, script: 0, stylesheet: 0 };
  for (const r of fetched) {
    assert.equal(r.status(), 200, r.url());
    sizes[r.request().resourceType()] += gzipSync(await r.body(), { level: constants.Z_BEST_COMPRESSION }).length;
  }
  const total = sizes.document + sizes.script + sizes.stylesheet;
  console.log(`staff first load: ${total} bytes gzip -9 (HTML ${sizes.document}, JS ${sizes.script}, CSS ${sizes.stylesheet}) in ${fetched.length} files`);
  assert.ok(sizes.script > 0 && sizes.stylesheet > 0, 'the page loaded its script and stylesheet');
  assert.ok(total <= staff_first_load_gzip_bytes_max, `${total} bytes gzip, more than ${staff_first_load_gzip_bytes_max}`);
  assert.deepEqual(fetched.map((r) => r.url()).filter((u) => /\/assets\/qrdecode-/.test(u)), [], 'the QR decoder is not in the first load');
  await context.close();
});
