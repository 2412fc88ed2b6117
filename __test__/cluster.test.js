'use strict';
// rshttp servers in cluster workers behave as node:http's: the program in
// fixtures/cluster/app.js runs on each implementation, under the
// round-robin (SCHED_RR) and shared-socket (SCHED_NONE) policies, and what
// the primary and workers report must match: 40 requests spread over both
// workers (20/20 under round-robin), an in-flight request finishing across
// a disconnect, 'close' on each worker's server, the workers leaving with
// exitedAfterDisconnect, EADDRINUSE from the primary, and exclusive: true.
// Under rshttp each request must be served by the core's own socket
// (a handed-over descriptor adopted natively, not a net.Socket).

const test = require('node:test');
const assert = require('node:assert');
const { spawn } = require('node:child_process');
const net = require('node:net');
const path = require('node:path');

const app = path.join(__dirname, 'fixtures', 'cluster', 'app.js');

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Runs the program; resolves to its JSON lines, sorted. */
async function run(impl, scenario, sched) {
  const port = await freePort();
  const child = spawn(process.execPath, [app], {
    env: { ...process.env, IMPL: impl, SCENARIO: scenario, SCHED: sched, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d) => { out += d; });
  const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const [code, signal] = await new Promise((resolve) => child.on('exit', (c, s) => resolve([c, s])));
  clearTimeout(killer);
  assert.deepStrictEqual([code, signal], [0, null], `${impl} ${scenario} ${sched}: the primary did not exit cleanly\n${out}`);
  return out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

/** The lines with the socket class taken out; returns [lines, classes]. */
function split(lines) {
  const classes = new Set();
  const rest = [];
  for (const l of lines) {
    if (l.worker && l.worker.socket) classes.add(l.worker.socket);
    else rest.push(JSON.stringify(l));
  }
  return [rest.sort(), [...classes]];
}

for (const sched of ['rr', 'none']) {
  for (const scenario of ['spread', 'inflight']) {
    test(`cluster ${scenario} (${sched === 'rr' ? 'SCHED_RR' : 'SCHED_NONE'}): rshttp reports what node:http does`, async () => {
      const [nodeLines, nodeClasses] = split(await run('node', scenario, sched));
      const [ours, ourClasses] = split(await run('rshttp', scenario, sched));
      assert.deepStrictEqual(ours, nodeLines);
      assert.deepStrictEqual(nodeClasses, ['Socket']);
      assert.deepStrictEqual(ourClasses, ['ServerSocket']);
      if (scenario === 'spread') assert.ok(ours.some((l) => l.includes('"total":40')), ours.join('\n'));
      if (scenario === 'inflight') assert.ok(ours.includes(JSON.stringify({ inflight: { status: 200, body: 'slow done' } })));
      assert.strictEqual(ours.filter((l) => l.includes('"exitedAfterDisconnect":true')).length, 2);
      assert.strictEqual(ours.filter((l) => l.includes('"closed":true')).length, 2);
    });
  }
}

test('cluster: a port in use is EADDRINUSE in each worker, as node:http reports it', async () => {
  const [nodeLines] = split(await run('node', 'inuse', 'rr'));
  const [ours] = split(await run('rshttp', 'inuse', 'rr'));
  assert.deepStrictEqual(ours, nodeLines);
  assert.strictEqual(ours.filter((l) => l.includes('EADDRINUSE')).length, 2);
});

test('cluster: exclusive: true binds in the worker (the second worker gets EADDRINUSE)', async () => {
  const [nodeLines] = split(await run('node', 'exclusive', 'rr'));
  const [ours] = split(await run('rshttp', 'exclusive', 'rr'));
  assert.deepStrictEqual(ours, nodeLines);
  assert.strictEqual(ours.filter((l) => l.includes('EADDRINUSE')).length, 1);
  assert.strictEqual(ours.filter((l) => l.includes('"listening":"number"')).length, 1);
});
