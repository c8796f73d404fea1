// The package and its bundle: the lock file pins every package by integrity
// and names no download host but the npm registry, installs run no scripts,
// and the esbuild bundle is a working copy of the library.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { test } from 'node:test';
import { buildLibrary } from '../build.mjs';

// Packages whose install script npm ci --ignore-scripts skips, and why they work anyway.
const runsWithoutInstallScript = new Map([
  // install.js only checks (or, without it, finds) the binary of the
  // @esbuild/<platform> optional dependency, which npm installs as a package.
  ['node_modules/esbuild', 'the binary comes from @esbuild/linux-x64'],
]);

const read = (name) => readFileSync(new URL(`../${name}`, import.meta.url), 'utf8');

test('package-lock.json pins every package by integrity, from the npm registry only', () => {
  const lock = JSON.parse(read('package-lock.json'));
  const pkg = JSON.parse(read('package.json'));
  assert.equal(lock.lockfileVersion, 3);
  const packages = Object.entries(lock.packages).filter(([path]) => path !== '');
  assert.ok(packages.length > 0);
  for (const [path, entry] of packages) {
    assert.match(entry.integrity ?? '', /^sha512-/, `${path} has a sha512 integrity`);
    if (entry.resolved !== undefined)
      assert.ok(entry.resolved.startsWith('https://registry.npmjs.org/'), `${path} resolves to ${entry.resolved}`);
    if (entry.hasInstallScript)
      assert.ok(runsWithoutInstallScript.has(path), `${path} has an install script; npm ci --ignore-scripts skips it`);
  }
  // Exact versions only, so the lock file and package.json say the same thing.
  for (const deps of [pkg.dependencies, pkg.devDependencies])
    for (const [name, version] of Object.entries(deps)) {
      assert.match(version, /^\d+\.\d+\.\d+$/, `${name}@${version} is exact`);
      assert.equal(lock.packages[`node_modules/${name}`].version, version, name);
    }
  assert.match(read('.npmrc'), /^ignore-scripts=true$/m);
});

test('the esbuild bundle and its gzip are the library, and sign like it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kopilka-web-build-'));
  try {
    const r = await buildLibrary(dir);
    console.log(`kopilka-lib.js ${r.jsBytes} bytes, gzip -9 ${r.gzBytes} bytes`);
    const js = readFileSync(r.js);
    assert.equal(r.jsBytes, js.length);
    assert.deepEqual(gunzipSync(readFileSync(r.gz)), js);
    const again = await buildLibrary(join(dir, 'again'));
    assert.deepEqual(readFileSync(again.gz), readFileSync(r.gz), 'the build is deterministic');

    const bundled = await import(pathToFileURL(r.js).href);
    const lib = await import('../lib/index.js');
    assert.deepEqual(Object.keys(bundled).sort(), Object.keys(lib).sort());
    const vectors = JSON.parse(readFileSync(new URL('../../tests/vectors/transactions.json', import.meta.url), 'utf8'));
    const genesis = vectors.find((e) => e.type === 'genesis');
    const e = vectors.find((x) => x.name === 'transfer_to_phone');
    const decoded = bundled.readSignedTx(bundled.fromBase64url(e.signed_base64url));
    const signed = bundled.signTx(decoded.tx, bundled.fromHex(e.signer_seed_hex), bundled.fromHex(genesis.chain_id_hex));
    assert.equal(bundled.toHex(signed.blob), e.signed_hex);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('preact and htm bundle with esbuild, with no JSX step', async () => {
  const { build } = await import('esbuild');
  const out = await build({
    stdin: {
      contents:
        "import { h } from 'preact'; import htm from 'htm'; const html = htm.bind(h);" +
        'export const view = (n) => html`<p class="balance">${n}</p>`;',
      resolveDir: new URL('..', import.meta.url).pathname,
      loader: 'js',
    },
    bundle: true,
    format: 'esm',
    minify: true,
    write: false,
    logLevel: 'silent',
  });
  const code = out.outputFiles[0].text;
  console.log(`preact + htm: ${code.length} bytes minified`);
  const mod = await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`);
  const vnode = mod.view('12.50');
  assert.equal(vnode.type, 'p');
  assert.equal(vnode.props.class, 'balance');
  assert.equal(vnode.props.children, '12.50');
});
