// The node behind HTTPS, as a phone meets it (issue 14, "HTTPS"): the real
// Caddy with `tls internal` reverse-proxies a real kopilkad started with
// --public-url https://kopilka.test:<port> and --trusted-proxies 127.0.0.1;
// Debian's Chromium trusts only Caddy's local CA (by its key hashes, no
// blanket ignore) and resolves kopilka.test to 127.0.0.1. It checks that
//  - the claim link the node sends carries the public https name, and
//    Caddy's X-Forwarded-For keeps two phones' claim-code budgets apart;
//  - the cabinet, at / and at the link's /c/<ref>, is a secure context,
//    renders, and got the node's CSP and every header through the proxy,
//    with no CSP violation while it loads;
//  - a WebSocket to /ws opens through Caddy (wss:) under connect-src 'self'
//    and answers JSON-RPC, while another origin is refused by the CSP;
//  - the same page over plain http at that name is no secure context (no
//    crypto.subtle: why phones need TLS in front), and straight from the
//    node at http://127.0.0.1 its ws: WebSocket opens under the same CSP.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { initDataDir, runNode, skip_without_node } from '../kopilkad.js';
import { freePort, httpsRequest, skip_without_caddy, spkiHash, startCaddy } from './caddy.js';
import { launch, phoneContext, screenshot } from './chromium.js';

// A name that is not loopback to the browser's secure-context rules (as
// localhost is even over http), so the https check means something.
const public_name = 'kopilka.test';
const expected_csp =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; " +
  "font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
// Bounds on waiting for what a person would see, not measurements.
const render_wait_ms = 30_000;

describe('the cabinet over HTTPS behind Caddy', { skip: skip_without_node || skip_without_caddy }, () => {
  let scratch, node, caddy, browser, httpsPort, httpPort, token;

  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'kopilka-https-'));
    [httpsPort, httpPort] = [await freePort(), await freePort()];
    const datadir = join(scratch, 'node');
    initDataDir(datadir, 'https-test');
    node = await runNode(datadir, { args: [
      '--public-url', `https://${public_name}:${httpsPort}`,
      '--trusted-proxies', '127.0.0.1',
      '--claim-codes-per-ip-per-hour', '1',
    ] });
    token = readFileSync(join(datadir, '.cookie'), 'utf8').trim();
    caddy = await startCaddy({
      dir: join(scratch, 'caddy'),
      names: [public_name, 'localhost'],
      plainName: public_name,
      upstream: `127.0.0.1:${node.port}`,
      httpsPort,
      httpPort,
    });
    // Chromium ignores certificate errors only for chains holding one of
    // these keys: Caddy's local root and intermediate, nobody else's.
    const spki = [caddy.rootPem, caddy.intermediatePem].map(spkiHash).join(',');
    browser = await launch([`--host-resolver-rules=MAP ${public_name} 127.0.0.1`, `--ignore-certificate-errors-spki-list=${spki}`]);
  });

  after(async () => {
    await browser?.close();
    await caddy?.stop();
    await node?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  // phone.claim.request through Caddy from the client address `from`.
  const claimThroughCaddy = async (phone, from) => {
    const r = await httpsRequest({
      port: httpsPort,
      name: public_name,
      ca: caddy.rootPem,
      path: '/rpc',
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'phone.claim.request', params: { phone } }),
      localAddress: from,
    });
    assert.equal(r.status, 200);
    return JSON.parse(r.body);
  };

  // The newest outbox message to `phone`, asked of the node itself with the admin cookie.
  const outboxLink = async (phone) => {
    const r = await fetch(`${node.url}/rpc`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'admin.outbox', params: { limit: 100 } }),
    });
    const { result } = await r.json();
    const message = result.messages.filter((m) => m.phone === phone).at(-1);
    assert.ok(message, `a message to ${phone} in the outbox`);
    return message.link;
  };

  // Loads `url` in a fresh phone; records CSP violations and console errors
  // from the start. Returns the page and the document's response.
  const open = async (url, locale = 'ru-RU') => {
    const context = await phoneContext(browser, { locale });
    const page = await context.newPage();
    const problems = [];
    page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()} ${m.location().url}`));
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    await page.addInitScript(() => {
      window.__csp_violations = [];
      document.addEventListener('securitypolicyviolation', (e) =>
        window.__csp_violations.push(`${e.violatedDirective} ${e.blockedURI}`),
      );
    });
    // Every answer the browser itself got (Playwright's own request API
    // would not trust Caddy's CA, and should not).
    const responses = [];
    page.on('response', (r) => responses.push(r));
    const response = await page.goto(url);
    return { context, page, response, responses, problems };
  };

  const rendered = (page) =>
    page.waitForFunction(() => document.querySelector('#app')?.childElementCount > 0, null, { timeout: render_wait_ms });

  test('the claim link carries the public https name; Caddy\'s X-Forwarded-For keeps phones\' budgets apart', async () => {
    // One code an hour per client address (--claim-codes-per-ip-per-hour 1).
    const first = await claimThroughCaddy('+79000000401', '127.0.0.2');
    assert.equal(first.result?.sent, true, JSON.stringify(first));
    const again = await claimThroughCaddy('+79000000402', '127.0.0.2');
    assert.equal(again.error?.code, 2003, JSON.stringify(again));
    assert.match(again.error.message, /address/);
    // Another phone, another address: its own budget, though both came from Caddy.
    const other = await claimThroughCaddy('+79000000403', '127.0.0.3');
    assert.equal(other.result?.sent, true, JSON.stringify(other));

    const link = await outboxLink('+79000000401');
    assert.match(link, new RegExp(`^https://${public_name.replace('.', '\\.')}:${httpsPort}/c/[0-9a-f]{64}$`));
  });

  test('the cabinet at / and at the link is a secure context, renders, and got every header through Caddy', async () => {
    const link = await outboxLink('+79000000401');
    for (const [name, url] of [
      ['root-localhost', `https://localhost:${httpsPort}/`],
      ['link', link],
    ]) {
      const { context, page, response, responses, problems } = await open(url);
      try {
        assert.equal(response.status(), 200, url);
        const h = response.headers();
        assert.equal(h['content-security-policy'], expected_csp);
        assert.equal(h['referrer-policy'], 'no-referrer');
        assert.equal(h['x-frame-options'], 'DENY');
        assert.equal(h['x-content-type-options'], 'nosniff');
        assert.match(h['permissions-policy'], /camera=\(self\)/);
        assert.equal(h['cross-origin-opener-policy'], 'same-origin');
        assert.equal(h['cache-control'], 'no-cache');
        assert.equal(await page.evaluate(() => window.isSecureContext), true, `${url} is a secure context`);
        assert.equal(await page.evaluate(() => location.protocol), 'https:');
        await rendered(page);
        await screenshot(page, 'https', name);
        // The page's own files came through Caddy too: immutable, gzip, the same headers.
        const js = await page.evaluate(() => document.querySelector('script[type=module]').src);
        const asset = responses.find((r) => r.url() === js);
        assert.ok(asset, `the browser fetched ${js}`);
        assert.equal(asset.status(), 200);
        const ah = await asset.allHeaders();
        assert.equal(ah['cache-control'], 'public, max-age=31536000, immutable');
        assert.equal(ah['content-encoding'], 'gzip');
        assert.equal(ah['content-security-policy'], expected_csp);
        assert.equal(ah['x-content-type-options'], 'nosniff');
        assert.deepEqual(await page.evaluate(() => window.__csp_violations), [], `no CSP violation loading ${url}`);
        assert.deepEqual(problems, []);
      } finally {
        await context.close();
      }
    }
  });

  test("a WebSocket to /ws opens through Caddy under connect-src 'self' (wss:); another origin is refused", async () => {
    const { context, page } = await open(`https://${public_name}:${httpsPort}/`);
    try {
      await rendered(page);
      const answer = await page.evaluate(
        () =>
          new Promise((resolve, reject) => {
            const ws = new WebSocket(`wss://${location.host}/ws`);
            ws.onerror = () => reject(new Error('the WebSocket failed'));
            ws.onopen = () => ws.send(JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'node.info', params: {} }));
            ws.onmessage = (e) => {
              ws.close();
              resolve({ url: ws.url, message: JSON.parse(e.data) });
            };
          }),
      );
      assert.match(answer.url, new RegExp(`^wss://${public_name.replace('.', '\\.')}:${httpsPort}/ws$`));
      assert.equal(answer.message.id, 7);
      assert.match(answer.message.result.chain_id, /^[0-9a-f]{64}$/);
      assert.deepEqual(await page.evaluate(() => window.__csp_violations), []);

      // The CSP is in force: a socket or a fetch to any other origin is blocked before it leaves.
      const refused = await page.evaluate(async () => {
        const socket = await new Promise((resolve) => {
          try {
            const ws = new WebSocket('wss://elsewhere.invalid/ws');
            ws.onerror = () => resolve('error');
            ws.onopen = () => resolve('open');
          } catch (e) {
            resolve(e.name);
          }
        });
        const fetched = await fetch('https://elsewhere.invalid/').then(
          () => 'fetched',
          (e) => e.name,
        );
        return { socket, fetched };
      });
      // Each refusal is reported as a securitypolicyviolation event, queued after it.
      await page.waitForFunction(() => window.__csp_violations.length >= 2, null, { timeout: render_wait_ms });
      const violations = await page.evaluate(() => window.__csp_violations);
      assert.notEqual(refused.socket, 'open');
      assert.equal(refused.fetched, 'TypeError');
      assert.ok(violations.some((v) => v.startsWith('connect-src wss://elsewhere.invalid')), violations.join('; '));
      assert.ok(violations.some((v) => v.startsWith('connect-src https://elsewhere.invalid')), violations.join('; '));
    } finally {
      await context.close();
    }
  });

  test('over plain http at the public name the page is no secure context; from the node itself ws: opens under the CSP', async () => {
    const plain = await open(`http://${public_name}:${httpPort}/`);
    try {
      assert.equal(plain.response.status(), 200);
      assert.equal(plain.response.headers()['content-security-policy'], expected_csp);
      assert.deepEqual(
        await plain.page.evaluate(() => ({ secure: window.isSecureContext, subtle: typeof crypto.subtle })),
        { secure: false, subtle: 'undefined' },
      );
    } finally {
      await plain.context.close();
    }

    const direct = await open(`${node.url}/`);
    try {
      await rendered(direct.page);
      const opened = await direct.page.evaluate(
        () =>
          new Promise((resolve, reject) => {
            const ws = new WebSocket(`ws://${location.host}/ws`);
            ws.onerror = () => reject(new Error('the WebSocket failed'));
            ws.onopen = () => {
              resolve(ws.url);
              ws.close();
            };
          }),
      );
      assert.equal(opened, `ws://127.0.0.1:${node.port}/ws`);
      assert.deepEqual(await direct.page.evaluate(() => window.__csp_violations), []);
    } finally {
      await direct.context.close();
    }
  });
});
