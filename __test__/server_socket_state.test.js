'use strict';
// The accepted socket as HTTP leaves it, checked on node:http and rshttp
// alike: backpressure pauses and resumes it through pause()/resume() (with
// their events), an upgraded socket has HTTP's listeners and parser
// removed, the server stops counting a socket when it is destroyed, and a
// request whose handler started reading is not dumped when its response
// finishes.

const { test } = require('node:test');
const assert = require('node:assert');
const { once } = require('node:events');
const { T, IMPLS, start, stop, connectQuiet: connect } = require('./_both');


for (const [name, http] of IMPLS) {
  test(`${name}: a body the handler does not read pauses the socket ('pause'), reading it resumes it ('resume')`, T, async () => {
    const events = [];
    let received = 0;
    const done = new Promise((resolve) => {
      const server = start(http, (req, res) => {
        req.socket.on('pause', () => {
          events.push('pause');
          // The handler reads only once HTTP has paused the socket.
          if (events.length === 1) req.on('data', (d) => { received += d.length; });
        });
        req.socket.on('resume', () => events.push('resume'));
        req.on('end', () => res.end('ok', () => resolve(server)));
      });
      server.then(async (s) => {
        const c = await connect(s.address().port);
        const body = Buffer.alloc(256 * 1024, 'x');
        c.write(`POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n`);
        c.write(body);
      });
    });
    const server = await done;
    await stop(server);
    assert.strictEqual(received, 256 * 1024);
    assert.deepStrictEqual(events.slice(0, 2), ['pause', 'resume']);
  });

  test(`${name}: a socket handed to 'connect' has no HTTP listeners left and no parser`, T, async () => {
    const server = await start(http, () => {});
    const seen = new Promise((resolve) => {
      server.on('connect', (req, socket) => {
        const counts = {};
        for (const ev of ['close', 'drain', 'data', 'end', 'error', 'timeout']) counts[ev] = socket.listenerCount(ev);
        resolve({ counts, parser: socket.parser });
        socket.destroy();
      });
    });
    const c = await connect(server.address().port);
    c.write('CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n');
    const got = await seen;
    c.destroy();
    await stop(server);
    assert.deepStrictEqual(got, { counts: { close: 0, drain: 0, data: 0, end: 1, error: 0, timeout: 0 }, parser: null });
  });

  test(`${name}: the server stops counting a socket as it is destroyed, before its 'close'`, T, async () => {
    const counts = [];
    const server = await start(http, (req, res) => {
      counts.push(server._connections);
      req.socket.destroy();
      counts.push(server._connections);
      req.socket.on('close', () => counts.push(server._connections));
    });
    const c = await connect(server.address().port);
    c.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await once(c, 'close');
    await stop(server);
    assert.deepStrictEqual(counts, [1, 0, 0]);
  });

  test(`${name}: a request's socket has two 'close' listeners, which run bound to anything`, T, async () => {
    let count = -1;
    const server = await start(http, (req, res) => {
      const listeners = req.socket.listeners('close');
      count = listeners.length;
      for (const fn of listeners) fn.call(req);
      res.end();
    });
    const c = await connect(server.address().port);
    c.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    // The connection's own listener aborts the request, which closes the socket.
    await once(c, 'close');
    // Node's server is left unable to close by the tampering (its
    // connection list): it is unref'd instead, as Node's own test does.
    server.unref();
    assert.strictEqual(count, 2);
  });

  test(`${name}: a request whose handler listened for 'data' is not dumped when its response finishes`, T, async () => {
    const dumped = new Promise((resolve) => {
      start(http, (req, res) => {
        req.once('data', () => {
          req.pause();
          res.end();
          res.on('finish', () => resolve([req._dumped, req.listenerCount('data')]));
        });
      }).then(async (server) => {
        const c = await connect(server.address().port);
        c.end(`POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1024\r\n\r\n${'x'.repeat(1024)}`);
        c.on('close', () => stop(server));
      });
    });
    assert.deepStrictEqual(await dumped, [false, 0]);
  });
}
