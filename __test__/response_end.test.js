'use strict';
// How a message read to its end says 'end', on node:http and on rshttp
// alike: the events a reader sees (data, readable, end, close), what read()
// returns and the stream's state at each, and their order against ticks.
// rshttp's IncomingMessage queues Readable's 'end' tick once where
// Readable queues it on every read of an ended, empty stream
// (lib/incoming_message.js, read); data put back with unshift must still
// be read before 'end', whenever it is put back.

const { test } = require('node:test');
const assert = require('node:assert');
const { T, IMPLS, start, stop, connect } = require('./_both');
const { rawServer } = require('./_client_util');

/** The message's state as a line. */
function state(m) {
  return `ended=${m.readableEnded} len=${m.readableLength} flowing=${m.readableFlowing} ` +
    `destroyed=${m.destroyed} complete=${m.complete}`;
}

/** How long a response may take to close before its log is compared as it is. */
const WAIT_MS = 2000;

const show = (v) => (v === null ? 'null' : JSON.stringify(String(v)));

/**
 * Reads one response (`raw`, its whole bytes from a raw server) with
 * `reader(res, log)` on `http`'s client; resolves to the log, closed a few
 * turns after the response's 'close'.
 */
async function readResponse(http, raw, reader) {
  const server = await rawServer(async (conn) => {
    await conn.readRequest();
    await conn.write(raw);
  });
  const log = [];
  const agent = new http.Agent({ keepAlive: false });
  let response = null;
  await new Promise((resolve, reject) => {
    // A response that never closes fails the comparison, not the run.
    const timer = setTimeout(() => {
      log.push(`no close in ${WAIT_MS} ms: ${response && state(response)}`);
      resolve();
    }, WAIT_MS);
    const req = http.get({ host: '127.0.0.1', port: server.port, agent }, (res) => {
      response = res;
      res.on('end', () => {
        log.push(`end: ${state(res)}`);
        process.nextTick(() => log.push('tick after end'));
      });
      res.on('close', () => {
        log.push(`close: ${state(res)}`);
        setImmediate(() => setImmediate(() => {
          clearTimeout(timer);
          resolve();
        }));
      });
      reader(res, log);
    });
    req.on('error', reject);
  });
  if (response) response.destroy();
  agent.destroy();
  await server.close();
  return log;
}

const BODY = 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello';
const CHUNKED = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n' +
  '3\r\nhel\r\n2\r\nlo\r\n0\r\n\r\n';

const CASES = [
  ['data listener with an encoding', BODY, (res, log) => {
    res.setEncoding('utf8');
    res.on('data', (c) => log.push(`data ${show(c)}: ${state(res)}`));
  }],
  ['data listener, chunked body', CHUNKED, (res, log) => {
    res.on('data', (c) => log.push(`data ${show(c)}: ${state(res)}`));
  }],
  ['readable listener reading until null', BODY, (res, log) => {
    res.on('readable', () => {
      let c;
      while ((c = res.read()) !== null) log.push(`read ${show(c)}: ${state(res)}`);
      log.push(`read null: ${state(res)}`);
    });
  }],
  ['exact reads, then read(0) and read() on later ticks', BODY, (res, log) => {
    res.once('readable', () => {
      log.push(`read(2) ${show(res.read(2))}: ${state(res)}`);
      log.push(`read(3) ${show(res.read(3))}: ${state(res)}`);
      process.nextTick(() => {
        log.push(`read(0) ${show(res.read(0))}: ${state(res)}`);
        setImmediate(() => log.push(`read() ${show(res.read())}: ${state(res)}`));
      });
    });
  }],
  ['unshift from the data listener', BODY, (res, log) => {
    let first = true;
    res.on('data', (c) => {
      log.push(`data ${show(c)}: ${state(res)}`);
      if (first) {
        first = false;
        res.unshift(Buffer.from('XY'));
        log.push(`unshifted: ${state(res)}`);
      }
    });
  }],
  ['unshift after the end was found, read back exactly a turn later', BODY, (res, log) => {
    res.once('readable', () => {
      log.push(`read ${show(res.read())}: ${state(res)}`);
      log.push(`read ${show(res.read())}: ${state(res)}`);
      res.unshift(Buffer.from('XY'));
      log.push(`unshifted: ${state(res)}`);
      setImmediate(() => {
        log.push(`read(2) ${show(res.read(2))}: ${state(res)}`);
        process.nextTick(() => log.push(`read() ${show(res.read())}: ${state(res)}`));
      });
    });
  }],
  ['paused after the first chunk, resumed a turn later', CHUNKED, (res, log) => {
    res.on('data', (c) => {
      log.push(`data ${show(c)}: ${state(res)}`);
      if (!res.isPaused()) {
        res.pause();
        setImmediate(() => {
          log.push(`resume: ${state(res)}`);
          res.resume();
        });
      }
    });
  }],
];

for (const [name, raw, reader] of CASES) {
  test(`response end as node:http's: ${name}`, T, async () => {
    const [[, nodeHttp], [, rshttp]] = IMPLS;
    const expected = await readResponse(nodeHttp, raw, reader);
    const actual = await readResponse(rshttp, raw, reader);
    assert.ok(expected.some((l) => l.startsWith('end:')), `node:http logged no end: ${expected.join(' | ')}`);
    assert.deepStrictEqual(actual, expected);
  });
}

test('request body end as node:http\'s: unshift after the end was found', T, async () => {
  const run = async (http) => {
    const log = [];
    let settled;
    const done = new Promise((resolve) => { settled = resolve; });
    const server = await start(http, (req, res) => {
      req.on('end', () => log.push(`end: ${state(req)}`));
      res.on('finish', () => log.push(`res finish: ${state(req)}`));
      req.once('readable', () => {
        log.push(`read ${show(req.read())}: ${state(req)}`);
        log.push(`read ${show(req.read())}: ${state(req)}`);
        req.unshift(Buffer.from('XY'));
        setImmediate(() => {
          log.push(`read(2) ${show(req.read(2))}: ${state(req)}`);
          log.push(`read() ${show(req.read())}: ${state(req)}`);
          setImmediate(() => {
            res.end('ok');
            settled();
          });
        });
      });
    });
    const c = await connect(server.address().port);
    c.resume();
    c.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello');
    await done;
    c.destroy();
    await stop(server);
    return log;
  };
  const [[, nodeHttp], [, rshttp]] = IMPLS;
  const expected = await run(nodeHttp);
  const actual = await run(rshttp);
  assert.ok(expected.some((l) => l.startsWith('end:')), `node:http logged no end: ${expected.join(' | ')}`);
  assert.deepStrictEqual(actual, expected);
});

test('a response read to its end by a data listener queues one end tick', T, async () => {
  const [, rshttp] = IMPLS[1];
  let response = null;
  let endTicks = 0;
  const nextTick = process.nextTick;
  process.nextTick = function countTick(fn, ...args) {
    if (fn.name === 'endReadableNT' && response && args[1] === response) endTicks++;
    return nextTick.call(process, fn, ...args);
  };
  let log;
  try {
    log = await readResponse(rshttp, BODY, (res) => {
      response = res;
      res.on('data', () => {});
    });
  } finally {
    process.nextTick = nextTick;
  }
  assert.ok(log.some((l) => l.startsWith('end:')), log.join(' | '));
  // Readable queues endReadableNT from read() on taking the last chunk and
  // again from flow()'s next read(); the second would find 'end' said.
  assert.strictEqual(endTicks, 1);
});
