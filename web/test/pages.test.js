// The pages build (build.mjs --pages, embed.mjs): deterministic to the byte,
// within the issue's budget (the cabinet's first load at most 60 KiB gzip),
// shells with no inline script or style and nothing from another origin,
// and a manifest that says exactly what is on disk.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { buildPages } from '../build.mjs';
import { embedSource } from '../embed.mjs';

// The issue's budget: HTML, JS and CSS of the cabinet's first load, gzip.
const cabinet_first_load_gzip_bytes_max = 60 * 1024;

// Every file below `dir`, relative and sorted (Node 18 has no recursive readdir).
function listFiles(dir, root = dir) {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? listFiles(join(dir, e.name), root) : [relative(root, join(dir, e.name))]))
    .sort();
}

const scratch = mkdtempSync(join(tmpdir(), 'kopilka-pages-'));
test.after(() => rmSync(scratch, { recursive: true, force: true }));
const first = join(scratch, 'first');
const second = join(scratch, 'second');
const manifest = await buildPages(first);
await buildPages(second);

test('two builds give the same bytes, and the same C++ source', () => {
  const files = listFiles(first);
  assert.deepEqual(listFiles(second), files);
  for (const f of files) assert.ok(readFileSync(join(first, f)).equals(readFileSync(join(second, f))), `${f} differs`);
  assert.equal(embedSource(first), embedSource(second));
});

test(`the cabinet's first load is at most ${cabinet_first_load_gzip_bytes_max} bytes gzip`, () => {
  const cabinet = manifest.pages.find((p) => p.name === 'cabinet');
  assert.ok(cabinet, 'pages.mjs has the cabinet');
  assert.deepEqual(cabinet.routes, ['/', '/c/<hex64>']);
  const byPath = new Map(manifest.files.map((f) => [f.path, f]));
  const sum = cabinet.first_load.reduce((s, p) => s + byPath.get(p).gzip_bytes, 0);
  assert.equal(cabinet.first_load_gzip_bytes, sum);
  console.log(
    `cabinet first load: ${cabinet.first_load_gzip_bytes} bytes gzip (${(cabinet.first_load_gzip_bytes / 1024).toFixed(1)} KiB) ` +
      `of ${cabinet_first_load_gzip_bytes_max}: ${cabinet.first_load.map((p) => `${p} ${byPath.get(p).gzip_bytes}`).join(', ')}`,
  );
  assert.ok(cabinet.first_load_gzip_bytes <= cabinet_first_load_gzip_bytes_max, 'over the budget: lazy-load what the first screen does not need');
  // The first load holds the shell, the entry and its stylesheet.
  assert.equal(cabinet.first_load[0], 'cabinet.html');
  assert.ok(cabinet.first_load.some((p) => /^assets\/cabinet-[A-Z0-9]{8}\.js$/.test(p)));
  assert.ok(cabinet.first_load.some((p) => /^assets\/cabinet-[A-Z0-9]{8}\.css$/.test(p)));
});

test('the manifest lists every file on disk, with its sizes, type, hash and gzip copy', () => {
  const listed = manifest.files.flatMap((f) => [f.path, `${f.path}.gz`]);
  assert.deepEqual(listFiles(first), [...listed, 'manifest.json'].sort());
  assert.deepEqual(JSON.parse(readFileSync(join(first, 'manifest.json'), 'utf8')), manifest);
  for (const f of manifest.files) {
    const bytes = readFileSync(join(first, f.path));
    const gz = readFileSync(join(first, `${f.path}.gz`));
    assert.equal(f.bytes, bytes.length, f.path);
    assert.equal(f.gzip_bytes, gz.length, f.path);
    assert.ok(gunzipSync(gz).equals(bytes), `${f.path}.gz inflates to ${f.path}`);
    assert.equal(f.sha256, createHash('sha256').update(bytes).digest('hex'));
    assert.equal(f.immutable, f.path.startsWith('assets/'));
    if (f.immutable) assert.match(f.path, /^assets\/[\w.]+-[A-Z0-9]{8}\.\w+$/);
    assert.match(f.content_type, /^(text\/(html|javascript|css|plain); charset=utf-8|image\/\S+|font\/woff2)$/);
  }
});

test('each shell loads only files of its own build, with no inline script or style', () => {
  for (const page of manifest.pages) {
    const html = readFileSync(join(first, page.html), 'utf8');
    assert.match(html, /^<!doctype html>\n<html lang="ru">/);
    assert.ok(html.includes('<meta name="viewport" content="width=device-width, initial-scale=1">'));
    assert.match(html, /<meta name="color-scheme" content="[^"]+">/);
    assert.ok(html.includes('<div id="app"></div>'));
    assert.match(html, /<noscript>.*JavaScript.*<span lang="en">.*JavaScript.*<\/noscript>/);
    assert.doesNotMatch(html, /<style|\sstyle=|\son\w+=|javascript:/i);
    // Every <script> has a src; none has a body.
    for (const [, tag, body] of html.matchAll(/<script([^>]*)>([^<]*)<\/script>/g)) {
      assert.match(tag, /\ssrc="\/assets\//);
      assert.equal(body, '');
    }
    const urls = [...html.matchAll(/(?:src|href)="([^"]*)"/g)].map((m) => m[1]);
    assert.ok(urls.length >= 2);
    const built = new Set(manifest.files.map((f) => `/${f.path}`));
    for (const u of urls) assert.ok(built.has(u), `${page.html} names ${u}, which is not a file of this build`);
    // The shell names exactly its first load (less itself) and the icon, nothing lazy.
    const icon = html.match(/<link rel="icon" href="\/(assets\/icon-[A-Z2-7]{8}\.svg)" type="image\/svg\+xml">/);
    assert.ok(icon, 'the shell declares its icon, so no browser asks for /favicon.ico');
    assert.deepEqual(urls.map((u) => u.slice(1)).sort(), [...page.first_load.slice(1), icon[1]].sort());
  }
  for (const f of manifest.files.filter((x) => x.path.endsWith('.css'))) {
    const css = readFileSync(join(first, f.path), 'utf8');
    assert.doesNotMatch(css, /@import|url\(\s*["']?(https?:)?\/\//i, `${f.path} loads nothing from another origin`);
  }
});

test('a pages build clears only what its own manifest lists, and refuses a foreign directory', async () => {
  const foreign = join(scratch, 'foreign');
  mkdirSync(foreign);
  writeFileSync(join(foreign, 'keep.txt'), 'not the build’s');
  await assert.rejects(buildPages(foreign), /not empty and holds no manifest\.json/);
  assert.deepEqual(readdirSync(foreign), ['keep.txt']);
  // Rebuilding over a previous build leaves no stale file behind.
  const again = join(scratch, 'again');
  await buildPages(again);
  writeFileSync(join(again, 'assets', 'cabinet-OLDHASH0.js'), 'stale');
  const m = JSON.parse(readFileSync(join(again, 'manifest.json'), 'utf8'));
  m.files.push({ path: 'assets/cabinet-OLDHASH0.js' });
  writeFileSync(join(again, 'manifest.json'), JSON.stringify(m));
  await buildPages(again);
  assert.deepEqual(listFiles(again), listFiles(first));
});

test('pages share chunks: a first load holds the entry, its static imports (preloaded) and its CSS, nothing lazy', async () => {
  const dir = join(scratch, 'two-pages');
  const fixture = (name) => `test/fixtures/pages/${name}.js`;
  const m = await buildPages(dir, [
    { name: 'one', entry: fixture('one'), routes: ['/1'] },
    { name: 'two', entry: fixture('two'), routes: ['/2'] },
  ]);
  const [one, two] = m.pages;
  const js = (p) => p.first_load.filter((f) => f.endsWith('.js'));
  const shared = js(one).filter((f) => js(two).includes(f));
  assert.equal(shared.length, 1, 'one shared chunk in both first loads');
  assert.ok(one.first_load.some((f) => /^assets\/one-[A-Z0-9]{8}\.css$/.test(f)));
  assert.ok(!two.first_load.some((f) => f.endsWith('.css')));
  // The root scripts (sw.js) are no page's: only assets/ can be a page's lazy chunk.
  const lazy = m.files.map((f) => f.path).filter((p) => p.startsWith('assets/') && p.endsWith('.js') && ![...js(one), ...js(two)].includes(p));
  assert.equal(lazy.length, 1, 'the dynamic import is a file of the build, outside every first load');
  const html = readFileSync(join(dir, 'one.html'), 'utf8');
  assert.ok(html.includes(`<link rel="modulepreload" href="/${shared[0]}">`));
  assert.ok(!html.includes(lazy[0]));
});

test('the service worker is a root script of its own: sw.js, not hashed, revalidated, in no first load', () => {
  assert.deepEqual(manifest.workers, [{ name: 'sw', path: 'sw.js' }]);
  const sw = manifest.files.find((f) => f.path === 'sw.js');
  assert.ok(sw, 'sw.js is a file of the build');
  assert.equal(sw.immutable, false);
  assert.equal(sw.content_type, 'text/javascript; charset=utf-8');
  for (const page of manifest.pages) assert.ok(!page.first_load.includes('sw.js'), `${page.name} does not load the worker`);
  const source = readFileSync(join(first, 'sw.js'), 'utf8');
  // A classic script, no module syntax, nothing imported: it runs wherever service workers do.
  assert.doesNotMatch(source, /\bimport\s*[({'"]|\bimportScripts\b|^export\b/m);
  for (const event of ['push', 'notificationclick']) assert.ok(source.includes(`"${event}"`), `it handles ${event}`);
  assert.doesNotMatch(source, /"fetch"/, 'no fetch handler: pages never come from a cache');
  // The only files outside assets/ are the shells (served at their routes) and the root scripts.
  const roots = manifest.files.filter((f) => !f.path.startsWith('assets/')).map((f) => f.path);
  assert.deepEqual(roots.sort(), [...manifest.pages.map((p) => p.html), ...manifest.workers.map((w) => w.path)].sort());
});
