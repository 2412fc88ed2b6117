'use strict';
// A request's life as a Readable after its response: which events it emits,
// in what order against the response's, and what its state says at each
// step, on node:http and on rshttp alike. rshttp ends a request nobody reads
// or listens to without running Readable's dump (lib/incoming_message.js,
// dumpEnded); these cases pin what a listener, or a look at its state, sees.

const { test } = require('node:test');
const assert = require('node:assert');
const { T, IMPLS, start, stop, connect } = require('./_both');

/** The request's state as a line. */
function state(req) {
  return `destroyed=${req.destroyed} ended=${req.readableEnded} readable=${req.readable} ` +
    `closed=${req.closed} flowing=${req.readableFlowing} paused=${req.isPaused()} complete=${req.complete}`;
}

/**
 * Serves one request (`raw`, a whole request's bytes) with `handler(req, res,
 * log)` and resolves to what the handler logged until a few turns after
 * the response closed.
 */
async function lifecycle(http, raw, handler) {
  const log = [];
  let settled;
  const done = new Promise((resolve) => { settled = resolve; });
  const server = await start(http, (req, res) => {
    res.on('finish', () => log.push(`res finish: ${state(req)}`));
    res.on('close', () => {
      log.push(`res close: ${state(req)}`);
      process.nextTick(() => log.push(`tick after res close: ${state(req)}`));
      setImmediate(() => setImmediate(() => {
        log.push(`later: ${state(req)}`);
        settled();
      }));
    });
    handler(req, res, log);
  });
  const c = await connect(server.address().port);
  c.resume();
  c.write(raw);
  await done;
  c.destroy();
  await stop(server);
  return log;
}

const GET = 'GET / HTTP/1.1\r\nHost: x\r\n\r\n';
const POST = 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello';

const CASES = [
  ['a GET nobody reads or listens to', GET, (req, res) => res.end('ok')],
  ['a GET answered later, from a timer', GET, (req, res) => setTimeout(() => res.end('ok'), 5)],
  ['a GET with end and close listeners', GET, (req, res, log) => {
    req.on('end', () => log.push(`req end: ${state(req)}`));
    req.on('close', () => log.push(`req close: ${state(req)}`));
    res.end('ok');
  }],
  ['a GET whose listeners come after the response closed', GET, (req, res, log) => {
    res.on('close', () => {
      req.on('end', () => log.push(`req end: ${state(req)}`));
      req.on('close', () => log.push(`req close: ${state(req)}`));
    });
    res.end('ok');
  }],
  ['a GET whose listener comes on the tick after the response finished', GET, (req, res, log) => {
    res.on('finish', () => process.nextTick(() => req.on('close', () => log.push(`req close: ${state(req)}`))));
    res.end('ok');
  }],
  ['a GET whose readable and end listeners come on a tick the handler queued', GET, (req, res, log) => {
    process.nextTick(() => {
      req.on('readable', () => log.push(`req readable: ${req.read()} ${state(req)}`));
      req.on('end', () => log.push(`req end: ${state(req)}`));
    });
    res.end('ok');
  }],
  ['a GET whose close listener comes two ticks after the response closed', GET, (req, res, log) => {
    res.on('close', () => process.nextTick(() => process.nextTick(() => {
      req.on('close', () => log.push(`req close: ${state(req)}`));
    })));
    res.end('ok');
  }],
  ['a GET paused in the response\'s finish listener', GET, (req, res, log) => {
    res.on('finish', () => req.pause());
    res.end('ok');
  }],
  ['a GET read with resume()', GET, (req, res) => {
    req.resume();
    res.end('ok');
  }],
  ['a POST whose body nobody reads', POST, (req, res) => res.end('ok')],
  ['a POST read to its end first', POST, (req, res, log) => {
    req.on('data', (d) => log.push(`data ${d}`));
    req.on('end', () => {
      log.push(`req end: ${state(req)}`);
      res.end('ok');
    });
  }],
];

for (const [name, raw, handler] of CASES) {
  test(`request lifecycle as node:http's: ${name}`, T, async () => {
    const [[, nodeHttp], [, rshttp]] = IMPLS;
    const expected = await lifecycle(nodeHttp, raw, handler);
    const actual = await lifecycle(rshttp, raw, handler);
    assert.ok(expected.length >= 4, `node:http logged ${expected.length} lines`);
    assert.deepStrictEqual(actual, expected);
  });
}
