'use strict';
// The HTTP client (`request`, `get`, `ClientRequest`, `Agent`, `globalAgent`)
// from the outside: raw `net` servers record the exact request bytes and send
// exact response bytes; node:http servers where a real peer is easier. Every
// expectation is Node 20's observable behaviour (event order, error codes and
// messages, bytes on the wire); `RSHTTP_CLIENT=node node --test
// __test__/client.test.js` checks them against Node's own client.

const { test } = require('node:test');
const assert = require('node:assert');
const net = require('node:net');
const nodeHttp = require('node:http');
const crypto = require('node:crypto');
const dns = require('node:dns');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Duplex, Readable } = require('node:stream');
const http = require('../index.js');
const { rawServer, once, body, delay, freePort } = require('./_client_util');

const T = { timeout: 5000 };
const OK = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';

/**
 * A raw server answering every complete request on a connection with
 * `respond(requestText, conn)` (a string, or undefined to stop answering on
 * that connection); closed after the test.
 */
async function serve(t, respond = () => OK, opts) {
  const srv = await rawServer(async (c) => {
    for (;;) {
      let r;
      try {
        r = await c.readRequest();
      } catch {
        return;
      }
      const out = await respond(r, c);
      if (out === undefined) return;
      await c.write(out);
    }
  }, opts);
  t.after(() => srv.close());
  return srv;
}

/** A node:http server, closed (with its connections) after the test. */
function nodeServer(t, handler) {
  const server = nodeHttp.createServer(handler);
  t.after(() => new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/**
 * `http.request(...args)`, ended with `end(req)` (default `req.end()`);
 * resolves to `{ req, res, body }` (body a latin1 string), rejects on 'error'.
 */
function fetch(args, end = (req) => req.end()) {
  return new Promise((resolve, reject) => {
    const req = http.request(...args, (res) => {
      body(res).then((b) => resolve({ req, res, body: b.toString('latin1') }), reject);
    });
    req.on('error', reject);
    end(req);
  });
}

/**
 * Records a request's events (and, once it has one, its response's) in
 * order ('upgrade'/'connect' only with { upgrade: true }). Consecutive 'res.data' are merged (chunk boundaries are not part of
 * the contract); errors are logged as [event, code, message].
 */
function track(req, { upgrade = false } = {}) {
  const log = [];
  const push = (e) => log.push(e);
  closed(req);
  for (const ev of ['socket', 'finish', 'continue', 'abort', 'timeout', 'close']) {
    req.on(ev, () => push(ev));
  }
  // A listener changes what happens to the socket, so only when asked.
  if (upgrade) for (const ev of ['upgrade', 'connect']) req.on(ev, () => push(ev));
  req.on('information', (info) => push(['information', info.statusCode]));
  req.on('error', (err) => push(['error', err.code, err.message]));
  req.on('response', (res) => {
    closed(res);
    push('response');
    res.on('data', (d) => {
      const last = log[log.length - 1];
      if (Array.isArray(last) && last[0] === 'res.data') last[1] += d.toString('latin1');
      else push(['res.data', d.toString('latin1')]);
    });
    for (const ev of ['end', 'aborted', 'close']) res.on(ev, () => push(`res.${ev}`));
    res.on('error', (err) => push(['res.error', err.code, err.message]));
  });
  return log;
}

const CLOSED = Symbol('closed');
/**
 * Resolves when `emitter` emits 'close'. The listener is attached on the
 * first call (track() calls it at once), so later calls still see a 'close'
 * emitted in the same tick as an 'error' awaited before.
 */
function closed(emitter) {
  if (!emitter[CLOSED]) emitter[CLOSED] = new Promise((resolve) => emitter.once('close', resolve));
  return emitter[CLOSED];
}

const sha256 = (buf) => crypto.createHash('sha256').update(buf).digest('hex');

// ---------------------------------------------------------------------------
// Request bytes on the wire

test('GET through globalAgent: Node 20\'s default head, Connection: keep-alive', T, async (t) => {
  const srv = await serve(t);
  const { req, res, body: b } = await fetch([{ host: '127.0.0.1', port: srv.port }]);
  assert.strictEqual(srv.conns[0].received,
    `GET / HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\nConnection: keep-alive\r\n\r\n`);
  assert.strictEqual(b, 'ok');
  assert.strictEqual(res.statusCode, 200);
  assert.strictEqual(req.method, 'GET');
  assert.strictEqual(req.path, '/');
  assert.strictEqual(req.host, '127.0.0.1');
  assert.strictEqual(req.protocol, 'http:');
  assert.strictEqual(req.agent, http.globalAgent);
  assert.ok(req instanceof http.ClientRequest);
  assert.ok(res instanceof Readable);
  assert.strictEqual(http.globalAgent.keepAlive, true);
});

test('http.get(url, cb) ends the request itself; new ClientRequest(url, cb) works', T, async (t) => {
  const srv = await serve(t);
  const got = await new Promise((resolve, reject) => {
    const req = http.get(`http://127.0.0.1:${srv.port}/g?x=1`, (res) => body(res).then((b) => resolve([req, String(b)])));
    assert.strictEqual(req.writableEnded, true);
    req.on('error', reject);
  });
  assert.strictEqual(got[1], 'ok');
  const viaCtor = await new Promise((resolve, reject) => {
    const req = new http.ClientRequest(`http://127.0.0.1:${srv.port}/ctor`, (res) => body(res).then((b) => resolve(String(b))));
    req.on('error', reject);
    req.end();
  });
  assert.strictEqual(viaCtor, 'ok');
  const all = srv.conns.map((c) => c.received).join('');
  assert.match(all, /^GET \/g\?x=1 HTTP\/1\.1\r\nHost: 127\.0\.0\.1:\d+\r\nConnection: keep-alive\r\n\r\n/);
  assert.match(all, /GET \/ctor HTTP\/1\.1\r\nHost: 127\.0\.0\.1:\d+\r\nConnection: keep-alive\r\n\r\n$/);
});

test('POST with end(data) sends Content-Length and the body', T, async (t) => {
  const srv = await serve(t);
  await fetch([{ host: '127.0.0.1', port: srv.port, method: 'POST', path: '/p' }], (req) => req.end('hello'));
  assert.strictEqual(srv.conns[0].received,
    `POST /p HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\nConnection: keep-alive\r\nContent-Length: 5\r\n\r\nhello`);
});

test('POST and PUT with end() and no body send Content-Length: 0', T, async (t) => {
  const srv = await serve(t);
  await fetch([{ host: '127.0.0.1', port: srv.port, method: 'POST', agent: false }]);
  await fetch([{ host: '127.0.0.1', port: srv.port, method: 'PUT', agent: false }]);
  assert.deepStrictEqual(srv.conns.map((c) => c.received), [
    `POST / HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
    `PUT / HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
  ]);
});

test('write() + write() + end() frames the body as chunked, one chunk per non-empty write', T, async (t) => {
  const srv = await serve(t);
  await fetch([{ host: '127.0.0.1', port: srv.port, method: 'POST' }], (req) => {
    req.write('hello');
    req.write('');
    req.write(Buffer.from(' world!'));
    req.end('end');
  });
  assert.strictEqual(srv.conns[0].received,
    `POST / HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n` +
    '5\r\nhello\r\n7\r\n world!\r\n3\r\nend\r\n0\r\n\r\n');
});

test('addTrailers() writes trailers after the last chunk', T, async (t) => {
  const srv = await serve(t);
  await fetch([{ host: '127.0.0.1', port: srv.port, method: 'POST', agent: false }], (req) => {
    req.write('abc');
    req.addTrailers({ 'X-T': 'v' });
    req.end();
  });
  assert.strictEqual(srv.conns[0].received,
    `POST / HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n` +
    '3\r\nabc\r\n0\r\nX-T: v\r\n\r\n');
});

test('a body on GET or DELETE goes out unframed (no Content-Length, no chunking)', T, async (t) => {
  const srv = await serve(t, (r, c) => c.until(() => c.received.endsWith('abc') || undefined)
    .then(() => 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok'));
  const a = await fetch([{ host: '127.0.0.1', port: srv.port, agent: false }], (req) => req.end('abc'));
  const b = await fetch([{ host: '127.0.0.1', port: srv.port, method: 'DELETE', agent: false }], (req) => {
    req.write('a');
    req.end('abc');
  });
  assert.strictEqual(a.body, 'ok');
  assert.strictEqual(b.body, 'ok');
  assert.deepStrictEqual(srv.conns.map((c) => c.received), [
    `GET / HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\nConnection: close\r\n\r\nabc`,
    `DELETE / HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\nConnection: close\r\n\r\naabc`,
  ]);
});

test('object headers keep case and order before Host/Connection; a user Host or Connection wins', T, async (t) => {
  const srv = await serve(t, () => 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok');
  await fetch([{ host: '127.0.0.1', port: srv.port, headers: { 'X-Custom': 'a', 'x-multi': ['1', '2'], 'content-length': 3 }, method: 'POST' }],
    (req) => req.end('abc'));
  await fetch([{ host: '127.0.0.1', port: srv.port, headers: { Host: 'custom', 'X-A': 'b' } }]);
  await fetch([{ host: '127.0.0.1', port: srv.port, headers: { Connection: 'close' } }]);
  assert.deepStrictEqual(srv.conns.map((c) => c.received), [
    `POST / HTTP/1.1\r\nX-Custom: a\r\nx-multi: 1\r\nx-multi: 2\r\ncontent-length: 3\r\nHost: 127.0.0.1:${srv.port}\r\nConnection: keep-alive\r\n\r\nabc`,
    'GET / HTTP/1.1\r\nHost: custom\r\nX-A: b\r\nConnection: keep-alive\r\n\r\n',
    `GET / HTTP/1.1\r\nConnection: close\r\nHost: 127.0.0.1:${srv.port}\r\n\r\n`,
  ]);
});

test('setHost: false sends no Host; headers as a raw array are sent verbatim and get no Host either', T, async (t) => {
  const srv = await serve(t);
  await fetch([{ host: '127.0.0.1', port: srv.port, setHost: false }]);
  await fetch([{ host: '127.0.0.1', port: srv.port, headers: ['X-A', '1', 'x-b', '2', 'X-A', '3'] }]);
  assert.strictEqual(srv.conns[0].received,
    'GET / HTTP/1.1\r\nConnection: keep-alive\r\n\r\n' +
    'GET / HTTP/1.1\r\nX-A: 1\r\nx-b: 2\r\nX-A: 3\r\nConnection: keep-alive\r\n\r\n');
});

test('auth option and URL credentials become Authorization: Basic', T, async (t) => {
  const srv = await serve(t);
  await fetch([{ host: '127.0.0.1', port: srv.port, auth: 'user:pa ss' }]);
  await fetch([new URL(`http://u%40x:p@127.0.0.1:${srv.port}/p?q=1#frag`)]);
  assert.strictEqual(srv.conns[0].received,
    `GET / HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\nAuthorization: Basic ${Buffer.from('user:pa ss').toString('base64')}\r\nConnection: keep-alive\r\n\r\n` +
    `GET /p?q=1 HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\nAuthorization: Basic ${Buffer.from('u@x:p').toString('base64')}\r\nConnection: keep-alive\r\n\r\n`);
});

test('a lowercase method is upper-cased; a method that is not a token throws', T, async (t) => {
  const srv = await serve(t);
  const { req } = await fetch([{ host: '127.0.0.1', port: srv.port, method: 'patch' }], (r) => r.end('x'));
  assert.strictEqual(req.method, 'PATCH');
  assert.strictEqual(srv.conns[0].received,
    `PATCH / HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nx`);
  assert.throws(() => http.request({ host: '127.0.0.1', port: srv.port, method: 'g et' }), {
    name: 'TypeError', code: 'ERR_INVALID_HTTP_TOKEN', message: 'Method must be a valid HTTP token ["g et"]',
  });
});

test('invalid arguments throw synchronously with Node\'s codes and messages', T, async (t) => {
  const port = await freePort();
  const cases = [
    [{ port, path: '/a b' }, 'ERR_UNESCAPED_CHARACTERS', 'Request path contains unescaped characters'],
    [{ port, headers: { 'bad name': '1' } }, 'ERR_INVALID_HTTP_TOKEN', 'Header name must be a valid HTTP token ["bad name"]'],
    [{ port, headers: { 'x-bad': 'a\nb' } }, 'ERR_INVALID_CHAR', 'Invalid character in header content ["x-bad"]'],
    [{ port, protocol: 'https:' }, 'ERR_INVALID_PROTOCOL', 'Protocol "https:" not supported. Expected "http:"'],
    ['https://127.0.0.1/', 'ERR_INVALID_PROTOCOL', 'Protocol "https:" not supported. Expected "http:"'],
    ['http://[bad', 'ERR_INVALID_URL', 'Invalid URL'],
  ];
  for (const [arg, code, message] of cases) {
    assert.throws(() => http.request(arg), { name: 'TypeError', code, message }, JSON.stringify(arg));
  }
});

test('url string plus options: the options override and extend the URL', T, async (t) => {
  const srv = await serve(t);
  const { res } = await fetch([`http://127.0.0.1:${srv.port}/s?a=1`, { method: 'PUT', headers: { 'x-y': 'z' } }],
    (req) => req.end('q'));
  assert.strictEqual(res.statusCode, 200);
  assert.strictEqual(srv.conns[0].received,
    `PUT /s?a=1 HTTP/1.1\r\nx-y: z\r\nHost: 127.0.0.1:${srv.port}\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nq`);
});

test('Host omits the port when it equals defaultPort', T, async (t) => {
  const srv = await serve(t);
  await fetch([{ host: '127.0.0.1', port: srv.port, defaultPort: srv.port }]);
  assert.strictEqual(srv.conns[0].received, 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n');
});

test('hostname localhost (and no host at all) connect and send Host: localhost:PORT', T, async (t) => {
  const srv = await serve(t);
  await fetch([{ hostname: 'localhost', port: srv.port, agent: false }]);
  await fetch([{ port: srv.port, agent: false }]);
  await fetch([{ host: 'localhost', port: srv.port, family: 4, agent: false }]);
  assert.deepStrictEqual(srv.conns.map((c) => c.received), [0, 1, 2].map(() =>
    `GET / HTTP/1.1\r\nHost: localhost:${srv.port}\r\nConnection: close\r\n\r\n`));
});

test('family: 4 resolves localhost to IPv4', T, async (t) => {
  const srv = await serve(t);
  const { req } = await fetch([{ host: 'localhost', port: srv.port, family: 4 }]);
  assert.strictEqual(req.socket.remoteAddress, '127.0.0.1');
  assert.strictEqual(req.socket.remoteFamily, 'IPv4');
  assert.strictEqual(srv.conns[0].socket.remoteAddress, '127.0.0.1');
});

test('the lookup option is called with the hostname and net\'s dns options', T, async (t) => {
  const srv = await serve(t);
  const calls = [];
  const lookup = (hostname, options, cb) => {
    calls.push([hostname, { family: options.family, hints: options.hints, all: options.all }]);
    if (options.all) cb(null, [{ address: '127.0.0.1', family: 4 }]);
    else cb(null, '127.0.0.1', 4);
  };
  const a = await fetch([{ host: 'example.invalid', port: srv.port, lookup, agent: false }]);
  const b = await fetch([{ host: 'example.invalid', port: srv.port, lookup, family: 4, agent: false }]);
  assert.strictEqual(a.body, 'ok');
  assert.strictEqual(b.body, 'ok');
  assert.deepStrictEqual(calls, [
    ['example.invalid', { family: undefined, hints: dns.ADDRCONFIG, all: true }],
    ['example.invalid', { family: 4, hints: 0, all: undefined }],
  ]);
  assert.strictEqual(srv.conns[0].received,
    `GET / HTTP/1.1\r\nHost: example.invalid:${srv.port}\r\nConnection: close\r\n\r\n`);
});

test('localAddress binds the client socket', T, async (t) => {
  const srv = await serve(t, (r, c) => `HTTP/1.1 200 OK\r\nContent-Length: ${c.socket.remoteAddress.length}\r\n\r\n${c.socket.remoteAddress}`);
  // Read while connected: as net's, a destroyed socket has no local address.
  let local;
  const { req, body: b } = await fetch([{ host: '127.0.0.1', port: srv.port, localAddress: '127.0.0.2', agent: false }],
    (r) => r.on('response', (res) => { local = res.socket.localAddress; }).end());
  assert.strictEqual(b, '127.0.0.2');
  assert.strictEqual(local, '127.0.0.2');
  if (req.socket.destroyed) assert.strictEqual(req.socket.localAddress, undefined);
});

test('socketPath talks HTTP over a unix socket (Host: localhost) and keeps it alive', T, async (t) => {
  const sock = path.join(os.tmpdir(), `rshttp-client-${process.pid}.sock`);
  try { fs.unlinkSync(sock); } catch {}
  const srv = await serve(t, () => OK, { path: sock });
  const a = await fetch([{ socketPath: sock, path: '/u' }]);
  const b = await fetch([{ socketPath: sock, path: '/u2' }]);
  assert.strictEqual(a.body, 'ok');
  assert.strictEqual(b.req.reusedSocket, true);
  assert.strictEqual(srv.conns.length, 1);
  assert.strictEqual(srv.conns[0].received,
    'GET /u HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n' +
    'GET /u2 HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n');
});

// ---------------------------------------------------------------------------
// Responses

test('response head: status, reason, version, joined headers, rawHeaders; event order', T, async (t) => {
  const srv = await serve(t, () =>
    'HTTP/1.1 201 Created Here\r\nX-A: 1\r\nx-a: 2\r\nSet-Cookie: a\r\nSet-Cookie: b\r\nContent-Length: 3\r\n\r\nabc');
  const req = http.request({ host: '127.0.0.1', port: srv.port, agent: false });
  const log = track(req);
  req.end();
  const [res] = await once(req, 'response');
  assert.strictEqual(res.statusCode, 201);
  assert.strictEqual(res.statusMessage, 'Created Here');
  assert.strictEqual(res.httpVersion, '1.1');
  assert.strictEqual(res.httpVersionMajor, 1);
  assert.strictEqual(res.httpVersionMinor, 1);
  assert.deepStrictEqual(res.headers, { 'x-a': '1, 2', 'set-cookie': ['a', 'b'], 'content-length': '3' });
  assert.deepStrictEqual(res.rawHeaders, ['X-A', '1', 'x-a', '2', 'Set-Cookie', 'a', 'Set-Cookie', 'b', 'Content-Length', '3']);
  assert.strictEqual(res.socket, req.socket);
  await closed(req);
  assert.strictEqual(res.complete, true);
  assert.deepStrictEqual(log, ['socket', 'finish', 'response', ['res.data', 'abc'], 'res.end', 'res.close', 'close']);
});

test('a chunked body is reassembled and trailers land on res.trailers / rawTrailers', T, async (t) => {
  const srv = await serve(t, () => 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-T\r\n\r\n' +
    '3\r\nabc\r\n4;ext=1\r\ndefg\r\n0\r\nX-T: 1\r\nx-u: 2\r\n\r\n');
  const { res, body: b } = await fetch([{ host: '127.0.0.1', port: srv.port }]);
  assert.strictEqual(b, 'abcdefg');
  assert.deepStrictEqual(res.headers, { 'transfer-encoding': 'chunked', trailer: 'X-T' });
  assert.deepStrictEqual(res.trailers, { 'x-t': '1', 'x-u': '2' });
  assert.deepStrictEqual(res.rawTrailers, ['X-T', '1', 'x-u', '2']);
  assert.strictEqual(res.complete, true);
});

test('HEAD, 204 and 304 responses have no body despite Content-Length; the socket stays usable', T, async (t) => {
  const srv = await serve(t, (r) => {
    if (r.startsWith('HEAD')) return 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n';
    if (r.startsWith('GET /204')) return 'HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n';
    if (r.startsWith('GET /304')) return 'HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n';
    return OK;
  });
  const agent = new http.Agent({ keepAlive: true });
  t.after(() => agent.destroy());
  const opts = { host: '127.0.0.1', port: srv.port, agent };
  const head = await fetch([{ ...opts, method: 'HEAD' }]);
  const after1 = await fetch([opts]);
  const s204 = await fetch([{ ...opts, path: '/204' }]);
  const s304 = await fetch([{ ...opts, path: '/304' }]);
  const after2 = await fetch([opts]);
  assert.deepStrictEqual([head, s204, s304].map((x) => [x.res.statusCode, x.res.headers['content-length'], x.body, x.res.complete]),
    [[200, '10', '', true], [204, '10', '', true], [304, '10', '', true]]);
  assert.deepStrictEqual([after1.body, after2.body], ['ok', 'ok']);
  assert.strictEqual(after2.req.reusedSocket, true);
  assert.strictEqual(srv.conns.length, 1);
});

test('1xx responses (103 Early Hints, 102) emit \'information\' before \'response\'', T, async (t) => {
  const srv = await serve(t, () => 'HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n' +
    'HTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
  const req = http.request({ host: '127.0.0.1', port: srv.port, agent: false });
  const infos = [];
  req.on('information', (info) => infos.push(info));
  const log = track(req);
  req.end();
  await closed(req);
  assert.deepStrictEqual(infos, [
    {
      statusCode: 103, statusMessage: 'Early Hints', httpVersion: '1.1', httpVersionMajor: 1, httpVersionMinor: 1,
      headers: { link: '</a.css>; rel=preload' }, rawHeaders: ['Link', '</a.css>; rel=preload'],
    },
    {
      statusCode: 102, statusMessage: 'Processing', httpVersion: '1.1', httpVersionMajor: 1, httpVersionMinor: 1,
      headers: {}, rawHeaders: [],
    },
  ]);
  assert.deepStrictEqual(log, ['socket', 'finish', ['information', 103], ['information', 102], 'response',
    ['res.data', 'ok'], 'res.end', 'res.close', 'close']);
});

test('Expect: 100-continue: the body waits for \'continue\' (also an \'information\' 100)', T, async (t) => {
  let pendingBefore100;
  const srv = await rawServer(async (c) => {
    await c.readHead();
    await delay(50);
    pendingBefore100 = c.pending;
    await c.write('HTTP/1.1 100 Continue\r\n\r\n');
    await c.until(() => c.pending.length >= 3 || undefined);
    await c.write('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
  });
  t.after(() => srv.close());
  const req = http.request({ host: '127.0.0.1', port: srv.port, method: 'PUT', agent: false,
    headers: { Expect: '100-continue', 'Content-Length': 3 } });
  const log = track(req);
  req.on('continue', () => req.end('abc'));
  req.on('response', (res) => res.resume());
  await closed(req);
  assert.strictEqual(pendingBefore100, '');
  assert.strictEqual(srv.conns[0].received,
    `PUT / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\nHost: 127.0.0.1:${srv.port}\r\nConnection: close\r\n\r\nabc`);
  assert.deepStrictEqual(log, ['socket', 'continue', ['information', 100], 'finish', 'response', 'res.end', 'res.close', 'close']);
});

test('a body with no length is read until the server closes (HTTP/1.1 and HTTP/1.0)', T, async (t) => {
  const srv = await serve(t, (r, c) => {
    c.end(r.startsWith('GET /10') ? 'HTTP/1.0 200 OK\r\n\r\nold' : 'HTTP/1.1 200 OK\r\n\r\nabc');
    return undefined;
  });
  const a = await fetch([{ host: '127.0.0.1', port: srv.port }]);
  const b = await fetch([{ host: '127.0.0.1', port: srv.port, path: '/10' }]);
  assert.deepStrictEqual([a.body, a.res.httpVersion, a.res.complete, a.res.headers], ['abc', '1.1', true, {}]);
  assert.deepStrictEqual([b.body, b.res.httpVersion, b.res.complete, b.res.headers], ['old', '1.0', true, {}]);
});

test('a paused response stops the client reading: the server cannot finish writing until resume', T, async (t) => {
  const SIZE = 32 * 1024 * 1024;
  let serverDone = false;
  const srv = await rawServer(async (c) => {
    await c.readRequest();
    c.socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${SIZE}\r\n\r\n`);
    c.socket.write(Buffer.alloc(SIZE, 'x'), () => { serverDone = true; });
  });
  t.after(() => srv.close());
  const req = http.get({ host: '127.0.0.1', port: srv.port, agent: false });
  const [res] = await once(req, 'response');
  res.pause();
  await delay(200);
  assert.strictEqual(serverDone, false, 'the server wrote everything while the response was paused');
  assert.ok(res.readableLength < 1024 * 1024, `buffered ${res.readableLength} bytes while paused`);
  let n = 0;
  res.on('data', (d) => { n += d.length; });
  res.resume();
  await once(res, 'end');
  assert.strictEqual(n, SIZE);
  assert.strictEqual(serverDone, true);
});

test('1 MiB bodies in both directions arrive intact (sha256)', T, async (t) => {
  const payload = crypto.randomBytes(1024 * 1024);
  const server = await nodeServer(t, (req, res) => {
    const h = crypto.createHash('sha256');
    let n = 0;
    req.on('data', (d) => { h.update(d); n += d.length; });
    req.on('end', () => {
      res.setHeader('X-Upload', `${n}:${h.digest('hex')}`);
      res.end(payload);
    });
  });
  const { res, body: b } = await fetch([{ host: '127.0.0.1', port: server.address().port, method: 'POST' }], (req) => {
    for (let i = 0; i < payload.length; i += 16384) req.write(payload.subarray(i, i + 16384));
    req.end();
  });
  assert.strictEqual(res.headers['x-upload'], `${payload.length}:${sha256(payload)}`);
  const got = Buffer.from(b, 'latin1');
  assert.strictEqual(got.length, payload.length);
  assert.strictEqual(sha256(got), sha256(payload));
});

// ---------------------------------------------------------------------------
// Errors

test('ECONNREFUSED: code, errno, syscall, address, port, message; no \'finish\' or \'response\'', T, async () => {
  const port = await freePort();
  const req = http.get({ host: '127.0.0.1', port });
  const log = track(req);
  const [err] = await once(req, 'error');
  await closed(req);
  assert.strictEqual(err.code, 'ECONNREFUSED');
  assert.strictEqual(err.errno, -os.constants.errno.ECONNREFUSED);
  assert.strictEqual(err.syscall, 'connect');
  assert.strictEqual(err.address, '127.0.0.1');
  assert.strictEqual(err.port, port);
  assert.strictEqual(err.message, `connect ECONNREFUSED 127.0.0.1:${port}`);
  assert.ok(err instanceof Error);
  assert.deepStrictEqual(log, ['socket', ['error', 'ECONNREFUSED', `connect ECONNREFUSED 127.0.0.1:${port}`], 'close']);
});

test('the server closing before a response: \'socket hang up\' ECONNRESET', T, async (t) => {
  const srv = await serve(t, (r, c) => {
    c.end();
    return undefined;
  });
  const req = http.get({ host: '127.0.0.1', port: srv.port });
  const log = track(req);
  const [err] = await once(req, 'error');
  await closed(req);
  assert.ok(err instanceof Error);
  assert.strictEqual(err.code, 'ECONNRESET');
  assert.strictEqual(err.message, 'socket hang up');
  assert.deepStrictEqual(log, ['socket', 'finish', ['error', 'ECONNRESET', 'socket hang up'], 'close']);
});

test('malformed response heads fail with llhttp\'s HPE_ codes, reason, bytesParsed and rawPacket', T, async (t) => {
  const cases = [
    ['HTTP/1.1 abc OK\r\n\r\n', 'HPE_INVALID_STATUS', 'Invalid status code', 9],
    ['garbage\r\n\r\n', 'HPE_INVALID_CONSTANT', 'Expected HTTP/, RTSP/ or ICE/', 0],
    ['HTTP/1.1 200 OK\r\nBad Header\r\n\r\n', 'HPE_INVALID_HEADER_TOKEN', 'Invalid header token', 20],
    ['HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n', 'HPE_INVALID_CONTENT_LENGTH', 'Invalid character in Content-Length', 33],
    ['HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd', 'HPE_UNEXPECTED_CONTENT_LENGTH', 'Duplicate Content-Length', 52],
    ['HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
      'HPE_INVALID_TRANSFER_ENCODING', 'Transfer-Encoding can\'t be present with Content-Length', 54],
  ];
  for (const [response, code, reason, bytesParsed] of cases) {
    const srv = await rawServer(async (c) => {
      await c.readRequest();
      await c.write(response);
    });
    t.after(() => srv.close());
    const req = http.get({ host: '127.0.0.1', port: srv.port, agent: false });
    const log = track(req);
    const [err] = await once(req, 'error');
    await closed(req);
    assert.strictEqual(err.code, code, response);
    assert.strictEqual(err.message, `Parse Error: ${reason}`);
    assert.strictEqual(err.reason, reason);
    assert.strictEqual(err.bytesParsed, bytesParsed, response);
    assert.deepStrictEqual(err.rawPacket, Buffer.from(response, 'latin1'));
    assert.deepStrictEqual(log, ['socket', 'finish', ['error', code, `Parse Error: ${reason}`], 'close']);
  }
});

test('an oversize response head fails with HPE_HEADER_OVERFLOW (default 16 KiB, or maxHeaderSize)', T, async (t) => {
  const srv = await serve(t, (r) => {
    const n = Number(/^GET \/(\d+)/.exec(r)[1]);
    return `HTTP/1.1 200 OK\r\nX: ${'a'.repeat(n)}\r\nContent-Length: 2\r\n\r\nok`;
  });
  const overflow = async (opts) => {
    const req = http.get({ host: '127.0.0.1', port: srv.port, agent: false, ...opts });
    const log = track(req);
    const [err] = await once(req, 'error');
    await closed(req);
    assert.strictEqual(err.code, 'HPE_HEADER_OVERFLOW');
    assert.strictEqual(err.message, 'Parse Error: Header overflow');
    assert.strictEqual(err.reason, 'Header overflow');
    assert.deepStrictEqual(log, ['socket', 'finish', ['error', 'HPE_HEADER_OVERFLOW', 'Parse Error: Header overflow'], 'close']);
  };
  await overflow({ path: '/20000' });
  await overflow({ path: '/2000', maxHeaderSize: 1024 });
  const fine = await fetch([{ host: '127.0.0.1', port: srv.port, agent: false, path: '/15000' }]);
  assert.strictEqual(fine.res.headers.x.length, 15000);
  assert.strictEqual(fine.body, 'ok');
});

test('a response truncated mid-body: res \'aborted\', req \'close\', res \'error\' ECONNRESET "aborted"; no \'end\'', T, async (t) => {
  for (const response of ['HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabcde',
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\n']) {
    const srv = await rawServer(async (c) => {
      await c.readRequest();
      await c.end(response);
    });
    t.after(() => srv.close());
    const req = http.get({ host: '127.0.0.1', port: srv.port });
    const log = track(req);
    const [res] = await once(req, 'response');
    const errors = [];
    res.on('error', (e) => errors.push(e));
    await closed(res);
    assert.strictEqual(errors.length, 1);
    assert.ok(errors[0] instanceof Error);
    assert.strictEqual(errors[0].code, 'ECONNRESET');
    assert.strictEqual(errors[0].message, 'aborted');
    assert.strictEqual(res.complete, false);
    assert.strictEqual(res.aborted, true);
    assert.deepStrictEqual(log, ['socket', 'finish', 'response', ['res.data', 'abcde'], 'res.aborted', 'close',
      ['res.error', 'ECONNRESET', 'aborted'], 'res.close']);
  }
});

test('a bad chunk size after the head: req \'error\' HPE_INVALID_CHUNK_SIZE, then the response aborts', T, async (t) => {
  const srv = await serve(t, () => 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n');
  const req = http.get({ host: '127.0.0.1', port: srv.port, agent: false });
  const log = track(req);
  const [err] = await once(req, 'error');
  await delay(20);
  assert.strictEqual(err.code, 'HPE_INVALID_CHUNK_SIZE');
  assert.strictEqual(err.message, 'Parse Error: Invalid character in chunk size');
  assert.deepStrictEqual(log, ['socket', 'finish', 'response',
    ['error', 'HPE_INVALID_CHUNK_SIZE', 'Parse Error: Invalid character in chunk size'],
    'res.aborted', 'close', ['res.error', 'ECONNRESET', 'aborted'], 'res.close']);
});

test('req.destroy() without an error still emits \'error\' "socket hang up" before \'close\'', T, async (t) => {
  const srv = await serve(t, () => new Promise(() => {}));
  // Synchronously, before any socket.
  const a = http.request({ host: '127.0.0.1', port: srv.port, agent: false });
  const logA = track(a);
  a.destroy();
  assert.strictEqual(a.destroyed, true);
  await closed(a);
  assert.deepStrictEqual(logA, [['error', 'ECONNRESET', 'socket hang up'], 'close']);
  // After the head reached the server.
  const b = http.request({ host: '127.0.0.1', port: srv.port, path: '/b', agent: false });
  const logB = track(b);
  b.end();
  const conn = await srv.connReceiving('GET /b ');
  b.destroy();
  await closed(b);
  await conn.closed;
  assert.deepStrictEqual(logB, ['socket', 'finish', ['error', 'ECONNRESET', 'socket hang up'], 'close']);
  // With an error: that error, as is.
  const c = http.request({ host: '127.0.0.1', port: srv.port, agent: false });
  const logC = track(c);
  c.end();
  await once(c, 'finish');
  const mine = new Error('mine');
  let seen;
  c.on('error', (e) => { seen = e; });
  c.destroy(mine);
  await closed(c);
  assert.strictEqual(seen, mine);
  assert.deepStrictEqual(logC, ['socket', 'finish', ['error', undefined, 'mine'], 'close']);
});

test('req.abort(): \'abort\' (after \'close\' when no socket yet); with a socket also "socket hang up"', T, async (t) => {
  const srv = await serve(t, () => new Promise(() => {}));
  const a = http.request({ host: '127.0.0.1', port: srv.port, agent: false });
  const logA = track(a);
  a.abort();
  assert.strictEqual(a.aborted, true);
  await once(a, 'abort');
  await delay(20);
  assert.deepStrictEqual(logA, ['close', 'abort']);

  const b = http.request({ host: '127.0.0.1', port: srv.port, path: '/b', agent: false });
  const logB = track(b);
  b.end();
  const conn = await srv.connReceiving('GET /b ');
  b.abort();
  assert.strictEqual(b.aborted, true);
  assert.strictEqual(b.destroyed, true);
  await closed(b);
  assert.deepStrictEqual(logB, ['socket', 'finish', 'abort', ['error', 'ECONNRESET', 'socket hang up'], 'close']);
  await conn.closed;
});

test('timeout option: \'timeout\' fires but does not destroy; destroy() then hangs up', T, async (t) => {
  const srv = await serve(t, () => new Promise(() => {}));
  const t0 = Date.now();
  const req = http.get({ host: '127.0.0.1', port: srv.port, agent: false, timeout: 50 });
  const log = track(req);
  await once(req, 'timeout');
  assert.ok(Date.now() - t0 >= 45, `timeout after ${Date.now() - t0} ms`);
  await delay(30);
  assert.strictEqual(req.destroyed, false);
  req.destroy();
  await closed(req);
  assert.deepStrictEqual(log, ['socket', 'finish', 'timeout', ['error', 'ECONNRESET', 'socket hang up'], 'close']);
});

test('req.setTimeout(ms, cb) returns the request and calls cb on \'timeout\'', T, async (t) => {
  const srv = await serve(t, () => new Promise(() => {}));
  const req = http.request({ host: '127.0.0.1', port: srv.port, agent: false });
  const log = track(req);
  let calls = 0;
  assert.strictEqual(req.setTimeout(50, () => {
    calls++;
    req.destroy(new Error('timed out'));
  }), req);
  const t0 = Date.now();
  req.end();
  await closed(req);
  assert.ok(Date.now() - t0 >= 45);
  assert.strictEqual(calls, 1);
  assert.deepStrictEqual(log, ['socket', 'finish', 'timeout', ['error', undefined, 'timed out'], 'close']);
});

test('signal: aborting an AbortController fails the request with AbortError (cause = reason)', T, async (t) => {
  const srv = await serve(t, () => new Promise(() => {}));
  // Already aborted.
  const ac1 = new AbortController();
  ac1.abort();
  const a = http.request({ host: '127.0.0.1', port: srv.port, agent: false, signal: ac1.signal });
  const logA = track(a);
  const [errA] = await once(a, 'error');
  await closed(a);
  assert.strictEqual(errA.name, 'AbortError');
  assert.strictEqual(errA.code, 'ABORT_ERR');
  assert.strictEqual(errA.message, 'The operation was aborted');
  assert.strictEqual(errA.cause, ac1.signal.reason);
  assert.deepStrictEqual(logA, [['error', 'ABORT_ERR', 'The operation was aborted'], 'close']);
  // Aborted once the request is on the wire, with a reason.
  const ac2 = new AbortController();
  const b = http.request({ host: '127.0.0.1', port: srv.port, path: '/b', agent: false, signal: ac2.signal });
  const logB = track(b);
  b.end();
  const conn = await srv.connReceiving('GET /b ');
  ac2.abort('why');
  const [errB] = await once(b, 'error');
  await closed(b);
  assert.strictEqual(errB.name, 'AbortError');
  assert.strictEqual(errB.cause, 'why');
  assert.deepStrictEqual(logB, ['socket', 'finish', ['error', 'ABORT_ERR', 'The operation was aborted'], 'close']);
  await conn.closed;
});

// ---------------------------------------------------------------------------
// Agents and keep-alive

test('keepAlive agent: the second request reuses the socket; \'free\'; agent.destroy() closes it', T, async (t) => {
  const srv = await serve(t);
  const agent = new http.Agent({ keepAlive: true });
  t.after(() => agent.destroy());
  const frees = [];
  agent.on('free', (socket, options) => frees.push([socket, options.host, options.port]));
  const opts = { host: '127.0.0.1', port: srv.port, agent };
  const freed = once(agent, 'free');
  const a = await fetch([opts]);
  await freed;
  assert.strictEqual(a.req.reusedSocket, false);
  assert.deepStrictEqual(Object.keys(agent.freeSockets), [`127.0.0.1:${srv.port}:`]);
  const b = await fetch([{ ...opts, path: '/2' }]);
  assert.strictEqual(b.req.reusedSocket, true);
  assert.strictEqual(b.req.socket, a.req.socket);
  assert.strictEqual(srv.conns.length, 1);
  assert.strictEqual(srv.conns[0].received,
    `GET / HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\nConnection: keep-alive\r\n\r\n` +
    `GET /2 HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\nConnection: keep-alive\r\n\r\n`);
  await delay(10);
  assert.strictEqual(frees.length, 2);
  assert.deepStrictEqual(frees[0], [a.req.socket, '127.0.0.1', srv.port]);
  agent.destroy();
  await srv.conns[0].closed;
  assert.strictEqual(srv.conns[0].ended, true);
});

test('maxSockets: 1 queues the second request until the first response is done', T, async (t) => {
  const order = [];
  const srv = await serve(t, async (r) => {
    const line = r.split('\r\n')[0];
    order.push(`req ${line}`);
    await delay(30);
    order.push(`res ${line}`);
    return OK;
  });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  t.after(() => agent.destroy());
  const p1 = fetch([{ host: '127.0.0.1', port: srv.port, agent, path: '/1' }]);
  const p2 = fetch([{ host: '127.0.0.1', port: srv.port, agent, path: '/2' }]);
  assert.deepStrictEqual(Object.values(agent.requests).map((q) => q.length), [1]);
  const [r1, r2] = await Promise.all([p1, p2]);
  assert.deepStrictEqual(order, ['req GET /1 HTTP/1.1', 'res GET /1 HTTP/1.1', 'req GET /2 HTTP/1.1', 'res GET /2 HTTP/1.1']);
  assert.strictEqual(srv.conns.length, 1);
  assert.strictEqual(r2.req.socket, r1.req.socket);
  // Node 20 sets reusedSocket only for sockets taken from the free pool, not
  // for a queued request handed the socket as it frees.
  assert.deepStrictEqual([r1.req.reusedSocket, r2.req.reusedSocket], [false, false]);
});

test('agent: false sends Connection: close and closes the socket after the response', T, async (t) => {
  const srv = await serve(t);
  const { req, body: b } = await fetch([{ host: '127.0.0.1', port: srv.port, agent: false }]);
  assert.strictEqual(b, 'ok');
  // A fresh default Agent (keepAlive off), not globalAgent.
  assert.ok(req.agent instanceof http.Agent);
  assert.notStrictEqual(req.agent, http.globalAgent);
  await srv.conns[0].closed;
  assert.strictEqual(srv.conns[0].ended, true);
  assert.strictEqual(srv.conns[0].received, `GET / HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\nConnection: close\r\n\r\n`);
});

test('createConnection option: its net.Socket carries the request (no agent: Connection: close)', T, async (t) => {
  const srv = await serve(t);
  const calls = [];
  const { req, body: b } = await fetch([{
    host: '127.0.0.1',
    port: srv.port,
    path: '/cc',
    createConnection(options, cb) {
      calls.push([options.host, options.port, typeof cb]);
      return net.connect(srv.port, '127.0.0.1');
    },
  }]);
  assert.strictEqual(b, 'ok');
  assert.deepStrictEqual(calls, [['127.0.0.1', srv.port, 'function']]);
  assert.ok(req.socket instanceof net.Socket);
  assert.strictEqual(srv.conns[0].received, `GET /cc HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\nConnection: close\r\n\r\n`);
});

test('an Agent subclass whose createConnection returns a plain Duplex over TCP (tunnel style)', T, async (t) => {
  const srv = await serve(t, (r) => `HTTP/1.1 200 OK\r\nContent-Length: ${r.split(' ')[1].length}\r\n\r\n${r.split(' ')[1]}`);
  const created = [];
  class TunnelAgent extends http.Agent {
    createConnection(options) {
      created.push([options.host, options.port]);
      const tcp = net.connect(options.port, options.host);
      const d = new Duplex({
        write(chunk, enc, cb) { tcp.write(chunk, cb); },
        final(cb) { tcp.end(); cb(); },
        read() { tcp.resume(); },
        destroy(err, cb) { tcp.destroy(); cb(err); },
      });
      tcp.on('data', (x) => { if (!d.push(x)) tcp.pause(); });
      tcp.on('end', () => d.push(null));
      tcp.on('error', (e) => d.destroy(e));
      return d;
    }
  }
  const agent = new TunnelAgent();
  t.after(() => agent.destroy());
  const a = await fetch([{ host: '127.0.0.1', port: srv.port, path: '/tunnel', agent }]);
  const b = await fetch([{ host: '127.0.0.1', port: srv.port, path: '/again', agent, method: 'POST' }], (req) => {
    req.write('x');
    req.end('yz');
  });
  assert.deepStrictEqual([a.body, b.body], ['/tunnel', '/again']);
  assert.ok(!(a.req.socket instanceof net.Socket));
  assert.deepStrictEqual(created, [['127.0.0.1', srv.port], ['127.0.0.1', srv.port]]);
  assert.deepStrictEqual(srv.conns.map((c) => c.received), [
    `GET /tunnel HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\nConnection: close\r\n\r\n`,
    `POST /again HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n2\r\nyz\r\n0\r\n\r\n`,
  ]);
});

// ---------------------------------------------------------------------------
// Upgrade and CONNECT

test('101 Switching Protocols: \'upgrade\' (res, socket, head) with the bytes after the head', T, async (t) => {
  const srv = await serve(t, async (r, c) => {
    await c.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\nEXTRA');
    const d = await c.until(() => c.pending || undefined);
    c.end(`echo:${d}`);
    return undefined;
  });
  const req = http.request({ host: '127.0.0.1', port: srv.port, path: '/up', headers: { Connection: 'Upgrade', Upgrade: 'echo' } });
  const log = track(req, { upgrade: true });
  req.end();
  const [res, socket, head] = await once(req, 'upgrade');
  assert.strictEqual(res.statusCode, 101);
  assert.strictEqual(res.statusMessage, 'Switching Protocols');
  assert.deepStrictEqual(res.headers, { upgrade: 'echo', connection: 'Upgrade' });
  assert.ok(Buffer.isBuffer(head));
  assert.strictEqual(head.toString(), 'EXTRA');
  socket.end('hi');
  assert.strictEqual(String(await body(socket)), 'echo:hi');
  assert.deepStrictEqual(log, ['socket', 'finish', 'upgrade', 'close']);
  assert.strictEqual(srv.conns[0].received,
    `GET /up HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: echo\r\nHost: 127.0.0.1:${srv.port}\r\n\r\nhi`);
});

test('101 with no \'upgrade\' listener: the socket is destroyed, only \'close\'', T, async (t) => {
  const srv = await serve(t, () => 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\nEXTRA');
  const req = http.request({ host: '127.0.0.1', port: srv.port, headers: { Connection: 'Upgrade', Upgrade: 'echo' } });
  const log = track(req);
  req.end();
  await closed(req);
  await srv.conns[0].closed;
  assert.deepStrictEqual(log, ['socket', 'finish', 'close']);
});

test('CONNECT: \'connect\' (res, socket, head) and a raw tunnel', T, async (t) => {
  const srv = await serve(t, async (r, c) => {
    await c.write('HTTP/1.1 200 Connection Established\r\nX-P: 1\r\n\r\nEXTRA');
    const d = await c.until(() => c.pending || undefined);
    c.end(`echo:${d}`);
    return undefined;
  });
  const req = http.request({ host: '127.0.0.1', port: srv.port, method: 'CONNECT', path: 'example.com:443' });
  const log = track(req, { upgrade: true });
  req.end();
  const [res, socket, head] = await once(req, 'connect');
  assert.strictEqual(res.statusCode, 200);
  assert.strictEqual(res.statusMessage, 'Connection Established');
  assert.deepStrictEqual(res.headers, { 'x-p': '1' });
  assert.strictEqual(head.toString(), 'EXTRA');
  socket.end('hi');
  assert.strictEqual(String(await body(socket)), 'echo:hi');
  assert.deepStrictEqual(log, ['socket', 'finish', 'connect', 'close']);
  assert.strictEqual(srv.conns[0].received,
    `CONNECT example.com:443 HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\nConnection: keep-alive\r\n\r\nhi`);
});

// ---------------------------------------------------------------------------
// Socket-level controls

test('flushHeaders() sends the head before end(); setNoDelay/setSocketKeepAlive do not throw', T, async (t) => {
  const srv = await serve(t);
  const req = http.request({ host: '127.0.0.1', port: srv.port, method: 'POST', path: '/flush', agent: false });
  assert.doesNotThrow(() => {
    req.setNoDelay(true);
    req.setSocketKeepAlive(true, 1000);
  });
  req.flushHeaders();
  assert.strictEqual(req.headersSent, true);
  const conn = await srv.nextConn();
  const head = `POST /flush HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n`;
  await conn.until(() => conn.received.length >= head.length || undefined);
  await delay(20);
  assert.strictEqual(conn.received, head);
  assert.doesNotThrow(() => {
    req.setNoDelay(false);
    req.setSocketKeepAlive(false);
  });
  const [res] = await new Promise((resolve) => {
    req.on('response', (...a) => resolve(a));
    req.end('xyz');
  });
  assert.strictEqual(String(await body(res)), 'ok');
  assert.strictEqual(conn.received, `${head}3\r\nxyz\r\n0\r\n\r\n`);
});
