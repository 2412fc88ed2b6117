'use strict';
/**
 * Faults (issue 15): slow peers against the server's timeouts, node:http and
 * rshttp side by side.
 *
 * - Slowloris: a request head sent one byte every 50 ms, with
 *   `headersTimeout` 1000 ms and `connectionsCheckingInterval` 100 ms: the
 *   server answers `408 Request Timeout` with the same bytes as node:http,
 *   emits the same 'clientError', and closes, in about the same time.
 * - The same after 600 ms of silence: the clock starts at the first byte.
 * - With a 'clientError' listener that answers, or that does nothing (Node
 *   then goes on parsing and serves the request).
 * - A complete head and a body sent one byte at a time: `requestTimeout`
 *   ends it the same way.
 * - Meanwhile the server keeps serving other connections.
 */

const { test } = require('node:test');
const assert = require('node:assert');
const { once } = require('node:events');
const { normalizeDate } = require('./_wire');
const { T, IMPLS, stop, connect } = require('./_both');

const HEADERS_TIMEOUT = 1000;
const REQUEST_TIMEOUT = 1500;
const CHECK_INTERVAL = 100;
const BYTE_EVERY = 50;

/** Resolves after `ms`. */
const delay = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts a server with the small timeouts; `clientErrors` collects the
 * 'clientError' events (seen through `emit`, so that with no listener the
 * server still answers by itself). `listener`: none, 'answer' (ends the
 * socket with its own 408) or 'ignore' (does nothing).
 */
async function startTimed(http, clientErrors, { listener }) {
  const server = http.createServer({
    headersTimeout: HEADERS_TIMEOUT,
    requestTimeout: REQUEST_TIMEOUT,
    connectionsCheckingInterval: CHECK_INTERVAL,
  }, (req, res) => {
    req.resume();
    req.on('end', () => res.end('ok'));
  });
  const emit = server.emit;
  server.emit = function(name, ...args) {
    if (name === 'clientError') clientErrors.push([args[0].code, args[0].message]);
    return emit.call(this, name, ...args);
  };
  if (listener === 'answer') {
    server.on('clientError', (err, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 408 Custom\r\nConnection: close\r\n\r\n');
      else socket.destroy();
    });
  } else if (listener === 'ignore') {
    server.on('clientError', () => {});
  }
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

/**
 * Sends `prefix` at once, then `trickle` one byte every BYTE_EVERY ms until
 * the server closes; resolves to what came back and when the server closed.
 */
async function trickle(port, prefix, slow, idleFirst, onClose) {
  const c = await connect(port);
  c.on('error', () => {});
  if (onClose) c.on('close', onClose);
  c.setEncoding('latin1');
  let got = '';
  c.on('data', (d) => { got += d; });
  const t0 = Date.now();
  let closedAt = 0;
  const closed = once(c, 'close').then(() => { closedAt = Date.now() - t0; });
  if (idleFirst) await delay(idleFirst);
  if (prefix) c.write(prefix);
  let sent = 0;
  while (closedAt === 0 && sent < slow.length) {
    if (c.writable) c.write(slow[sent++]);
    await delay(BYTE_EVERY);
  }
  // The whole slow input takes far longer than the timeout: the server must
  // have closed by now, or within the bound below.
  const hung = setTimeout(() => c.destroy(), 5000);
  await closed;
  clearTimeout(hung);
  return { wire: normalizeDate(got), ms: closedAt, sent };
}

/**
 * Resolves once every socket the server accepted has closed (or after 2 s).
 * The client's 'close' comes before the server reads the client's FIN (one
 * loop turn later): stopping the server in between destroys its socket
 * unread, and a 'clientError' from that end (HPE_INVALID_EOF_STATE) is then
 * never emitted. The two implementations run side by side with their own
 * timers, so without this wait either one could stop in that window alone.
 */
async function serverSocketsClosed(sockets) {
  let timer;
  await Promise.race([
    Promise.all(sockets.filter((s) => !s.destroyed).map((s) => once(s, 'close'))),
    new Promise((resolve) => { timer = setTimeout(resolve, 2000); }),
  ]);
  clearTimeout(timer);
}

/** Runs the slow-client scenario against one implementation. */
async function slowCase(http, { prefix, slow, listener, idleFirst = 0, stopAtClose = false }) {
  const clientErrors = [];
  const server = await startTimed(http, clientErrors, { listener });
  const sockets = [];
  server.on('connection', (socket) => sockets.push(socket));
  try {
    const { port } = server.address();
    // `stopAtClose`: the server's connections are destroyed as the client's
    // 'close' is emitted, before the server reads the client's FIN.
    const pending = trickle(port, prefix, slow, idleFirst, stopAtClose && (() => server.closeAllConnections()));
    // Meanwhile another client is served normally.
    await delay(300);
    const c = await connect(port);
    c.setEncoding('latin1');
    let other = '';
    c.on('data', (d) => { other += d; });
    c.end('GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    await once(c, 'close');
    const r = await pending;
    await serverSocketsClosed(sockets);
    return { ...r, other: normalizeDate(other), clientErrors };
  } finally {
    await stop(server);
  }
}

/** Runs `opts` against both implementations in parallel and compares. */
async function compare(opts, timeout) {
  const [node, ours] = await Promise.all(IMPLS.map(([, http]) => slowCase(http, opts)));
  if (process.env.FAULTS_DEBUG) console.log(JSON.stringify({ node, ours }));
  assert.strictEqual(ours.wire, node.wire);
  assert.deepStrictEqual(ours.clientErrors, node.clientErrors);
  assert.strictEqual(ours.other, node.other);
  assert.match(node.other, /^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\nok$/);
  // Both close once the timeout has passed, within a check interval or so.
  for (const r of [node, ours]) {
    assert.ok(r.ms >= timeout - 20, `closed after ${r.ms} ms, before the ${timeout} ms timeout`);
    assert.ok(r.ms < timeout + 1000, `closed after ${r.ms} ms, long past the ${timeout} ms timeout`);
    assert.ok(r.sent < opts.slow.length, 'the slow input ended before the timeout');
  }
  return { node, ours };
}

const SLOW_HEAD = 'GET /slow HTTP/1.1\r\nHost: a\r\nX-Slowloris: ' + 'z'.repeat(60) + '\r\n\r\n';

test('slowloris head, one byte per 50 ms: 408 Request Timeout and close, as node:http', T, async () => {
  const { node } = await compare({ prefix: '', slow: SLOW_HEAD }, HEADERS_TIMEOUT);
  assert.strictEqual(node.wire, 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n');
  assert.deepStrictEqual(node.clientErrors, [['ERR_HTTP_REQUEST_TIMEOUT', 'Request timeout']]);
});

test('slowloris head after 600 ms of silence: the clock starts at the first byte, as in node:http', T, async () => {
  // The connection's clock runs from its opening, but Node restarts it when
  // the first request begins: the 408 comes 1000 ms after the first byte.
  const { node } = await compare({ prefix: '', slow: SLOW_HEAD, idleFirst: 600 }, 600 + HEADERS_TIMEOUT);
  assert.strictEqual(node.wire, 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n');
});

test("slowloris head with a 'clientError' listener: the listener answers, as node:http", T, async () => {
  const { node } = await compare({ prefix: '', slow: SLOW_HEAD, listener: 'answer' }, HEADERS_TIMEOUT);
  assert.strictEqual(node.wire, 'HTTP/1.1 408 Custom\r\nConnection: close\r\n\r\n');
  // The listener half-closes; the client's FIN then ends the head
  // mid-message: parser.finish() fails, and socketOnEnd hands that to
  // socketOnError, which emits 'clientError' again (its "ignore further
  // errors" only removes the socket's 'error' listener).
  assert.deepStrictEqual(node.clientErrors, [['ERR_HTTP_REQUEST_TIMEOUT', 'Request timeout'], ['HPE_INVALID_EOF_STATE', 'Parse Error']]);
});

test("slowloris head with a 'clientError' listener, the server stopped at the client's close: no 'clientError' from the unread end, as node:http", T, async () => {
  // Node reads nothing more from a socket once it is destroyed: the FIN the
  // client sent before its 'close' is never read, so no second error.
  const { node } = await compare({ prefix: '', slow: SLOW_HEAD, listener: 'answer', stopAtClose: true }, HEADERS_TIMEOUT);
  assert.deepStrictEqual(node.clientErrors, [['ERR_HTTP_REQUEST_TIMEOUT', 'Request timeout']]);
});

test("slowloris head with a 'clientError' listener that does nothing: parsing goes on, as node:http", T, async () => {
  // The head takes 2.4 s, well past the timeout, which fires once; then the
  // request completes and is answered.
  const slow = 'GET /slow HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n';
  const [node, ours] = await Promise.all(IMPLS.map(([, http]) => slowCase(http, { prefix: '', slow, listener: 'ignore' })));
  if (process.env.FAULTS_DEBUG) console.log(JSON.stringify({ node, ours }));
  assert.match(node.wire, /^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\nok$/);
  assert.deepStrictEqual(node.clientErrors, [['ERR_HTTP_REQUEST_TIMEOUT', 'Request timeout']]);
  assert.strictEqual(ours.wire, node.wire);
  assert.deepStrictEqual(ours.clientErrors, node.clientErrors);
  for (const r of [node, ours]) assert.strictEqual(r.sent, slow.length);
});

test('slow body, one byte per 50 ms: requestTimeout answers 408 and closes, as node:http', T, async () => {
  const { node } = await compare({
    prefix: 'POST /slow HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n',
    slow: 'b'.repeat(100),
  }, REQUEST_TIMEOUT);
  assert.strictEqual(node.wire, 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n');
});
