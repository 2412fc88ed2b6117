'use strict';
// A 'data' listener added to an accepted socket in HTTP mode gets the bytes
// the socket reads, besides the parser (Node "unconsumes" the socket),
// checked on node:http and rshttp alike: with on(), addListener() and
// prependListener(), after the parser has handled the same chunk, and even
// when that chunk's parse error destroys the socket.

const { test } = require('node:test');
const assert = require('node:assert');
const net = require('node:net');
const { once } = require('node:events');
const nodeHttp = require('node:http');
const rshttp = require('..');

const T = { timeout: 20_000 };
const IMPLS = [['node:http', nodeHttp], ['rshttp', rshttp]];

for (const [name, http] of IMPLS) {
  for (const method of ['on', 'addListener', 'prependListener']) {
    test(`${name}: socket.${method}('data') in a handler gets what the socket reads next`, T, async () => {
      let received = '';
      const server = http.createServer((req, res) => {
        res.end();
        req.socket[method]('data', (d) => { received += d; });
      });
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const c = net.connect(server.address().port, '127.0.0.1');
      c.on('error', () => {});
      c.write('PUT / HTTP/1.1\r\nHost: x\r\n\r\n');
      await once(c, 'data');
      // Not HTTP: the parser fails on it (400, the socket is destroyed),
      // and the listener still gets it.
      c.end('hello world');
      c.resume();
      await once(c, 'close');
      await new Promise((resolve) => server.close(resolve));
      assert.strictEqual(received, 'hello world');
    });
  }

  test(`${name}: a body chunk is in the request before the socket's own 'data' listener sees it`, T, async () => {
    const seen = new Promise((resolve, reject) => {
      const server = http.createServer((req, res) => {
        req.pause();
        req.socket.once('data', (chunk) => {
          resolve({ chunk: String(chunk), buffered: req.readableLength });
          res.end();
        });
        res.flushHeaders();
      });
      server.listen(0, '127.0.0.1', async () => {
        try {
          const c = net.connect(server.address().port, '127.0.0.1');
          c.on('error', () => {});
          c.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n');
          await once(c, 'data');
          c.end('abcde');
          c.resume();
          await once(c, 'close');
          server.close();
        } catch (e) {
          reject(e);
        }
      });
    });
    assert.deepStrictEqual(await seen, { chunk: 'abcde', buffered: 5 });
  });
}
