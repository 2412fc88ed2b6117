'use strict';
// HTTP clients from npm against a server on the implementation under test,
// and, on the rshttp run, rshttp's own client under axios, got and
// node-fetch (they make their requests with `http`): keep-alive agents,
// redirects, timeouts on fresh and reused sockets, aborts, gzip, JSON and
// streamed bodies. undici speaks HTTP itself (over net), so it checks the
// server alone.

const test = require('node:test');
const assert = require('node:assert');
const zlib = require('node:zlib');
const axios = require('axios');
const undici = require('undici');
const { assertImpl, listen, close, http } = require('./_common');

let server;
let base;
const sockets = new Set();

test.before(async () => {
  assertImpl();
  server = http.createServer((req, res) => {
    const u = new URL(req.url, 'http://x');
    switch (u.pathname) {
      case '/json': {
        const chunks = [];
        req.on('data', (c) => chunks.push(c)).on('end', () => {
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ method: req.method, body: Buffer.concat(chunks).toString(),
            ua: req.headers['user-agent'] || null, port: req.socket.remotePort }));
        });
        return;
      }
      case '/redirect': {
        const n = Number(u.searchParams.get('n'));
        res.writeHead(302, { location: n > 0 ? `/redirect?n=${n - 1}` : '/json' });
        return res.end();
      }
      case '/gzip':
        res.writeHead(200, { 'content-encoding': 'gzip', 'content-type': 'text/plain' });
        return res.end(zlib.gzipSync('unzipped '.repeat(1000)));
      case '/slow':
        return setTimeout(() => res.end('late'), Number(u.searchParams.get('ms')));
      case '/stream':
        res.write('a');
        setTimeout(() => res.write('b'), 10);
        setTimeout(() => res.end('c'), 20);
        return;
      default:
        res.statusCode = 404;
        res.end();
    }
  });
  server.on('connection', (s) => sockets.add(s));
  base = await listen(server);
});

test.after(() => close(server));

test('undici: request, fetch and a pool over keep-alive', async () => {
  const r = await undici.request(`${base}/json`, { method: 'POST', body: 'from undici' });
  assert.strictEqual(r.statusCode, 200);
  const got = await r.body.json();
  assert.deepStrictEqual([got.method, got.body], ['POST', 'from undici']);
  const f = await undici.fetch(`${base}/gzip`);
  assert.strictEqual(await f.text(), 'unzipped '.repeat(1000));
  const pool = new undici.Pool(base, { connections: 2, pipelining: 4 });
  try {
    const ports = new Set();
    await Promise.all(Array.from({ length: 40 }, async () => {
      const res = await pool.request({ path: '/json', method: 'GET' });
      ports.add((await res.body.json()).port);
    }));
    assert.ok(ports.size <= 2, `${ports.size} connections for a pool of 2`);
  } finally {
    await pool.close();
  }
});

test('node-fetch: JSON, redirects followed, gzip decoded, a stream body read', async () => {
  const { default: fetch } = await import('node-fetch');
  const j = await fetch(`${base}/json`, { method: 'PUT', body: 'nf' });
  assert.deepStrictEqual((({ method, body }) => ({ method, body }))(await j.json()), { method: 'PUT', body: 'nf' });
  const r = await fetch(`${base}/redirect?n=3`);
  assert.strictEqual(r.status, 200);
  assert.ok(r.redirected);
  assert.strictEqual(new URL(r.url).pathname, '/json');
  const g = await fetch(`${base}/gzip`);
  assert.strictEqual(await g.text(), 'unzipped '.repeat(1000));
  const s = await fetch(`${base}/stream`);
  let text = '';
  for await (const chunk of s.body) text += chunk;
  assert.strictEqual(text, 'abc');
});

test('axios with a keep-alive agent: requests share one socket; redirects; gzip', async () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const client = axios.create({ baseURL: base, httpAgent: agent });
  try {
    const ports = new Set();
    for (let i = 0; i < 10; i++) {
      const r = await client.post('/json', { i });
      assert.strictEqual(JSON.parse(r.data.body).i, i);
      ports.add(r.data.port);
    }
    assert.strictEqual(ports.size, 1);
    const red = await client.get('/redirect?n=2');
    assert.strictEqual(red.status, 200);
    assert.strictEqual(red.request.path, '/json');
    const gz = await client.get('/gzip', { responseType: 'text' });
    assert.strictEqual(gz.data, 'unzipped '.repeat(1000));
  } finally {
    agent.destroy();
  }
});

test('axios timeouts fire as ECONNABORTED on a reused socket, also when set late in a busy turn', async () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const client = axios.create({ baseURL: base, httpAgent: agent });
  try {
    for (const busyMs of [0, 50]) {
      let t0;
      // The timed request is made from the previous response's callback
      // (the same loop turn that delivered it), after busyMs of work.
      const err = await client.get('/json').then(() => {
        const started = Date.now();
        while (Date.now() - started < busyMs);
        t0 = Date.now();
        return client.get('/slow?ms=1000', { timeout: 200 });
      }).then(() => null, (e) => e);
      const took = Date.now() - t0;
      assert.ok(err, 'no timeout');
      assert.strictEqual(err.code, 'ECONNABORTED', `busy ${busyMs} ms: ${err.code}: ${err.message}`);
      assert.ok(took >= 195 && took < 900, `busy ${busyMs} ms: timed out after ${took} ms`);
    }
  } finally {
    agent.destroy();
  }
});

test('axios aborted with an AbortController rejects as canceled', async () => {
  const controller = new AbortController();
  const pending = axios.get(`${base}/slow?ms=2000`, { signal: controller.signal });
  setTimeout(() => controller.abort(), 30);
  const err = await pending.then(() => null, (e) => e);
  assert.ok(err && axios.isCancel(err), String(err));
  assert.strictEqual(err.code, 'ERR_CANCELED');
});

test('got: JSON, redirects, gzip, keep-alive agent, timeout and abort', async () => {
  const { default: got } = await import('got');
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const client = got.extend({ prefixUrl: base, agent: { http: agent }, retry: { limit: 0 } });
    const j = await client.post('json', { json: { a: 1 } }).json();
    assert.deepStrictEqual([j.method, JSON.parse(j.body)], ['POST', { a: 1 }]);
    const again = await client.get('json').json();
    assert.strictEqual(again.port, j.port);
    const r = await client.get('redirect?n=2');
    assert.deepStrictEqual([r.statusCode, r.redirectUrls.length], [200, 3]);
    assert.strictEqual(await client.get('gzip').text(), 'unzipped '.repeat(1000));
    const t0 = Date.now();
    const timeout = await client.get('slow?ms=1000', { timeout: { request: 150 } }).then(() => null, (e) => e);
    assert.strictEqual(timeout && timeout.code, 'ETIMEDOUT', String(timeout));
    assert.ok(Date.now() - t0 < 900);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    const aborted = await client.get('slow?ms=2000', { signal: controller.signal }).then(() => null, (e) => e);
    assert.ok(aborted, 'no abort');
    assert.match(String(aborted.code || aborted.name), /ABORT/i);
  } finally {
    agent.destroy();
  }
});
