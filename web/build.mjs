// Bundles Kopilka's JavaScript for browsers, in two modes:
//
//     node build.mjs OUTDIR            the ledger library alone (tills, integrators)
//     node build.mjs --pages OUTDIR    the pages kopilkad serves (pages.mjs)
//
// Library mode writes OUTDIR/kopilka-lib.js (an ES module, minified, every
// dependency inside) and OUTDIR/kopilka-lib.js.gz, and prints both sizes.
//
// Pages mode bundles each page's entry with code splitting, names every
// output assets/<name>-<contenthash>.<ext> (the pages' icon, icon.svg, too),
// writes each page's HTML shell (<name>.html), a gzip -9 copy of every file
// next to it (.gz) and OUTDIR/manifest.json: every file (path, content type, bytes, gzip bytes,
// immutable or not, sha256) and, per page, its routes, its first-load files
// (the HTML, the entry's JS and its static imports, its CSS) and their gzip
// sum, and each root script (pages.mjs `workers`: the service worker) as
// <name>.js, unhashed. embed.mjs turns that directory into the C++ source
// kopilkad embeds.
//
// Both modes are deterministic (two builds give the same bytes, so sizes can
// be budgeted in tests) and fetch nothing: esbuild reads web/node_modules,
// installed by `npm ci`, and gzip runs at build time so the server never
// compresses.
import { base32 } from '@scure/base';
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, extname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { constants, gzipSync } from 'node:zlib';
import { pages as allPages, workers as allWorkers } from './pages.mjs';
import { htmlShell } from './shell.mjs';

const here = dirname(fileURLToPath(import.meta.url));

// BigInt literals and private fields: every browser since 2021.
const target = ['es2022'];

const gzip = (bytes) => gzipSync(bytes, { level: constants.Z_BEST_COMPRESSION });

/** Bundles web/lib/index.js into `outdir`; returns `{ js, gz, jsBytes, gzBytes }` (paths and sizes). */
export async function buildLibrary(outdir) {
  mkdirSync(outdir, { recursive: true });
  const js = join(outdir, 'kopilka-lib.js');
  await build({
    entryPoints: [join(here, 'lib', 'index.js')],
    outfile: js,
    bundle: true,
    format: 'esm',
    minify: true,
    platform: 'neutral',
    target,
    legalComments: 'eof',
    logLevel: 'warning',
  });
  const bytes = readFileSync(js);
  const gzipped = gzip(bytes);
  const gz = `${js}.gz`;
  writeFileSync(gz, gzipped);
  return { js, gz, jsBytes: bytes.length, gzBytes: gzipped.length };
}

// The content type each served file is sent with, by extension. A file of
// any other kind fails the build rather than go out as a guess (the server
// sends nosniff, so a wrong type would break the page).
const contentTypes = new Map([
  ['.html', 'text/html; charset=utf-8'],
  ['.js', 'text/javascript; charset=utf-8'],
  ['.css', 'text/css; charset=utf-8'],
  ['.svg', 'image/svg+xml'],
  ['.png', 'image/png'],
  ['.webp', 'image/webp'],
  ['.woff2', 'font/woff2'],
  ['.txt', 'text/plain; charset=utf-8'],
]);
// Files a stylesheet or script may import, copied out as hashed assets.
const fileLoaders = { '.svg': 'file', '.png': 'file', '.webp': 'file', '.woff2': 'file' };

function contentType(path) {
  const type = contentTypes.get(extname(path));
  if (!type) throw new Error(`${path}: no content type for '${extname(path)}' files; add one to contentTypes in build.mjs`);
  return type;
}

// Every page's icon. Declared in the shell, so browsers do not ask for
// /favicon.ico (which is no page: 404).
const iconSource = 'icon.svg';

// A file the build copies as it is, named like esbuild's outputs: the first
// 8 base32 characters of its hash.
function hashedName(source, bytes) {
  const hash = base32.encode(createHash('sha256').update(bytes).digest()).slice(0, 8);
  const ext = extname(source);
  return `assets/${source.slice(0, -ext.length)}-${hash}${ext}`;
}

// esbuild writes nothing itself (write: false); its output paths are
// relative to this virtual dir, which never exists on disk.
const virtualOut = 'out';

// Everything a previous pages build wrote into `outdir`, by its manifest.
// A directory with other files and no manifest is refused: the build deletes
// only what it knows it made.
function clearPreviousBuild(outdir) {
  if (!existsSync(outdir)) return;
  const manifestPath = join(outdir, 'manifest.json');
  if (!existsSync(manifestPath)) {
    if (readdirSync(outdir).length > 0)
      throw new Error(`${outdir} is not empty and holds no manifest.json of a pages build; give an empty or new directory`);
    return;
  }
  const previous = JSON.parse(readFileSync(manifestPath, 'utf8'));
  for (const f of previous.files ?? []) {
    rmSync(join(outdir, f.path), { force: true });
    rmSync(join(outdir, `${f.path}.gz`), { force: true });
  }
  rmSync(manifestPath);
}

// The root scripts (pages.mjs `workers`), each bundled alone: no chunk is
// shared with the pages, since a worker cannot use a page's modules.
// Returns [served path, bytes] pairs: `sw.js`.
async function buildWorkers(workers) {
  if (workers.length === 0) return [];
  const result = await build({
    absWorkingDir: here,
    entryPoints: workers.map((w) => ({ in: w.entry, out: w.name })),
    outdir: virtualOut,
    entryNames: '[name]',
    bundle: true,
    format: 'iife',
    minify: true,
    platform: 'browser',
    target,
    charset: 'utf8',
    legalComments: 'eof',
    write: false,
    logLevel: 'warning',
  });
  return result.outputFiles.map((f) => [relative(join(here, virtualOut), f.path), f.contents]);
}

/**
 * Builds `pages` and `workers` (default: pages.mjs's) into `outdir`;
 * returns the manifest (also written as OUTDIR/manifest.json).
 */
export async function buildPages(outdir, pages = allPages, workers = allWorkers) {
  const result = await build({
    absWorkingDir: here,
    entryPoints: pages.map((p) => ({ in: p.entry, out: p.name })),
    outdir: virtualOut,
    entryNames: 'assets/[name]-[hash]',
    chunkNames: 'assets/[name]-[hash]',
    assetNames: 'assets/[name]-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    minify: true,
    platform: 'browser',
    target,
    // Cyrillic stays UTF-8 (2 bytes a letter) instead of \uXXXX escapes (6).
    charset: 'utf8',
    loader: fileLoaders,
    legalComments: 'eof',
    metafile: true,
    write: false,
    logLevel: 'warning',
  });

  const contents = new Map(); // served path (no leading slash) -> bytes
  for (const f of result.outputFiles) contents.set(relative(join(here, virtualOut), f.path), f.contents);
  const served = (metaPath) => relative(virtualOut, metaPath);
  const outputs = result.metafile.outputs;

  // The JS files a browser fetches before the entry runs: the entry and,
  // transitively, its static imports (shared chunks). Dynamic imports load later.
  const staticClosure = (entryOut) => {
    const seen = new Set();
    const visit = (out) => {
      if (seen.has(out)) return;
      seen.add(out);
      for (const i of outputs[out].imports) if (i.kind === 'import-statement' && !i.external) visit(i.path);
    };
    visit(entryOut);
    return [...seen];
  };

  for (const [path, bytes] of await buildWorkers(workers)) contents.set(path, bytes);

  const iconBytes = readFileSync(join(here, iconSource));
  const icon = hashedName(iconSource, iconBytes);
  contents.set(icon, iconBytes);

  const pageEntries = [];
  for (const page of pages) {
    const entryPoint = relative(here, resolve(here, page.entry)); // as the metafile names it
    const entryOut = Object.keys(outputs).find((o) => outputs[o].entryPoint === entryPoint);
    if (!entryOut) throw new Error(`esbuild made no output for ${page.entry}`);
    const scripts = staticClosure(entryOut).map(served);
    const styles = outputs[entryOut].cssBundle ? [served(outputs[entryOut].cssBundle)] : [];
    const html = `${page.name}.html`;
    contents.set(html, new TextEncoder().encode(htmlShell({ entry: scripts[0], preload: scripts.slice(1), styles, icon })));
    pageEntries.push({ page, html, firstLoad: [html, ...scripts, ...styles] });
  }

  clearPreviousBuild(outdir);
  const files = [];
  const gzipBytes = new Map();
  for (const path of [...contents.keys()].sort()) {
    const bytes = contents.get(path);
    const gzipped = gzip(bytes);
    mkdirSync(dirname(join(outdir, path)), { recursive: true });
    writeFileSync(join(outdir, path), bytes);
    writeFileSync(join(outdir, `${path}.gz`), gzipped);
    gzipBytes.set(path, gzipped.length);
    files.push({
      path,
      content_type: contentType(path),
      bytes: bytes.length,
      gzip_bytes: gzipped.length,
      // Hashed names never change content, so browsers may keep them for a
      // year; an HTML shell keeps its name and must be revalidated.
      immutable: path.startsWith('assets/'),
      sha256: createHash('sha256').update(bytes).digest('hex'),
    });
  }
  const manifest = {
    files,
    pages: pageEntries.map(({ page, html, firstLoad }) => ({
      name: page.name,
      routes: page.routes,
      // Its shell's CSP lets scripts compile WebAssembly (node/pages.cpp).
      wasm: page.wasm === true,
      html,
      first_load: firstLoad,
      first_load_gzip_bytes: firstLoad.reduce((sum, p) => sum + gzipBytes.get(p), 0),
    })),
    // Served at /<path>, revalidated on every fetch (not immutable).
    workers: workers.map((w) => ({ name: w.name, path: `${w.name}.js` })),
  };
  writeFileSync(join(outdir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const pagesMode = args[0] === '--pages';
  const outdir = pagesMode ? args[1] : args[0];
  if (!outdir || args.length !== (pagesMode ? 2 : 1)) {
    console.error('usage: node build.mjs OUTDIR | node build.mjs --pages OUTDIR');
    process.exit(2);
  }
  const kib = (n) => (n / 1024).toFixed(1);
  if (pagesMode) {
    const manifest = await buildPages(resolve(outdir));
    for (const p of manifest.pages)
      console.log(`page ${p.name}: first load ${p.first_load.length} files, ${p.first_load_gzip_bytes} bytes gzip (${kib(p.first_load_gzip_bytes)} KiB)`);
    for (const w of manifest.workers) {
      const f = manifest.files.find((x) => x.path === w.path);
      console.log(`worker /${w.path}: ${f.bytes} bytes, ${f.gzip_bytes} bytes gzip`);
    }
  } else {
    const r = await buildLibrary(resolve(outdir));
    console.log(`${r.js}: ${r.jsBytes} bytes (${kib(r.jsBytes)} KiB)`);
    console.log(`${r.gz}: ${r.gzBytes} bytes (${kib(r.gzBytes)} KiB gzip -9)`);
  }
}
