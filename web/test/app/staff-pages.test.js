// The staff till in the pages build: its route, its first load within 100
// KiB gzip (the manifest's bytes, deterministic), and the camera's QR decoder
// a chunk of its own (named a word and a hash) that no first-load file
// imports, so it is fetched only when the camera opens.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildPages } from '../../build.mjs';

const staff_first_load_gzip_bytes_max = 100 * 1024;
const dir = mkdtempSync(join(tmpdir(), 'kopilka-staff-pages-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('the staff page: /s, a first load of at most 100 KiB gzip, the QR decoder outside it', async () => {
  const manifest = await buildPages(dir);
  const staff = manifest.pages.find((p) => p.name === 'staff');
  assert.ok(staff, 'pages.mjs has the staff page');
  assert.deepEqual(staff.routes, ['/s']);
  const byPath = new Map(manifest.files.map((f) => [f.path, f]));
  assert.equal(staff.first_load_gzip_bytes, staff.first_load.reduce((s, p) => s + byPath.get(p).gzip_bytes, 0));
  console.log(`staff first load: ${staff.first_load_gzip_bytes} bytes gzip (${(staff.first_load_gzip_bytes / 1024).toFixed(1)} KiB) of ${staff_first_load_gzip_bytes_max}`);
  assert.ok(staff.first_load_gzip_bytes <= staff_first_load_gzip_bytes_max, 'over the budget: lazy-load what the first screen does not need');
  const decoder = manifest.files.filter((f) => /^assets\/qrdecode-[A-Z0-9]{8}\.js$/.test(f.path));
  assert.equal(decoder.length, 1, 'the decoder is one chunk named qrdecode');
  console.log(`QR decoder chunk: ${decoder[0].path} ${decoder[0].gzip_bytes} bytes gzip`);
  assert.ok(!staff.first_load.includes(decoder[0].path));
  // It is reached only through import(): no first-load file names it in a static import.
  const name = decoder[0].path.slice('assets/'.length);
  let dynamic = 0;
  for (const p of staff.first_load.filter((x) => x.endsWith('.js'))) {
    const js = readFileSync(join(dir, p), 'utf8');
    assert.doesNotMatch(js, new RegExp(`import[^()]*from\\s*"\\./${name.replace('.', '\\.')}"`), `${p} imports the decoder statically`);
    if (!js.includes(name)) continue;
    assert.match(js, new RegExp(`import\\("\\./${name.replace('.', '\\.')}"\\)`), `${p} names the decoder only in import()`);
    dynamic += 1;
  }
  assert.equal(dynamic, 1, 'one first-load file loads the decoder with import()');
});
