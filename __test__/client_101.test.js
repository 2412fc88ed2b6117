'use strict';
// A 101 response on the client, as Node 20's client (llhttp) reads it: it
// switches protocols ('upgrade') only with an Upgrade header and an
// `upgrade` token in Connection; any other 101 is an ordinary response
// ('response', statusCode 101) whose message ends at its head, whatever
// framing headers it carries, and the keep-alive socket goes back to the
// pool. Each scenario runs under node:http too and the event logs must agree.

const { test } = require('node:test');
const assert = require('node:assert');
const net = require('node:net');
const nodeHttp = require('node:http');
const http = require('../index.js');

const T = { timeout: 10000 };

/**
 * A raw server: answers the first request on each connection with `first`
 * and every later one with a 200 'ok'.
 */
function rawServer(first) {
  const server = net.createServer((s) => {
    let n = 0;
    s.on('data', () => s.write(n++ === 0 ? first : 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'));
    s.on('error', () => {});
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/**
 * GET / (no upgrade asked for, an 'upgrade' listener attached) answered
 * with `first`, then, if the socket went back to the pool, a second GET on
 * it. Resolves to the events seen, in order.
 */
async function run(impl, first) {
  const server = await rawServer(first);
  const agent = new impl.Agent({ keepAlive: true });
  const opts = { host: '127.0.0.1', port: server.address().port, agent };
  const log = [];
  try {
    await new Promise((resolve) => {
      const req = impl.get(opts);
      req.on('upgrade', (res, socket) => {
        log.push(['upgrade', res.statusCode]);
        socket.destroy();
        resolve();
      });
      req.on('error', (err) => {
        log.push(['error', err.code]);
        resolve();
      });
      req.on('response', (res) => {
        log.push(['response', res.statusCode, res.upgrade, res.headers]);
        res.on('data', (d) => log.push(['data', String(d)]));
        res.on('end', () => log.push(['end', res.complete]));
      });
      req.on('socket', (socket) => socket.once('free', () => {
        log.push('free');
        // The pooled socket carries the next request.
        const again = impl.get(opts, (res) => {
          res.setEncoding('latin1');
          let body = '';
          res.on('data', (d) => { body += d; });
          res.on('end', () => {
            log.push(['second', res.statusCode, body, again.reusedSocket]);
            resolve();
          });
        });
        again.on('error', (err) => {
          log.push(['second error', err.code]);
          resolve();
        });
      }));
    });
  } finally {
    agent.destroy();
    server.close();
  }
  return log;
}

/** Runs `first` under node:http and rshttp; returns rshttp's log after checking they agree. */
async function same(first) {
  const want = await run(nodeHttp, first);
  const got = await run(http, first);
  assert.deepStrictEqual(got, want, `rshttp vs node:http for ${JSON.stringify(first)}`);
  return got;
}

const HEAD = 'HTTP/1.1 101 Switching Protocols\r\n';

test('a 101 without Upgrade and Connection: upgrade is an ordinary response with no body', T, async () => {
  assert.deepStrictEqual(await same(`${HEAD}\r\n`), [
    ['response', 101, false, {}],
    ['end', true],
    'free',
    ['second', 200, 'ok', true],
  ]);
});

test('a non-switching 101 has no body whatever its framing; what followed its head is dropped', T, async () => {
  assert.deepStrictEqual(await same(`${HEAD}Content-Length: 5\r\n\r\nhello`), [
    ['response', 101, false, { 'content-length': '5' }],
    ['end', true],
    'free',
    ['second', 200, 'ok', true],
  ]);
  const chunked = await same(`${HEAD}Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n`);
  assert.deepStrictEqual(chunked[0], ['response', 101, false, { 'transfer-encoding': 'chunked' }]);
  assert.deepStrictEqual(chunked.slice(1), [['end', true], 'free', ['second', 200, 'ok', true]]);
});

test('a 101 with only an Upgrade header, or only Connection: upgrade, does not switch either', T, async () => {
  const onlyUpgrade = await same(`${HEAD}Upgrade: foo\r\n\r\n`);
  assert.deepStrictEqual(onlyUpgrade[0], ['response', 101, false, { upgrade: 'foo' }]);
  const onlyConnection = await same(`${HEAD}Connection: upgrade\r\n\r\n`);
  assert.deepStrictEqual(onlyConnection[0], ['response', 101, false, { connection: 'upgrade' }]);
});

test('a 101 with both headers switches even though the request did not ask (as Node 20 does)', T, async () => {
  assert.deepStrictEqual(await same(`${HEAD}Connection: Upgrade\r\nUpgrade: foo\r\n\r\n`), [['upgrade', 101]]);
});
