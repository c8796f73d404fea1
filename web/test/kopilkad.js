// Starts the real kopilkad (KOPILKA_NODE_BIN, set by ctest) on a free port
// for the tests, as tests/functional/harness.h does for the C++ ones.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';

export const node_bin = process.env.KOPILKA_NODE_BIN;
export const skip_without_node = !node_bin && 'KOPILKA_NODE_BIN is not set (ctest sets it to the built kopilkad)';
// How long a node may take to start listening; a bound, not a measurement.
const node_start_wait_ms = 60_000;

/** `kopilkad init` of a fresh data dir; `args` adds flags (`--rebind-delay-s N`). */
export function initDataDir(datadir, chainName, args = []) {
  assert.ok(existsSync(node_bin), `KOPILKA_NODE_BIN=${node_bin} does not exist; build the kopilkad target`);
  execFileSync(node_bin, ['init', '--datadir', datadir, '--chain-name', chainName, ...args], { stdio: 'pipe' });
}

/**
 * Runs kopilkad on `datadir`: `{ url, port, stop }` once it listens. `port`
 * 0 (the default) takes a free one; a test that restarts a node on the same
 * origin (a browser's storage is per origin) passes the port it had. `args`
 * adds flags (`--trusted-proxies 127.0.0.1`).
 */
export async function runNode(datadir, { port: wanted = 0, args = [] } = {}) {
  const child = spawn(node_bin, ['run', '--datadir', datadir, '--port', String(wanted), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('kopilkad did not listen in time')), node_start_wait_ms);
    child.once('exit', (code) => reject(new Error(`kopilkad exited with ${code}`)));
    for (const stream of [child.stdout, child.stderr])
      createInterface({ input: stream }).on('line', (line) => {
        let event;
        try {
          event = JSON.parse(line);
        } catch {
          return;
        }
        if (event.event === 'server.listening' && event.port) {
          clearTimeout(timer);
          resolve(event.port);
        }
      });
  });
  const stop = () =>
    new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', resolve);
      child.kill('SIGTERM');
    });
  return { url: `http://127.0.0.1:${port}`, port, stop };
}
