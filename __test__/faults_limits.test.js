'use strict';
/**
 * Faults (issue 15): the server's limits, node:http and rshttp side by side,
 * the bytes on the wire compared (Date masked) and the requests the handler
 * sees compared.
 *
 * - `maxHeaderSize`: `createServer({ maxHeaderSize })` and the
 *   `--max-http-header-size` option answer `431` as Node does, at the same
 *   boundary (heads of every size around the limit), in one packet or
 *   several.
 * - `maxHeadersCount`: the fields past it are dropped from `rawHeaders` and
 *   `headers` as Node drops them, including in trailers (where Node keeps
 *   whole batches of 32 fields).
 * - `maxRequestsPerSocket`: the requests past it, pipelined or one after
 *   the other, are answered `503` with `Connection: close` and
 *   'dropRequest', the last allowed one with `Connection: close`.
 */

const { test } = require('node:test');
const assert = require('node:assert');
const net = require('node:net');
const path = require('node:path');
const { once } = require('node:events');
const { spawn } = require('node:child_process');
const { normalizeDate } = require('./_wire');
const { T, IMPLS, stop } = require('./_both');

/** Resolves after `ms`. */
const delay = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Sends each of `pieces` (a pause between them) on a new connection;
 * resolves to what came back until the server closed or `idleMs` passed
 * in silence, and whether the server closed.
 */
async function exchange(port, pieces, idleMs = 300) {
  const c = net.connect(port, '127.0.0.1');
  c.on('error', () => {});
  c.setEncoding('latin1');
  let got = '';
  let closed = false;
  let last = Date.now();
  c.on('data', (d) => { got += d; last = Date.now(); });
  c.on('close', () => { closed = true; });
  await once(c, 'connect');
  for (const [i, piece] of [].concat(pieces).entries()) {
    if (i > 0) await delay(30);
    if (c.writable) c.write(piece);
  }
  last = Date.now();
  const end = Date.now() + 5000;
  while (!closed && Date.now() - last < idleMs && Date.now() < end) await delay(10);
  c.destroy();
  return { wire: normalizeDate(got), closed };
}

/** A server whose handler describes the request in its body (JSON). */
async function startEcho(http, options = {}, props = {}) {
  const server = http.createServer(options, (req, res) => {
    req.resume();
    req.on('end', () => {
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({
        url: req.url, rawHeaders: req.rawHeaders, headers: req.headers, rawTrailers: req.rawTrailers,
        trailers: req.trailers,
      }));
    });
  });
  Object.assign(server, props);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

/** Runs `exchange` on node:http and rshttp servers made by `make(http)`; resolves to both results. */
async function onBoth(make, pieces, idleMs) {
  const out = {};
  for (const [name, http] of IMPLS) {
    const server = await make(http);
    try {
      out[name] = await exchange(server.address().port, pieces, idleMs);
    } finally {
      await stop(server);
    }
  }
  return out;
}

/** A GET head of exactly `size` bytes (with an X-Fill field padding it). */
function headOfSize(size, url = '/') {
  const base = `GET ${url} HTTP/1.1\r\nHost: a\r\nX-Fill: \r\n\r\n`;
  assert.ok(size >= base.length);
  return `GET ${url} HTTP/1.1\r\nHost: a\r\nX-Fill: ${'f'.repeat(size - base.length)}\r\n\r\n`;
}

test('maxHeaderSize option: 431 at the same head size as node:http, in one packet or several', T, async () => {
  const LIMIT = 1024;
  // Every head size around the limit, on one keep-alive-free connection each.
  const sizes = [];
  for (let s = LIMIT - 40; s <= LIMIT + 40; s += 2) sizes.push(s);
  const answers = {};
  for (const [name, http] of IMPLS) {
    const server = await startEcho(http, { maxHeaderSize: LIMIT });
    try {
      const port = server.address().port;
      answers[name] = await Promise.all(sizes.map((s) => exchange(port, headOfSize(s), 200)
        .then((r) => `${s}:${r.wire.slice(0, 12)}:${r.closed}`)));
      // Split in pieces: the limit counts across reads.
      const big = headOfSize(LIMIT + 200);
      answers[name].push(await exchange(port, [big.slice(0, 500), big.slice(500, 1000), big.slice(1000)]));
      answers[name].push(await exchange(port, headOfSize(LIMIT - 100)));
    } finally {
      await stop(server);
    }
  }
  if (process.env.FAULTS_DEBUG) console.log(JSON.stringify(answers));
  assert.deepStrictEqual(answers.rshttp, answers['node:http']);
  const node = answers['node:http'];
  assert.ok(node.some((a) => typeof a === 'string' && a.includes(':HTTP/1.1 431:true')));
  assert.ok(node.some((a) => typeof a === 'string' && a.includes(':HTTP/1.1 200:')));
  assert.deepStrictEqual(node.at(-2), {
    wire: 'HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\r\n', closed: true,
  });
});

test("maxHeaderSize: a 'clientError' listener gets HPE_HEADER_OVERFLOW as in node:http", T, async () => {
  const errors = {};
  const r = await onBoth(async (http) => {
    const server = await startEcho(http, { maxHeaderSize: 1024 });
    const list = errors[http === IMPLS[0][1] ? 'node:http' : 'rshttp'] = [];
    server.on('clientError', (err, socket) => {
      // bytesParsed and rawPacket are left out: rshttp's server gives them
      // relative to the unparsed input rather than to the chunk read, for
      // every parse error (a known difference).
      list.push([err.code, err.message, err.reason]);
      socket.end('HTTP/1.1 431 Mine\r\n\r\n');
    });
    return server;
  }, headOfSize(3000));
  assert.strictEqual(r.rshttp.wire, r['node:http'].wire);
  assert.deepStrictEqual(errors.rshttp, errors['node:http']);
  assert.strictEqual(errors['node:http'][0][0], 'HPE_HEADER_OVERFLOW');
});

/**
 * The server program for the --max-http-header-size runs: listens,
 * reports its port, answers 'ok'.
 */
const FLAG_CHILD = `
const http = require(process.argv[1]);
const server = http.createServer((req, res) => res.end('ok:' + http.maxHeaderSize));
server.listen(0, '127.0.0.1', () => process.send(server.address().port));
process.on('message', () => { server.close(); server.closeAllConnections(); process.disconnect(); });
`;

test('--max-http-header-size: 431 past the option, as node:http', T, async () => {
  const out = {};
  for (const [name, impl] of [['node:http', 'node:http'], ['rshttp', path.join(__dirname, '..')]]) {
    const child = spawn(process.execPath, ['--max-http-header-size=2048', '-e', FLAG_CHILD, impl], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const exited = once(child, 'exit');
    try {
      const [port] = await once(child, 'message');
      out[name] = [];
      for (const size of [1000, 2000, 2100, 3000, 20000]) out[name].push(await exchange(port, headOfSize(size)));
    } finally {
      child.send('exit');
      const t = setTimeout(() => child.kill(), 5000);
      await exited;
      clearTimeout(t);
    }
  }
  if (process.env.FAULTS_DEBUG) console.log(JSON.stringify(out));
  assert.deepStrictEqual(out.rshttp, out['node:http']);
  assert.match(out['node:http'][0].wire, /\r\n\r\nok:2048$/);
  assert.strictEqual(out['node:http'][3].wire, 'HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\r\n');
});

/** A request with `count` fields X-N: N (after Host), and `trailers` trailer fields if any. */
function manyFields(count, trailers = 0) {
  let head = 'POST /fields HTTP/1.1\r\nHost: a\r\n';
  for (let i = 0; i < count; i++) head += `X-${i}: ${i}\r\n`;
  if (!trailers) return `${head}Content-Length: 0\r\nConnection: close\r\n\r\n`;
  let t = '';
  for (let i = 0; i < trailers; i++) t += `T-${i}: ${i}\r\n`;
  return `${head}Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n0\r\n${t}\r\n`;
}

test('maxHeadersCount: fields past it dropped from the head and the trailers as node:http drops them', T, async () => {
  // Node's parser hands fields to JS 31 at a time and keeps a batch while
  // it holds fewer than maxHeadersCount: rawHeaders keeps whole batches,
  // req.headers the first maxHeadersCount; trailers keep whole batches.
  const cases = [
    [null, 10, 0], [null, 1100, 0], [0, 1100, 0], [1, 10, 0], [3, 10, 0], [3, 29, 0], [3, 30, 0], [3, 40, 0],
    [40, 100, 0], [31, 100, 0], [32, 100, 0], [3, 5, 10], [3, 5, 40], [40, 5, 100], [null, 5, 1100], [0, 5, 70],
  ];
  for (const [max, fields, trailers] of cases) {
    const r = await onBoth((http) => startEcho(http, { maxHeaderSize: 256 * 1024 }, { maxHeadersCount: max }),
      manyFields(fields, trailers));
    const what = `maxHeadersCount ${max}, ${fields} fields, ${trailers} trailers`;
    assert.match(r['node:http'].wire, /^HTTP\/1\.1 200 OK\r\n/, what);
    if (process.env.FAULTS_DEBUG) {
      const body = (w) => JSON.parse(w.slice(w.indexOf('\r\n\r\n') + 4));
      const n = body(r['node:http'].wire);
      const o = body(r.rshttp.wire);
      console.log(what, n.rawHeaders.length, o.rawHeaders.length, n.rawTrailers.length, o.rawTrailers.length);
    }
    assert.strictEqual(r.rshttp.wire, r['node:http'].wire, what);
  }
});

/** A server with `maxRequestsPerSocket` = `max` whose handler answers the URL; counts 'dropRequest'. */
async function startLimited(http, max, drops) {
  const server = http.createServer((req, res) => res.end(`ok ${req.url}`));
  server.maxRequestsPerSocket = max;
  server.on('dropRequest', (req, socket) => drops.push([req.url, typeof socket.write]));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

test('maxRequestsPerSocket: pipelined requests past it get 503 and Connection: close, as node:http', T, async () => {
  const pipelined = [1, 2, 3, 4, 5].map((i) => `GET /${i} HTTP/1.1\r\nHost: a\r\n\r\n`).join('');
  for (const max of [1, 2, 3]) {
    const drops = {};
    const r = await onBoth(async (http) => {
      const list = drops[http === IMPLS[0][1] ? 'node:http' : 'rshttp'] = [];
      return startLimited(http, max, list);
    }, pipelined);
    if (process.env.FAULTS_DEBUG) console.log(JSON.stringify(r));
    assert.strictEqual(r.rshttp.wire, r['node:http'].wire, `max ${max}`);
    assert.strictEqual(r.rshttp.closed, r['node:http'].closed, `max ${max}`);
    assert.deepStrictEqual(drops.rshttp, drops['node:http'], `max ${max}`);
    assert.ok(r['node:http'].wire.includes('HTTP/1.1 503 Service Unavailable\r\n'), `max ${max}`);
  }
});

test('maxRequestsPerSocket: requests one after the other on a keep-alive connection, as node:http', T, async () => {
  const drops = {};
  const pieces = [1, 2, 3].map((i) => `GET /${i} HTTP/1.1\r\nHost: a\r\n\r\n`);
  const r = await onBoth(async (http) => {
    const list = drops[http === IMPLS[0][1] ? 'node:http' : 'rshttp'] = [];
    return startLimited(http, 2, list);
  }, pieces);
  if (process.env.FAULTS_DEBUG) console.log(JSON.stringify(r));
  assert.strictEqual(r.rshttp.wire, r['node:http'].wire);
  assert.strictEqual(r.rshttp.closed, r['node:http'].closed);
  assert.deepStrictEqual(drops.rshttp, drops['node:http']);
  // The second answer says the connection ends.
  assert.match(r['node:http'].wire, /ok \/1HTTP\/1\.1 200 OK\r\nDate: <date>\r\nConnection: close\r\n/);
});

/**
 * A raw server answering every request with a response carrying `fields`
 * header fields and, if `trailers`, a chunked body with that many trailers.
 */
async function startRawResponder(fields, trailers) {
  let head = 'HTTP/1.1 200 OK\r\n';
  for (let i = 0; i < fields; i++) head += `X-${i}: ${i}\r\n`;
  let t = '';
  for (let i = 0; i < trailers; i++) t += `T-${i}: ${i}\r\n`;
  const response = trailers
    ? `${head}Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n0\r\n${t}\r\n`
    : `${head}Content-Length: 3\r\nConnection: close\r\n\r\nabc`;
  const server = net.createServer((socket) => {
    socket.on('error', () => {});
    socket.once('data', () => socket.end(response));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

test("client maxHeadersCount: the response's fields and trailers kept as node:http keeps them", T, async () => {
  const cases = [[null, 10, 0], [null, 1100, 0], [3, 10, 0], [3, 40, 0], [40, 100, 0], [3, 5, 40], [null, 5, 1100]];
  for (const [max, fields, trailers] of cases) {
    const server = await startRawResponder(fields, trailers);
    const seen = {};
    try {
      for (const [name, http] of IMPLS) {
        const res = await new Promise((resolve, reject) => {
          const req = http.get({ host: '127.0.0.1', port: server.address().port, agent: false }, resolve);
          req.maxHeadersCount = max;
          req.on('error', reject);
        });
        res.resume();
        await once(res, 'end');
        seen[name] = [res.rawHeaders.length, Object.keys(res.headers).length, res.rawTrailers.length,
          Object.keys(res.trailers).length, res.rawHeaders.slice(-2), res.rawTrailers.slice(-2)];
      }
    } finally {
      server.close();
    }
    const what = `maxHeadersCount ${max}, ${fields} fields, ${trailers} trailers`;
    if (process.env.FAULTS_DEBUG) console.log(what, JSON.stringify(seen));
    assert.deepStrictEqual(seen.rshttp, seen['node:http'], what);
  }
});

test('client maxHeaderSize: a response head fails at the same size as in node:http', T, async () => {
  const LIMIT = 100;
  // Reason, names and values count (as for requests): find where each fails.
  const layouts = {
    value: (n) => `HTTP/1.1 200 OK\r\nX-Fill: ${'f'.repeat(n)}\r\nContent-Length: 0\r\n\r\n`,
    reason: (n) => `HTTP/1.1 200 ${'R'.repeat(n)}\r\nContent-Length: 0\r\n\r\n`,
  };
  const first = {};
  for (const [layout, make] of Object.entries(layouts)) {
    for (const [name, http] of IMPLS) {
      for (let n = 60; n < 120; n++) {
        const server = net.createServer((socket) => {
          socket.on('error', () => {});
          socket.once('data', () => socket.end(make(n)));
        });
        server.listen(0, '127.0.0.1');
        await once(server, 'listening');
        const outcome = await new Promise((resolve) => {
          const req = http.get({ host: '127.0.0.1', port: server.address().port, agent: false, maxHeaderSize: LIMIT },
            (res) => { res.resume(); resolve('ok'); });
          req.on('error', (err) => resolve(err.code));
        });
        server.close();
        if (outcome !== 'ok') {
          first[`${layout} ${name}`] = [n, outcome];
          break;
        }
      }
    }
  }
  if (process.env.FAULTS_DEBUG) console.log(JSON.stringify(first));
  // 'OK' + 'X-Fill' + n + 'Content-Length' + '0' reaches 100 at n = 77.
  assert.deepStrictEqual(first['value node:http'], [77, 'HPE_HEADER_OVERFLOW']);
  assert.deepStrictEqual(first['value rshttp'], first['value node:http']);
  assert.deepStrictEqual(first['reason rshttp'], first['reason node:http']);
});
