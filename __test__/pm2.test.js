'use strict';
// PM2 (from npm) runs an app in cluster mode with 2 instances, on rshttp and
// on node:http, against a throwaway PM2 home in a temporary directory.
// Under steady keep-alive load (autocannon), `pm2 reload` swaps both
// workers; no request may fail or get a non-2xx answer, and requests must
// be answered by both the old and the new workers. The PM2 daemon is
// killed at the end.

const test = require('node:test');
const assert = require('node:assert');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const autocannon = require('autocannon');

const pm2Bin = require.resolve('pm2/bin/pm2');
const app = path.join(__dirname, 'fixtures', 'pm2', 'app.js');

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function pm2(home, args, env = {}) {
  const r = spawnSync(process.execPath, [pm2Bin, ...args], {
    env: { ...process.env, PM2_HOME: home, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.strictEqual(r.status, 0, `pm2 ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** Waits until the app answers on `port`. */
async function answering(port) {
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing answers on ${port}`);
}

/** Waits until PM2 lists `count` online instances of `name`. */
async function online(home, name, count) {
  for (let i = 0; i < 200; i++) {
    const list = JSON.parse(pm2(home, ['jlist']).trim().split('\n').pop());
    if (list.filter((p) => p.name === name && p.pm2_env.status === 'online').length === count) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${name} never had ${count} instances online`);
}

/** Starts the app under PM2, reloads it under load; returns the load's figures. */
async function reloadUnderLoad(impl) {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), `rshttp-pm2-${impl}-`));
  const port = await freePort();
  const name = `app-${impl}`;
  try {
    pm2(home, ['start', app, '-i', '2', '--name', name, '--kill-timeout', '5000'], { IMPL: impl, PORT: String(port) });
    await answering(port);
    await online(home, name, 2);
    const pids = new Set();
    const run = autocannon({
      url: `http://127.0.0.1:${port}/`,
      connections: 8,
      duration: 5,
      setupClient(client) {
        client.on('body', (body) => pids.add(body.toString().trim()));
      },
    });
    await new Promise((r) => setTimeout(r, 1500));
    const before = new Set(pids);
    pm2(home, ['reload', name], { IMPL: impl, PORT: String(port) });
    const result = await run;
    return { result, before: before.size, all: pids.size };
  } finally {
    spawnSync(process.execPath, [pm2Bin, 'kill'], { env: { ...process.env, PM2_HOME: home }, timeout: 30_000 });
    fs.rmSync(home, { recursive: true, force: true });
  }
}

for (const impl of ['node', 'rshttp']) {
  test(`pm2 reload of a 2-instance cluster app on ${impl === 'node' ? 'node:http' : 'rshttp'} loses no request`, async () => {
    const { result, before, all } = await reloadUnderLoad(impl);
    const figures = `${result.requests.total} requests, ${result.non2xx} non-2xx, ${result.errors} errors, ` +
      `${result.timeouts} timeouts, ${result.resets} resets`;
    console.log(`# ${impl}: ${figures}; ${before} workers answered before the reload, ${all} in all`);
    assert.ok(result.requests.total > 1000, figures);
    assert.strictEqual(result.non2xx, 0, figures);
    assert.strictEqual(result.errors, 0, figures);
    assert.strictEqual(result.timeouts, 0, figures);
    assert.strictEqual(before, 2, 'both workers answered before the reload');
    assert.ok(all >= 4, `the new workers answered too (${all} pids)`);
  });
}
