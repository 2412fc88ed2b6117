'use strict';
// What the net surface of rshttp's Server and sockets does, checked on
// node:http and rshttp alike (so each expectation is Node's): the `_handle`
// lifecycle and its methods, resetAndDestroy() (an RST the peer sees as
// ECONNRESET), getConnections(), maxConnections, bufferSize, readyState,
// pending and _server.

const { test } = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const tls = require('node:tls');
const { once } = require('node:events');
const { spawnSync } = require('node:child_process');
const nodeHttp = require('node:http');
const rshttp = require('..');
const { T, IMPLS, start, stop, connect } = require('./_both');


/** Resolves to what happens to `c` until it closes: ['data', ...], 'end', ['error', code], 'close'. */
function outcome(c) {
  const log = [];
  c.on('data', (d) => log.push(['data', String(d)]));
  c.on('end', () => log.push('end'));
  c.on('error', (e) => log.push(['error', e.code]));
  return new Promise((resolve) => c.on('close', () => resolve(log)));
}

const GET = 'GET / HTTP/1.1\r\nHost: x\r\n\r\n';

for (const [name, http] of IMPLS) {
  test(`${name}: a server's _handle is set only while listening, with fd, getsockname and ref state`, T, async () => {
    const server = http.createServer();
    assert.strictEqual(server._handle, null);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const h = server._handle;
    assert.strictEqual(typeof h, 'object');
    assert.notStrictEqual(h, null);
    assert.strictEqual(server._handle, h, 'the same handle each time');
    assert.ok(fs.fstatSync(h.fd).isSocket(), 'fd is the listening socket');
    const out = {};
    assert.strictEqual(h.getsockname(out), 0);
    assert.deepStrictEqual(out, server.address());
    assert.strictEqual(h.hasRef(), true);
    server.unref();
    assert.strictEqual(h.hasRef(), false);
    server.ref();
    assert.strictEqual(h.hasRef(), true);
    await new Promise((resolve) => server.close(resolve));
    assert.strictEqual(server._handle, null);
    // Listening again gives a handle again.
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    assert.ok(server._handle);
    await stop(server);
    assert.strictEqual(server._handle, null);
  });

  test(`${name}: accepted and client sockets have a _handle while connected, null once closed`, T, async () => {
    let accepted;
    const server = await start(http, (req, res) => {
      accepted = req.socket;
      const h = accepted._handle;
      assert.ok(h && typeof h === 'object');
      assert.ok(fs.fstatSync(h.fd).isSocket());
      const peer = {};
      assert.strictEqual(h.getpeername(peer), 0);
      assert.strictEqual(peer.port, accepted.remotePort);
      assert.strictEqual(peer.address, '127.0.0.1');
      const local = {};
      assert.strictEqual(h.getsockname(local), 0);
      assert.strictEqual(local.port, server.address().port);
      assert.strictEqual(h.reading, true);
      assert.strictEqual(accepted._server, server);
      res.end('ok');
    });
    const req = http.get({ host: '127.0.0.1', port: server.address().port, agent: false });
    const [socket] = await once(req, 'socket');
    assert.ok(socket._handle, 'a connecting client socket has a handle');
    const [res] = await once(req, 'response');
    assert.ok(socket._handle);
    assert.ok(fs.fstatSync(socket._handle.fd).isSocket());
    res.resume();
    await once(socket, 'close');
    assert.strictEqual(socket._handle, null);
    if (!accepted.destroyed) await once(accepted, 'close');
    assert.strictEqual(accepted._handle, null);
    await stop(server);
  });

  test(`${name}: resetAndDestroy() on an accepted socket sends an RST (ECONNRESET at the client)`, T, async () => {
    let socket;
    let returned;
    const server = await start(http, (req) => {
      socket = req.socket;
      socket.on('error', (e) => assert.fail(`no error expected, got ${e.code}`));
      returned = socket.resetAndDestroy();
      assert.strictEqual(socket.destroyed, true);
      assert.strictEqual(socket._handle, null);
      // Again on a destroyed socket: nothing (no error is emitted).
      socket.resetAndDestroy();
    });
    const c = await connect(server.address().port);
    const seen = outcome(c);
    c.write(GET);
    assert.deepStrictEqual(await seen, [['error', 'ECONNRESET']]);
    assert.strictEqual(returned, socket);
    if (!socket.closed) await once(socket, 'close');
    await stop(server);
  });

  test(`${name}: resetAndDestroy() on a client socket resets the connection; while connecting, once connected`, T, async () => {
    const peer = net.createServer();
    peer.listen(0, '127.0.0.1');
    await once(peer, 'listening');
    const accepted = () => new Promise((resolve) => peer.once('connection', (c) => {
      const seen = outcome(c);
      c.once('data', () => resolve({ seen }));
    }));
    const get = () => {
      const req = http.get({ host: '127.0.0.1', port: peer.address().port, agent: false });
      req.on('error', () => {});
      return once(req, 'socket').then(([socket]) => socket);
    };

    // Connected: the peer, which got the request, sees an RST and no FIN.
    let arrived = accepted();
    let socket = await get();
    const { seen } = await arrived;
    assert.strictEqual(socket.resetAndDestroy(), socket);
    assert.strictEqual(socket.destroyed, true);
    const log = await seen;
    assert.deepStrictEqual(log.filter((e) => e[0] !== 'data'), [['error', 'ECONNRESET']]);

    // Connecting: the reset waits for the connection.
    arrived = accepted();
    socket = await get();
    assert.strictEqual(socket.connecting, true);
    socket.resetAndDestroy();
    assert.strictEqual(socket.destroyed, false);
    await once(socket, 'connect');
    await once(socket, 'close');
    assert.strictEqual(socket._handle, null);
    await (await arrived).seen;
    peer.close();
  });

  test(`${name}: getConnections() counts open connections, a tick later; maxConnections drops the extra ones`, T, async () => {
    const server = await start(http, (req, res) => res.end('ok'), { maxConnections: 2 });
    const count = () => new Promise((resolve, reject) => {
      let sync = true;
      server.getConnections((err, n) => (sync ? reject(new Error('called synchronously')) : resolve([err, n])));
      sync = false;
    });
    assert.deepStrictEqual(await count(), [null, 0]);
    assert.throws(() => server.getConnections(), { code: 'ERR_INVALID_ARG_TYPE' });
    const drops = [];
    server.on('drop', (d) => drops.push(d));
    const a = await connect(server.address().port);
    const b = await connect(server.address().port);
    a.write(GET);
    b.write(GET);
    await Promise.all([once(a, 'data'), once(b, 'data')]);
    assert.deepStrictEqual(await count(), [null, 2]);
    // The third is closed at once, unanswered, and reported as 'drop'.
    const c = await connect(server.address().port);
    const cPort = c.localPort;
    const seen = outcome(c);
    c.write(GET);
    const log = await seen;
    assert.ok(!log.some((e) => e[0] === 'data'), `no response: ${JSON.stringify(log)}`);
    assert.strictEqual(drops.length, 1);
    assert.strictEqual(drops[0].localPort, server.address().port);
    assert.strictEqual(drops[0].remotePort, cPort);
    assert.strictEqual(drops[0].remoteAddress, '127.0.0.1');
    assert.strictEqual(drops[0].remoteFamily, 'IPv4');
    assert.deepStrictEqual(await count(), [null, 2]);
    // Once one closes, a new connection is served again.
    a.destroy();
    while ((await count())[1] !== 1) await new Promise((r) => setTimeout(r, 10));
    const d = await connect(server.address().port);
    d.write(GET);
    const [data] = await once(d, 'data');
    assert.match(String(data), /^HTTP\/1\.1 200 OK/);
    assert.strictEqual(drops.length, 1);
    b.destroy();
    d.destroy();
    await stop(server);
  });

  test(`${name}: bufferSize, readyState and pending follow the socket's life`, T, async () => {
    let resolveSeen;
    const seen = new Promise((r) => { resolveSeen = r; });
    const server = await start(http, (req, res) => {
      const s = req.socket;
      const states = { inHandler: [s.readyState, s.pending, s.bufferSize] };
      // Far more than the kernel takes while the client does not read.
      const big = Buffer.alloc(32 * 1024 * 1024, 'x');
      res.writeHead(200, { 'Content-Length': big.length });
      res.write(big);
      states.backlogged = s.bufferSize;
      res.destroy();
      states.destroyed = [s.readyState, s.pending, s.bufferSize];
      resolveSeen(states);
    });
    const req = http.get({ host: '127.0.0.1', port: server.address().port, agent: false });
    req.on('error', () => {});
    const [socket] = await once(req, 'socket');
    const connecting = [socket.readyState, socket.pending];
    await once(socket, 'connect');
    const connected = [socket.readyState, socket.pending, typeof socket.bufferSize];
    socket.pause();
    const states = await seen;
    assert.deepStrictEqual(connecting, ['opening', true]);
    assert.deepStrictEqual(connected, ['open', false, 'number']);
    assert.deepStrictEqual(states.inHandler, ['open', false, 0]);
    assert.ok(states.backlogged > 0, `bytes wait in the socket: ${states.backlogged}`);
    assert.deepStrictEqual(states.destroyed, ['closed', true, undefined]);
    socket.destroy();
    assert.deepStrictEqual([socket.readyState, socket.pending, socket.bufferSize], ['closed', true, undefined]);
    await stop(server);
  });

  test(`${name}: bytesRead and bytesWritten count every byte of the exchange, heads included, and stay after close`, T, async () => {
    const request = 'POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello';
    let accepted;
    let inHandler;
    const server = await start(http, (req, res) => {
      accepted = req.socket;
      req.resume();
      req.on('end', () => {
        inHandler = accepted.bytesRead;
        res.end('ok');
      });
    });
    const c = await connect(server.address().port);
    const seen = outcome(c);
    c.end(request);
    const log = await seen;
    const response = log.filter((e) => e[0] === 'data').map((e) => e[1]).join('');
    if (!accepted.closed) await once(accepted, 'close');
    assert.strictEqual(inHandler, request.length);
    assert.strictEqual(accepted.bytesRead, request.length);
    assert.strictEqual(accepted.bytesWritten, response.length);
    await stop(server);
  });

  test(`${name}: an upgraded socket can be wrapped by tls.TLSSocket`, T, async () => {
    const server = http.createServer();
    let wrapped;
    server.on('upgrade', (req, socket) => {
      // TLS wraps a handle it finds in C++, or else the socket as a JS stream.
      wrapped = new tls.TLSSocket(socket, { isServer: false });
      wrapped.on('error', () => {});
      wrapped.destroy();
      socket.destroy();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const c = await connect(server.address().port);
    const closed = once(c, 'close');
    c.on('error', () => {});
    c.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: x\r\n\r\n');
    await closed;
    assert.ok(wrapped instanceof tls.TLSSocket);
    await stop(server);
  });
}

test('node:http and rshttp: resetAndDestroy() on a unix-domain socket throws ERR_INVALID_HANDLE_TYPE', T, async () => {
  const sock = path.join(os.tmpdir(), `rshttp-surface-${process.pid}.sock`);
  try { fs.unlinkSync(sock); } catch {}
  for (const http of [nodeHttp, rshttp]) {
    let err;
    const server = http.createServer((req, res) => {
      try {
        req.socket.resetAndDestroy();
      } catch (e) {
        err = e;
      }
      res.end('ok');
    });
    server.listen(sock);
    await once(server, 'listening');
    const c = net.connect(sock);
    c.on('error', () => {});
    c.write(GET);
    c.resume();
    await once(c, 'close');
    assert.strictEqual(err?.code, 'ERR_INVALID_HANDLE_TYPE');
    await stop(server);
  }
});

test('rshttp: a process whose servers are closed only when their _handle is set (as supertest does) exits', T, () => {
  const script = `
    const http = require(${JSON.stringify(path.join(__dirname, '..'))});
    let left = 20;
    for (let i = 0; i < 20; i++) {
      const server = http.createServer((req, res) => res.end('ok')).listen(0, '127.0.0.1', () => {
        http.get({ host: '127.0.0.1', port: server.address().port, agent: false }, (res) => {
          res.resume();
          res.on('end', () => {
            if (server._handle) server.close();
            if (--left === 0) console.log('done');
          });
        });
      });
    }`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 10_000 });
  assert.strictEqual(r.signal, null, 'the process exits by itself');
  assert.strictEqual(r.status, 0, r.stderr);
  assert.strictEqual(r.stdout.trim(), 'done');
});
