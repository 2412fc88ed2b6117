'use strict';
/**
 * Faults (issue 15): the peer goes away while a request or a response is in
 * flight. Each scenario runs against node:http and rshttp and the events the
 * server-side objects see (names, error codes and messages, flags) must be
 * the same sequence; nothing may crash or hang, and the server keeps serving.
 *
 * - the client destroys, half-closes or resets (RST) its socket in the
 *   middle of a request body: 'aborted', ECONNRESET "aborted", 'close',
 *   the 'clientError' (HPE_INVALID_EOF_STATE or ECONNRESET) and the 400
 *   Node sends on a half-close;
 * - the client writes part of a request and resets at once, so the data
 *   and the RST arrive together (libuv reports the end of stream);
 * - the client destroys its socket, or resets it (`socket.resetAndDestroy()`),
 *   while the server writes a large response: res 'close' with
 *   `writableFinished` false; then a new connection is served.
 */

const { test } = require('node:test');
const assert = require('node:assert');
const { once } = require('node:events');
const { T, IMPLS, start, stop, connect } = require('./_both');
const rshttp = require('..');
const { binding } = require('../lib/native');

/** rshttp's servers here run on I/O threads (RSHTTP_IO_THREADS). */
const ioThreads = Number(process.env.RSHTTP_IO_THREADS) > 0;

/** Resolves after `ms`. */
const delay = (ms) => new Promise((r) => setTimeout(r, ms));

/** Rejects after `ms` with a message naming `what`, so a hang fails clearly. */
function within(ms, what, promise) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Records `names` events of `emitter` into `log` as `[label, name, detail]`. */
function track(log, label, emitter, names) {
  for (const name of names) {
    emitter.on(name, (arg) => {
      if (name === 'error') log.push([label, name, arg && arg.code, arg && arg.message]);
      else log.push([label, name]);
    });
  }
}

/**
 * Runs `scenario`, then stops `server`; fails on an 'uncaughtException'
 * during the scenario (the handler would otherwise hide it).
 */
async function guarded(server, scenario) {
  const seen = [];
  const onErr = (err) => seen.push(err);
  process.on('uncaughtException', onErr);
  try {
    return await scenario();
  } finally {
    process.removeListener('uncaughtException', onErr);
    await stop(server);
    assert.deepStrictEqual(seen.map(String), []);
  }
}

/** A request works on the server after the fault. */
async function assertStillServes(port) {
  const c = await connect(port);
  c.write('GET /after HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
  let got = '';
  c.setEncoding('latin1');
  c.on('data', (d) => { got += d; });
  await within(5000, 'request after the fault', once(c, 'close'));
  assert.match(got, /^HTTP\/1\.1 200 OK\r\n/);
  assert.match(got, /\r\n\r\nafter$/);
}

/** The handler used after the fault scenario: answers 'after' to /after. */
function afterHandler(req, res) {
  if (req.url === '/after') {
    res.end('after');
    return true;
  }
  return false;
}

/**
 * The client sends a head with Content-Length: 100000 and a first slice of
 * the body, waits until the handler has read it, then destroys the socket
 * (`halfClose`: ends it and reads what the server sends; `reset`: RST).
 */
async function abortMidBody(http, { halfClose = false, reset = false, clientErrorListener = true } = {}) {
  const log = [];
  let closed;
  const allClosed = new Promise((resolve) => { closed = resolve; });
  let gotData;
  const dataSeen = new Promise((resolve) => { gotData = resolve; });
  const server = await start(http, (req, res) => {
    if (afterHandler(req, res)) return;
    track(log, 'req', req, ['aborted', 'error', 'end', 'close']);
    track(log, 'res', res, ['error', 'finish', 'close']);
    let bytes = 0;
    req.on('data', (d) => {
      bytes += d.length;
      if (bytes >= 10) gotData();
    });
    let n = 0;
    const done = () => { if (++n === 2) closed(); };
    req.on('close', () => {
      log.push(['req.close state', req.complete, req.aborted, req.destroyed, bytes]);
      done();
    });
    res.on('close', () => {
      log.push(['res.close state', res.writableEnded, res.writableFinished, res.headersSent]);
      done();
    });
  });
  if (clientErrorListener) {
    server.on('clientError', (err, socket) => {
      log.push(['server', 'clientError', err.code, err.message]);
      socket.destroy();
    });
  }
  const { port } = server.address();
  await guarded(server, async () => {
    const c = await connect(port);
    c.on('error', () => {});
    let wire = '';
    c.setEncoding('latin1');
    c.on('data', (d) => { wire += d; });
    c.write('POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\n\r\n0123456789');
    await within(5000, 'body data reaching the handler', dataSeen);
    if (halfClose) {
      c.end();
      await within(5000, 'the server closing', once(c, 'close'));
      log.push(['client received', wire]);
    } else if (reset) {
      c.resetAndDestroy();
    } else {
      c.destroy();
    }
    await within(5000, "req and res 'close'", allClosed);
    await delay(50); // let any late event show up in the log
    await assertStillServes(port);
  });
  return log;
}

test("client aborts mid-request-body: 'aborted', ECONNRESET 'aborted' and 'close' as node:http", T, async () => {
  const logs = {};
  for (const [name, http] of IMPLS) logs[name] = await abortMidBody(http);
  // Node 20: 'aborted', then 'error' ECONNRESET "aborted", then 'close'.
  assert.deepStrictEqual(logs['node:http'].filter((e) => e[0] === 'req').slice(0, 2), [
    ['req', 'aborted'],
    ['req', 'error', 'ECONNRESET', 'aborted'],
  ]);
  if (process.env.FAULTS_DEBUG) console.log(JSON.stringify(logs));
  assert.deepStrictEqual(logs.rshttp, logs['node:http']);
});

test("client resets (RST) mid-request-body: ECONNRESET 'clientError', 'aborted', 'close' as node:http", T, async () => {
  const logs = {};
  for (const [name, http] of IMPLS) logs[name] = await abortMidBody(http, { reset: true });
  if (process.env.FAULTS_DEBUG) console.log(JSON.stringify(logs));
  assert.deepStrictEqual(logs['node:http'][0], ['server', 'clientError', 'ECONNRESET', 'read ECONNRESET']);
  assert.deepStrictEqual(logs.rshttp, logs['node:http']);
});

/**
 * The client writes `bytes` and resets the connection at once, so the data
 * and the RST reach the server together (`apart`: once the server has read
 * the data, so the RST comes in a later wake-up); resolves to the server's
 * 'clientError' events and requests.
 *
 * "Together" is what node:http sees when the client runs on its own JS
 * thread: its loop polls after the client's turn. rshttp's I/O threads
 * (RSHTTP_IO_THREADS) poll while that turn runs and would read the data
 * alone, so they are held during it (`binding.ioThreadsHold`) and find
 * both in one wake-up, as the loop does.
 */
async function resetWithData(http, bytes, { apart = false } = {}) {
  const log = [];
  let serverSocket;
  const server = await start(http, (req, res) => {
    if (afterHandler(req, res)) return;
    log.push(['request', req.method, req.url]);
    track(log, 'req', req, ['aborted', 'error', 'close']);
    req.resume();
  });
  server.on('clientError', (err, socket) => {
    log.push(['server', 'clientError', err.code, err.message]);
    socket.destroy();
  });
  server.on('connection', (socket) => { serverSocket = socket; });
  const { port } = server.address();
  await guarded(server, async () => {
    const c = await connect(port);
    c.on('error', () => {});
    const hold = !apart && http === rshttp && ioThreads;
    if (hold) assert.strictEqual(binding.ioThreadsHold(true), true, 'I/O threads held');
    try {
      c.write(bytes);
      if (apart) {
        const until = Date.now() + 5000;
        while (!(serverSocket && serverSocket.bytesRead >= bytes.length) && Date.now() < until) await delay(5);
        assert.strictEqual(serverSocket.bytesRead, bytes.length);
      }
      c.resetAndDestroy();
    } finally {
      if (hold) binding.ioThreadsHold(false);
    }
    // The server has nothing to answer: wait until it saw the close.
    const until = Date.now() + 5000;
    while (log.length === 0 && Date.now() < until) await delay(10);
    await delay(100);
    await assertStillServes(port);
  });
  return log;
}

test('RST arriving with part of a head: the data then the end of stream, as libuv reports it to node:http', T, async () => {
  for (const bytes of ['GET /partial HTTP/1.1\r\nHo', 'POST /body HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n01234']) {
    const logs = {};
    for (const [name, http] of IMPLS) logs[name] = await resetWithData(http, bytes);
    if (process.env.FAULTS_DEBUG) console.log(JSON.stringify(logs));
    assert.ok(logs['node:http'].some((e) => e[0] === 'server' && e[1] === 'clientError' && e[2] !== 'ECONNRESET'));
    assert.deepStrictEqual(logs.rshttp, logs['node:http'], bytes);
  }
});

test('RST after the server read part of a head: ECONNRESET, as libuv reports a reset in a later wake-up to node:http', T, async () => {
  for (const bytes of ['GET /partial HTTP/1.1\r\nHo', 'POST /body HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n01234']) {
    const logs = {};
    for (const [name, http] of IMPLS) logs[name] = await resetWithData(http, bytes, { apart: true });
    if (process.env.FAULTS_DEBUG) console.log(JSON.stringify(logs));
    assert.ok(logs['node:http'].some((e) => e[0] === 'server' && e[1] === 'clientError' && e[2] === 'ECONNRESET'));
    assert.deepStrictEqual(logs.rshttp, logs['node:http'], bytes);
  }
});

test('client half-closes mid-request-body: clientError, bytes sent back and events as node:http', T, async () => {
  for (const clientErrorListener of [true, false]) {
    const logs = {};
    for (const [name, http] of IMPLS) logs[name] = await abortMidBody(http, { halfClose: true, clientErrorListener });
    if (process.env.FAULTS_DEBUG) console.log(JSON.stringify(logs));
    assert.ok(logs['node:http'].some((e) => e[0] === 'client received'));
    assert.deepStrictEqual(logs.rshttp, logs['node:http']);
  }
});

/**
 * The handler writes a large response respecting backpressure; the client
 * reads its first bytes and destroys the socket (`rst`: with an RST).
 */
async function abortMidResponse(http, { rst }) {
  const log = [];
  let closed;
  const resClosed = new Promise((resolve) => { closed = resolve; });
  let wrote = 0;
  const chunk = Buffer.alloc(64 * 1024, 'x');
  const total = 64 * 1024 * 1024;
  const server = await start(http, (req, res) => {
    if (afterHandler(req, res)) return;
    track(log, 'req', req, ['aborted', 'error', 'close']);
    track(log, 'res', res, ['error', 'finish', 'close']);
    res.writeHead(200, { 'Content-Length': total });
    const pump = () => {
      while (wrote < total && !res.destroyed) {
        wrote += chunk.length;
        if (!res.write(chunk)) {
          res.once('drain', pump);
          return;
        }
      }
      if (wrote >= total) res.end();
    };
    pump();
    res.on('close', () => {
      log.push(['res.close state', res.writableEnded, res.writableFinished, res.destroyed]);
      closed();
    });
  });
  server.on('clientError', (err, socket) => {
    log.push(['server', 'clientError', err.code]);
    socket.destroy();
  });
  const { port } = server.address();
  await guarded(server, async () => {
    const c = await connect(port);
    c.on('error', () => {});
    c.write('GET /big HTTP/1.1\r\nHost: a\r\n\r\n');
    let got = 0;
    await within(5000, 'the first response bytes', new Promise((resolve) => {
      c.on('data', (d) => {
        got += d.length;
        if (got >= 256 * 1024) resolve();
      });
    }));
    c.pause();
    if (rst) c.resetAndDestroy();
    else c.destroy();
    await within(5000, "res 'close'", resClosed);
    await delay(50);
    log.push(['wrote everything', wrote >= total]);
    await assertStillServes(port);
  });
  return log;
}

test("client destroys mid-response: res 'close', writableFinished false, as node:http", T, async () => {
  const logs = {};
  for (const [name, http] of IMPLS) logs[name] = await abortMidResponse(http, { rst: false });
  assert.deepStrictEqual(logs['node:http'].find((e) => e[0] === 'res.close state'),
    ['res.close state', false, false, true]);
  if (process.env.FAULTS_DEBUG) console.log(JSON.stringify(logs));
  assert.deepStrictEqual(logs.rshttp, logs['node:http']);
});

test('client resets (RST) mid-response: same events as node:http, next connection served', T, async () => {
  const logs = {};
  for (const [name, http] of IMPLS) logs[name] = await abortMidResponse(http, { rst: true });
  assert.deepStrictEqual(logs['node:http'].find((e) => e[0] === 'res.close state'),
    ['res.close state', false, false, true]);
  if (process.env.FAULTS_DEBUG) console.log(JSON.stringify(logs));
  assert.deepStrictEqual(logs.rshttp, logs['node:http']);
});
