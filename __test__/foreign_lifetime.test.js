'use strict';
// The virtual core connections that read client sockets rshttp did not
// open (an Agent's createConnection) go when their socket goes: when it
// closes, switches protocols, returns to the pool, or ends, even if the
// stream never emits 'close'. Counted through the core's registry.

const { test } = require('node:test');
const assert = require('node:assert');
const net = require('node:net');
const { Duplex } = require('node:stream');
const http = require('../index.js');
const { binding } = require('../lib/native');

const T = { timeout: 10000 };

/** Connections open in the core (every one this process made). */
const openConns = () => binding.connCounts()[0];

const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits until no more core connections are open than `before`, or 1 s
 * passed; returns how many more are.
 */
async function leftOver(before) {
  const end = Date.now() + 1000;
  while (openConns() > before && Date.now() < end) await delay(10);
  return openConns() - before;
}

/**
 * A Duplex over a TCP socket, tunnel style, with `options` (e.g. no
 * 'close' event); Agent-pool methods are no-ops.
 */
function tunnel(socket, options) {
  const d = new Duplex({
    ...options,
    read() { socket.resume(); },
    write(chunk, encoding, cb) { socket.write(chunk, encoding, cb); },
    final(cb) { socket.end(); cb(); },
    destroy(err, cb) { socket.destroy(); cb(err); },
  });
  for (const m of ['setKeepAlive', 'setNoDelay', 'setTimeout', 'ref', 'unref']) d[m] = () => d;
  socket.on('data', (c) => { if (!d.push(c)) socket.pause(); });
  socket.on('end', () => d.push(null));
  socket.on('close', () => d.destroy());
  socket.on('error', () => {}); // a reset ends the tunnel through 'close'
  return d;
}

/** A raw server answering each request with `response`, then doing `after(socket)`. */
async function rawServer(t, response, after = () => {}) {
  const server = net.createServer((s) => {
    s.on('error', () => {});
    s.on('data', () => {
      s.write(response);
      after(s);
    });
  });
  t.after(() => server.close());
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server.address().port;
}

/** GET / through `agent`; resolves once the response ended (or the request failed). */
function get(port, agent) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, agent }, (res) => {
      res.resume();
      res.on('end', resolve);
    });
    req.on('error', resolve);
  });
}

const OK = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';

test('a net.Socket from createConnection: its virtual connection goes when it closes', T, async (t) => {
  const before = openConns();
  const port = await rawServer(t, OK);
  const agent = new http.Agent({ keepAlive: true });
  agent.createConnection = (o) => net.connect(o);
  await get(port, agent);
  await get(port, agent);
  agent.destroy();
  assert.strictEqual(await leftOver(before), 0);
});

test('a pooled socket that leaves the pool without a \'close\' (emitClose: false) leaves no connection', T, async (t) => {
  // The server resets the idle connection: the tunnel is destroyed with no
  // 'end', silently.
  const before = openConns();
  const port = await rawServer(t, OK, (s) => setTimeout(() => s.resetAndDestroy(), 50));
  const agent = new http.Agent({ keepAlive: true });
  let socket;
  agent.createConnection = (o) => (socket = tunnel(net.connect(o), { emitClose: false, autoDestroy: false }));
  await get(port, agent);
  await delay(150);
  assert.ok(socket.destroyed, 'the tunnel was destroyed');
  assert.strictEqual(await leftOver(before), 0);
  agent.destroy();
});

test('a stream that ends and is never destroyed leaves no connection', T, async (t) => {
  const before = openConns();
  const port = await rawServer(t, 'HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok', (s) => s.end());
  const agent = new http.Agent({ keepAlive: false });
  agent.createConnection = (o) => tunnel(net.connect(o), { emitClose: false, autoDestroy: false });
  await get(port, agent);
  assert.strictEqual(await leftOver(before), 0);
});

test('an upgraded socket, still open, keeps no virtual connection', T, async (t) => {
  const before = openConns();
  const port = await rawServer(t, 'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: raw\r\n\r\nhead');
  const agent = new http.Agent();
  agent.createConnection = (o) => net.connect(o);
  const [socket, head] = await new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, agent, headers: { Connection: 'Upgrade', Upgrade: 'raw' } });
    req.on('upgrade', (res, s, h) => resolve([s, h]));
    req.on('error', reject);
    req.end();
  });
  assert.strictEqual(String(head), 'head');
  assert.strictEqual(await leftOver(before), 0);
  assert.ok(!socket.destroyed, 'the upgraded socket is still open');
  socket.destroy();
});

/** Runs fixtures/foreign/end-after-bytes.js with `env`; resolves to its output lines. */
function runEndAfterBytes(kind, env) {
  const { execFileSync } = require('node:child_process');
  const path = require('node:path');
  const out = execFileSync(process.execPath, [path.join(__dirname, 'fixtures', 'foreign', 'end-after-bytes.js'), kind], {
    env: { ...process.env, ...env },
    timeout: 10000,
    encoding: 'utf8',
  });
  return out.trim().split('\n');
}

for (const [mode, env] of [['inline', { RSHTTP_IO_THREADS: '0' }], ['2 I/O threads', { RSHTTP_IO_THREADS: '2' }]]) {
  test(`a stream handed over as 'connection' that ends at once: what it sent is parsed before its end and close (${mode})`, T, () => {
    // The stream's end and close race the core's parse with I/O threads;
    // several runs, so a lost race shows.
    for (let i = 0; i < 5; i++) {
      assert.deepStrictEqual(runEndAfterBytes('bad', env), ['clientError HPE_INVALID_METHOD "123 http://example.com HTTP/1.1\\r\\n\\r\\n"', 'EXIT']);
      assert.deepStrictEqual(runEndAfterBytes('good', env), ['request GET /x', 'EXIT']);
    }
  });
}
