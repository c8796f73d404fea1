// Argon2id in Chromium as a cheap phone would run it: the CLI's default
// keystore cost (libsodium "interactive": 2 passes over 64 MiB, parallelism
// 1) timed with @noble/hashes (pure JavaScript, what web/lib/keystore.js
// used first) and with hash-wasm (WebAssembly), under CDP CPU throttling
// (Emulation.setCPUThrottlingRate, rate 4 by default). Prints the figures; it
// asserts nothing about time (a busy machine is slower, not wrong), only that
// both give the same key.
//
//     node bench/argon2_browser.mjs [--rate 4] [--runs 3]
//
// Run from the repository root after `npm ci --ignore-scripts` in web/;
// KOPILKA_CHROMIUM names the browser (default /usr/bin/chromium).
import { build } from '../web/node_modules/esbuild/lib/main.js';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch } from '../web/test/browser/chromium.js';

const here = dirname(fileURLToPath(import.meta.url));
const web = join(here, '..', 'web');

// libsodium's crypto_pwhash_OPSLIMIT_INTERACTIVE and MEMLIMIT_INTERACTIVE.
const ops_limit = 2;
const mem_limit_kib = 65_536;
const key_bytes = 32;

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i < 0 ? fallback : Number(args[i + 1]);
};
const throttle_rate = option('--rate', 4);
const runs = option('--runs', 3);

// The page's side: both implementations bundled into one script that
// defines window.argon2bench.
const source = `
import { argon2idAsync } from '@noble/hashes/argon2.js';
import { argon2id } from 'hash-wasm';
const toHex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
window.argon2bench = async (which, t, m, dkLen) => {
  const password = new TextEncoder().encode('correct horse battery staple');
  const salt = new Uint8Array(16).fill(7);
  const started = performance.now();
  const out = which === 'noble'
    ? await argon2idAsync(password, salt, { t, m, p: 1, dkLen, version: 0x13, maxmem: 2 ** 30 })
    : await argon2id({ password, salt, iterations: t, memorySize: m, parallelism: 1, hashLength: dkLen, outputType: 'binary' });
  return { ms: performance.now() - started, hex: toHex(out) };
};
`;
const bundle = await build({
  stdin: { contents: source, resolveDir: web, loader: 'js' },
  bundle: true,
  write: false,
  format: 'iife',
  target: ['es2022'],
  logLevel: 'warning',
});
const script = bundle.outputFiles[0].text;

const browser = await launch();
try {
  const page = await (await browser.newContext()).newPage();
  // about:blank has no CSP; the owner's page allows WebAssembly itself.
  await page.goto('about:blank');
  await page.evaluate(script);
  const cdp = await page.context().newCDPSession(page);
  const ua = await page.evaluate(() => navigator.userAgent);
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  console.log(`Argon2id t=${ops_limit} m=${mem_limit_kib} KiB p=1, ${runs} runs each; ${ua}; ${cores} cores`);
  for (const rate of [1, throttle_rate]) {
    await cdp.send('Emulation.setCPUThrottlingRate', { rate });
    const keys = new Set();
    for (const which of ['noble', 'hash-wasm']) {
      const times = [];
      for (let i = 0; i < runs; i++) {
        const r = await page.evaluate(([w, t, m, k]) => window.argon2bench(w, t, m, k), [which, ops_limit, mem_limit_kib, key_bytes]);
        times.push(r.ms);
        keys.add(r.hex);
      }
      times.sort((a, b) => a - b);
      const median = times[Math.floor(times.length / 2)];
      console.log(`cpu throttle ${rate}x  ${which.padEnd(9)}  median ${median.toFixed(0)} ms  (runs: ${times.map((t) => t.toFixed(0)).join(', ')})`);
    }
    if (keys.size !== 1) throw new Error(`the implementations disagree: ${[...keys].join(' vs ')}`);
  }
} finally {
  await browser.close();
}
