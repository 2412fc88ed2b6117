'use strict';
// What keeps the process alive: a socket holds the event loop as libuv holds
// it for a TCP handle, only while it is reading (not paused), has writes
// pending, or is connecting; `ref()`/`unref()` apply to the reading part
// (pending writes hold whatever the ref, as libuv's write requests do).
// Each scenario runs in a child process under node:http and under rshttp;
// the child reports 'exited' if its loop ran dry, or 'alive' if a 500 ms
// unref'd timer found it still running.

const { test } = require('node:test');
const assert = require('node:assert');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const T = { timeout: 30000 };
const ROOT = path.join(__dirname, '..');

/** The child: `node -e CHILD <impl> <scenario>`. */
const CHILD = `
const net = require('net');
const http = process.argv[1] === 'node' ? require('http') : require(${JSON.stringify(ROOT)});
const start = Date.now();
let alive = false;
process.on('exit', () => { if (!alive) console.log('exited'); });
setTimeout(() => { alive = true; console.log('alive'); process.exit(0); }, 500).unref();

/** A raw TCP client of server, unref'd (it is not under test). */
function rawClient(server, send, cb) {
  const c = net.connect(server.address().port, '127.0.0.1', () => { if (send) c.write(send); cb && cb(c); });
  c.unref();
  return c;
}

const scenarios = {
  // The issue's case: the client reads the first chunk of a 300 KB body,
  // pauses, and the server closes.
  pausedClient() {
    const server = http.createServer((req, res) => res.end(Buffer.alloc(300 * 1024, 'x')));
    server.listen(0, '127.0.0.1', () => {
      http.get({ port: server.address().port, host: '127.0.0.1' }, (res) => {
        res.once('data', () => { res.pause(); server.close(); });
      });
    });
  },
  // The same through a socket the client did not open (an Agent's createConnection).
  pausedForeignClient() {
    const server = http.createServer((req, res) => res.end(Buffer.alloc(300 * 1024, 'x')));
    server.listen(0, '127.0.0.1', () => {
      const agent = new http.Agent();
      agent.createConnection = (o) => net.connect(o);
      http.get({ port: server.address().port, host: '127.0.0.1', agent }, (res) => {
        res.once('data', () => { res.pause(); server.close(); });
      });
    });
  },
  // An accepted connection that reads (no request yet) holds the loop...
  readingServerSocket() {
    const server = http.createServer();
    server.on('connection', () => server.unref());
    server.listen(0, '127.0.0.1', () => rawClient(server));
  },
  // ...unless unref'd...
  unrefedServerSocket() {
    const server = http.createServer();
    server.on('connection', (s) => { s.unref(); server.unref(); });
    server.listen(0, '127.0.0.1', () => rawClient(server));
  },
  // ...and ref() undoes unref().
  refedAgainServerSocket() {
    const server = http.createServer();
    server.on('connection', (s) => { s.unref(); s.ref(); server.unref(); });
    server.listen(0, '127.0.0.1', () => rawClient(server));
  },
  // A request that is not read (the server stops reading it) does not hold.
  pausedServerRequest() {
    const server = http.createServer((req) => { server.unref(); req.pause(); });
    server.listen(0, '127.0.0.1', () => {
      rawClient(server, 'POST / HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 400000\\r\\n\\r\\n', (c) => {
        c.write(Buffer.alloc(400000));
      });
    });
  },
  // Pending writes hold even an unref'd socket: a 16 MB response to a
  // client that does not read.
  unrefedSocketWriting() {
    const server = http.createServer((req, res) => {
      req.socket.unref();
      server.unref();
      res.end(Buffer.alloc(16 * 1024 * 1024));
    });
    server.listen(0, '127.0.0.1', () => {
      rawClient(server, 'GET / HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n', (c) => c.pause());
    });
  },
  // A client socket waiting for its response holds the loop; unref'd, not.
  waitingClient() {
    const server = http.createServer(() => {});
    server.on('connection', (s) => { s.unref(); server.unref(); });
    server.listen(0, '127.0.0.1', () => {
      http.get({ port: server.address().port, host: '127.0.0.1' }).on('error', () => {});
    });
  },
  unrefedWaitingClient() {
    const server = http.createServer(() => {});
    server.on('connection', (s) => { s.unref(); server.unref(); });
    server.listen(0, '127.0.0.1', () => {
      const req = http.get({ port: server.address().port, host: '127.0.0.1' });
      req.on('error', () => {});
      req.on('socket', (s) => s.unref());
    });
  },
};
scenarios[process.argv[2]]();
`;

/** Runs `scenario` under `impl` ('node' or 'rshttp'); returns what the child said. */
function outcome(impl, scenario) {
  const r = spawnSync(process.execPath, ['-e', CHILD, impl, scenario], { timeout: 10000, encoding: 'utf8' });
  assert.strictEqual(r.error, undefined, `${impl} ${scenario}: ${r.error}`);
  assert.strictEqual(r.status, 0, `${impl} ${scenario} failed: ${r.stderr}`);
  return r.stdout.trim();
}

const EXPECTED = {
  pausedClient: 'exited',
  pausedForeignClient: 'exited',
  readingServerSocket: 'alive',
  unrefedServerSocket: 'exited',
  refedAgainServerSocket: 'alive',
  pausedServerRequest: 'exited',
  unrefedSocketWriting: 'alive',
  waitingClient: 'alive',
  unrefedWaitingClient: 'exited',
};

for (const [scenario, expected] of Object.entries(EXPECTED)) {
  test(`event loop hold: ${scenario} -> ${expected}, as node:http`, T, () => {
    assert.strictEqual(outcome('node', scenario), expected, 'node:http (the reference)');
    assert.strictEqual(outcome('rshttp', scenario), expected, 'rshttp');
  });
}
