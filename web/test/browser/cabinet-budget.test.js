// The cabinet's byte budget, checked as the phone meets it: everything the
// browser fetches to show the first screen (the HTML, every script and
// stylesheet), each body gzipped at level 9, at most 60 KiB together. Bytes
// are deterministic, so this is an assertion; the time to the balance is a
// measurement (docs/performance.md), not asserted here.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { constants, gzipSync } from 'node:zlib';
import { launch, phoneContext } from './chromium.js';
import { skip, startWorld } from './cabinet-harness.js';

export const first_load_gzip_bytes_max = 60 * 1024;
let world;
let browser;

before(async () => {
  if (skip) return;
  world = await startWorld('cabinet-budget');
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await world?.stop();
});

test('the first load of the cabinet is at most 60 KiB gzip of HTML, JS and CSS', { skip }, async () => {
  const context = await phoneContext(browser);
  const page = await context.newPage();
  const fetched = [];
  page.on('response', (r) => {
    if (['document', 'script', 'stylesheet'].includes(r.request().resourceType())) fetched.push(r);
  });
  await page.goto(`${world.url}/`);
  // The first screen is up only once every statically imported script ran.
  await page.getByTestId('claim').waitFor();
  const sizes = { document: 0, script: 0, stylesheet: 0 };
  for (const r of fetched) {
    assert.equal(r.status(), 200, r.url());
    sizes[r.request().resourceType()] += gzipSync(await r.body(), { level: constants.Z_BEST_COMPRESSION }).length;
  }
  const total = sizes.document + sizes.script + sizes.stylesheet;
  console.log(`cabinet first load: ${total} bytes gzip -9 (HTML ${sizes.document}, JS ${sizes.script}, CSS ${sizes.stylesheet}) in ${fetched.length} files`);
  assert.ok(sizes.script > 0 && sizes.stylesheet > 0, 'the page loaded its script and stylesheet');
  assert.ok(total <= first_load_gzip_bytes_max, `${total} bytes gzip, more than ${first_load_gzip_bytes_max}`);
  await context.close();
});
