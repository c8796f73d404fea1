// The real Caddy (Debian's caddy) in front of a kopilkad for the browser
// tests, as docs/node.md "Behind HTTPS" sets it up, but with `tls internal`:
// Caddy's own local CA signs the names, in temporary HOME and XDG dirs, and is
// never installed into any trust store. Everything listens on 127.0.0.1 at
// free ports; there is no admin endpoint and no redirect server on port 80.
import { spawn } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { join } from 'node:path';

export const caddy_bin = process.env.KOPILKA_CADDY ?? '/usr/bin/caddy';
export const skip_without_caddy = !existsSync(caddy_bin) && `${caddy_bin} is missing: run scripts/deps.sh, which installs Debian's caddy`;
// How long Caddy may take to make its CA and listen; a bound, not a measurement.
const caddy_start_wait_ms = 60_000;
const caddy_poll_ms = 100;

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/**
 * One HTTPS request to Caddy at 127.0.0.1:`port` for `name` (SNI and Host),
 * trusting only `ca`; `localAddress` picks the client address (any 127.x.y.z
 * is this host). Resolves `{ status, headers, body }`.
 */
export function httpsRequest({ port, name, ca, path, method = 'GET', body, headers = {}, localAddress }) {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, servername: name, ca, path, method, localAddress, headers: { Host: `${name}:${port}`, ...headers } },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The base64 SHA-256 of a certificate's SubjectPublicKeyInfo: what Chromium's --ignore-certificate-errors-spki-list takes. */
export function spkiHash(pem) {
  const spki = new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64');
}

/**
 * Starts Caddy in `dir` serving `names` over HTTPS (tls internal) at
 * `httpsPort`, and `plainName` over plain HTTP at `httpPort`, both
 * reverse-proxying to `upstream` (host:port). Resolves once it answers over
 * TLS for every name: `{ rootPem, intermediatePem, log, stop }`.
 */
export async function startCaddy({ dir, names, plainName, upstream, httpsPort, httpPort }) {
  const home = join(dir, 'home');
  const data = join(dir, 'data');
  const config = join(dir, 'config');
  for (const d of [home, data, config]) mkdirSync(d, { recursive: true });
  const caddyfile = join(dir, 'Caddyfile');
  writeFileSync(
    caddyfile,
    `{
	admin off
	skip_install_trust
	auto_https disable_redirects
	http_port ${httpPort}
	https_port ${httpsPort}
}

${names.map((n) => `https://${n}:${httpsPort}`).join(', ')} {
	bind 127.0.0.1
	tls internal
	reverse_proxy ${upstream}
}

http://${plainName}:${httpPort} {
	bind 127.0.0.1
	reverse_proxy ${upstream}
}
`,
  );
  const log = [];
  const child = spawn(caddy_bin, ['run', '--config', caddyfile, '--adapter', 'caddyfile'], {
    cwd: dir,
    env: { PATH: process.env.PATH, HOME: home, XDG_DATA_HOME: data, XDG_CONFIG_HOME: config },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (c) => log.push(c.toString()));
  child.stderr.on('data', (c) => log.push(c.toString()));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };

  const pki = join(data, 'caddy', 'pki', 'authorities', 'local');
  const deadline = Date.now() + caddy_start_wait_ms;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`caddy exited with ${child.exitCode}:\n${log.join('')}`);
    if (existsSync(join(pki, 'root.crt')) && existsSync(join(pki, 'intermediate.crt'))) {
      const rootPem = readFileSync(join(pki, 'root.crt'), 'utf8');
      try {
        // Every name: Caddy issues each name's certificate on its own, so
        // one name serving says nothing of the next (a CI run met
        // ERR_SSL_PROTOCOL_ERROR at localhost while kopilka.test served).
        for (const name of names) await httpsRequest({ port: httpsPort, name, ca: rootPem, path: '/health' });
        return { rootPem, intermediatePem: readFileSync(join(pki, 'intermediate.crt'), 'utf8'), log, stop };
      } catch {
        // Not serving yet (or its certificate is still being issued).
      }
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`caddy did not serve https://{${names.join(',')}}:${httpsPort} in time:\n${log.join('')}`);
    }
    await new Promise((r) => setTimeout(r, caddy_poll_ms));
  }
}
