// Bundles the ledger library for browsers and tills:
//
//     node build.mjs OUTDIR
//
// writes OUTDIR/kopilka-lib.js (an ES module, minified, every dependency
// inside) and OUTDIR/kopilka-lib.js.gz (gzip level 9, precompressed so a
// server never compresses at run time), and prints both sizes. Nothing is
// fetched: esbuild reads web/node_modules, installed by `npm ci`. The output
// is deterministic, so sizes can be budgeted in tests.
import { build } from 'esbuild';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { constants, gzipSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));

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
    // BigInt literals and private fields: every browser since 2021.
    target: ['es2022'],
    legalComments: 'eof',
    logLevel: 'warning',
  });
  const bytes = readFileSync(js);
  const gzipped = gzipSync(bytes, { level: constants.Z_BEST_COMPRESSION });
  const gz = `${js}.gz`;
  writeFileSync(gz, gzipped);
  return { js, gz, jsBytes: bytes.length, gzBytes: gzipped.length };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outdir = process.argv[2];
  if (!outdir) {
    console.error('usage: node build.mjs OUTDIR');
    process.exit(2);
  }
  const r = await buildLibrary(resolve(outdir));
  const kib = (n) => (n / 1024).toFixed(1);
  console.log(`${r.js}: ${r.jsBytes} bytes (${kib(r.jsBytes)} KiB)`);
  console.log(`${r.gz}: ${r.gzBytes} bytes (${kib(r.gzBytes)} KiB gzip -9)`);
}
