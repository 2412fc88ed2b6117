'use strict';
// Timeouts set from JS late in a turn of the loop count from when they are
// set, as node:http's do (Node updates the loop time before it arms a
// timer): the core's clock is read once per turn, and a deadline stamped
// with that time after 50 ms of work in the same turn would start 50 ms in
// the past. Each scenario runs under node:http too, as the reference.

const { test } = require('node:test');
const assert = require('node:assert');
const nodeHttp = require('node:http');
const http = require('../index.js');
const { busy } = require('./_client_util');

const T = { timeout: 10000 };
const WORK_MS = 50;
const TIMEOUT_MS = 200;
/** The timer may fire this much before its time (ms rounding) and no more. */
const SLACK_MS = 10;

/**
 * A server whose `/slow` never answers (and `/` answers 'ok'), closed with
 * its connections by `done()`.
 */
function listen(impl, onSlow) {
  const server = impl.createServer((req, res) => {
    if (req.url === '/slow') return onSlow(req, res);
    res.end('ok');
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/**
 * On a keep-alive socket reused from the pool: a request made from the
 * first response's 'end' (inside the turn that delivered it) after
 * WORK_MS of work calls `req.setTimeout(TIMEOUT_MS)`. Resolves to the ms
 * from setTimeout() to 'timeout', and whether the socket was reused.
 */
async function reusedRequestTimeout(impl) {
  const server = await listen(impl, () => {});
  const agent = new impl.Agent({ keepAlive: true });
  const port = server.address().port;
  try {
    return await new Promise((resolve, reject) => {
      impl.get({ port, host: '127.0.0.1', agent }, (res) => {
        res.resume();
        // After the socket went back to the pool ('free' is a tick after 'end').
        res.on('end', () => process.nextTick(() => {
          const req = impl.get({ port, host: '127.0.0.1', agent, path: '/slow' });
          req.on('error', () => {});
          busy(WORK_MS);
          const set = Date.now();
          req.setTimeout(TIMEOUT_MS, () => {
            resolve({ elapsed: Date.now() - set, reused: req.reusedSocket });
            req.destroy();
          });
        }));
      }).on('error', reject);
    });
  } finally {
    agent.destroy();
    server.closeAllConnections();
    server.close();
  }
}

/**
 * A handler that works WORK_MS, then calls `res.setTimeout(TIMEOUT_MS)`.
 * Resolves to the ms from setTimeout() to 'timeout'.
 */
async function handlerResponseTimeout(impl) {
  let resolveElapsed;
  const elapsed = new Promise((resolve) => { resolveElapsed = resolve; });
  const server = await listen(impl, (req, res) => {
    busy(WORK_MS);
    const set = Date.now();
    res.setTimeout(TIMEOUT_MS, () => {
      resolveElapsed(Date.now() - set);
      res.end('late');
    });
  });
  try {
    const req = http.get({ port: server.address().port, host: '127.0.0.1', path: '/slow', agent: false }, (res) => res.resume());
    req.on('error', () => {});
    return await elapsed;
  } finally {
    server.closeAllConnections();
    server.close();
  }
}

test('req.setTimeout() on a reused socket after 50 ms of work in the turn counts from the call', T, async () => {
  const ref = await reusedRequestTimeout(nodeHttp);
  assert.ok(ref.reused, 'node:http reused the socket');
  assert.ok(ref.elapsed >= TIMEOUT_MS - SLACK_MS, `node:http fired after ${ref.elapsed} ms`);
  const got = await reusedRequestTimeout(http);
  assert.ok(got.reused, 'rshttp reused the socket');
  assert.ok(got.elapsed >= TIMEOUT_MS - SLACK_MS,
    `rshttp fired ${got.elapsed} ms after req.setTimeout(${TIMEOUT_MS}) (node:http: ${ref.elapsed})`);
});

test('res.setTimeout() in a handler after 50 ms of work counts from the call', T, async () => {
  const ref = await handlerResponseTimeout(nodeHttp);
  assert.ok(ref >= TIMEOUT_MS - SLACK_MS, `node:http fired after ${ref} ms`);
  const got = await handlerResponseTimeout(http);
  assert.ok(got >= TIMEOUT_MS - SLACK_MS,
    `rshttp fired ${got} ms after res.setTimeout(${TIMEOUT_MS}) (node:http: ${ref})`);
});
