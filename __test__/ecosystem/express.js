'use strict';
// Express 5 on the implementation under test: routing with params and
// queries, res.json / res.send / res.sendFile / res.redirect / res.status,
// express.json() and express.urlencoded() bodies, a 413 from the body
// limit, error-handling middleware, 404s, and express.static with ranges
// and conditional GETs.

const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const express = require('express');
const { assertImpl, listen, close, request, http } = require('./_common');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rshttp-express-'));
const file = path.join(dir, 'hello.txt');
fs.writeFileSync(file, 'hello from a file\n'.repeat(1000));

let server;
let base;

test.before(async () => {
  assertImpl();
  const app = express();
  app.use(express.json({ limit: '10kb' }));
  app.use(express.urlencoded({ extended: false }));
  app.get('/users/:id', (req, res) => res.json({ id: req.params.id, q: req.query.q ?? null }));
  app.post('/echo', (req, res) => res.status(201).json({ got: req.body, type: req.get('content-type') }));
  app.get('/file', (req, res) => res.sendFile(file));
  app.get('/old', (req, res) => res.redirect(301, '/users/7'));
  app.get('/text', (req, res) => res.type('text').send('plain text'));
  app.get('/boom', () => {
    throw new Error('boom');
  });
  app.get('/async-boom', async () => {
    await new Promise((r) => setTimeout(r, 5));
    throw Object.assign(new Error('late'), { status: 418 });
  });
  app.use('/static', express.static(dir));
  app.use((err, req, res, next) => { // eslint-disable-line no-unused-vars
    res.status(err.status || 500).json({ error: err.message });
  });
  server = http.createServer(app);
  base = await listen(server);
});

test.after(async () => {
  await close(server);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('route params and query strings reach the handler; res.json', async () => {
  const r = await request(`${base}/users/42?q=a%20b`);
  assert.strictEqual(r.status, 200);
  assert.match(r.headers['content-type'], /^application\/json/);
  assert.deepStrictEqual(JSON.parse(r.body), { id: '42', q: 'a b' });
  assert.strictEqual(Number(r.headers['content-length']), r.body.length);
  assert.ok(r.headers.etag);
});

test('express.json() parses a JSON body, and a body over the limit is a 413', async () => {
  const body = JSON.stringify({ a: 1, list: [1, 2, 3], nested: { s: 'é' } });
  const r = await request(`${base}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  assert.strictEqual(r.status, 201);
  assert.deepStrictEqual(JSON.parse(r.body).got, JSON.parse(body));
  const big = JSON.stringify({ s: 'x'.repeat(20_000) });
  const tooBig = await request(`${base}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: big });
  assert.strictEqual(tooBig.status, 413);
  const broken = await request(`${base}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":' });
  assert.strictEqual(broken.status, 400);
});

test('express.urlencoded() parses a form body sent chunked', async () => {
  const r = await new Promise((resolve, reject) => {
    const req = http.request(`${base}/echo`, { method: 'POST', agent: false,
      headers: { 'content-type': 'application/x-www-form-urlencoded' } }, (res) => {
      let b = '';
      res.setEncoding('utf8').on('data', (c) => { b += c; }).on('end', () => resolve({ status: res.statusCode, body: b }));
    });
    req.on('error', reject);
    req.write('name=rs%20http&');
    setTimeout(() => req.end('lang=rust'), 10);
  });
  assert.strictEqual(r.status, 201);
  assert.deepStrictEqual(JSON.parse(r.body).got, { name: 'rs http', lang: 'rust' });
});

test('res.sendFile streams a file with its length, type and validators', async () => {
  const r = await request(`${base}/file`);
  assert.strictEqual(r.status, 200);
  assert.strictEqual(r.body.toString(), fs.readFileSync(file, 'utf8'));
  assert.strictEqual(Number(r.headers['content-length']), fs.statSync(file).size);
  assert.match(r.headers['content-type'], /^text\/plain/);
  assert.ok(r.headers['last-modified']);
  const again = await request(`${base}/file`, { headers: { 'if-none-match': r.headers.etag } });
  assert.strictEqual(again.status, 304);
  assert.strictEqual(again.body.length, 0);
});

test('express.static answers ranges and HEAD', async () => {
  const r = await request(`${base}/static/hello.txt`, { headers: { range: 'bytes=6-9' } });
  assert.strictEqual(r.status, 206);
  assert.strictEqual(r.body.toString(), 'from');
  assert.match(r.headers['content-range'], /^bytes 6-9\/\d+$/);
  const head = await request(`${base}/static/hello.txt`, { method: 'HEAD' });
  assert.strictEqual(head.status, 200);
  assert.strictEqual(head.body.length, 0);
  assert.strictEqual(Number(head.headers['content-length']), fs.statSync(file).size);
});

test('res.redirect and res.send', async () => {
  const r = await request(`${base}/old`);
  assert.strictEqual(r.status, 301);
  assert.strictEqual(r.headers.location, '/users/7');
  const t = await request(`${base}/text`);
  assert.strictEqual(t.body.toString(), 'plain text');
  assert.match(t.headers['content-type'], /^text\/plain/);
});

test('errors thrown in handlers, sync and async, reach the error middleware; unknown routes are 404', async () => {
  const sync = await request(`${base}/boom`);
  assert.strictEqual(sync.status, 500);
  assert.deepStrictEqual(JSON.parse(sync.body), { error: 'boom' });
  const late = await request(`${base}/async-boom`);
  assert.strictEqual(late.status, 418);
  const missing = await request(`${base}/nowhere`);
  assert.strictEqual(missing.status, 404);
  assert.match(missing.body.toString(), /Cannot GET \/nowhere/);
});

test('keep-alive: many requests on one agent socket', async () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const sockets = new Set();
  try {
    for (let i = 0; i < 20; i++) {
      const r = await new Promise((resolve, reject) => {
        http.get(`${base}/users/${i}`, { agent }, (res) => {
          sockets.add(res.socket);
          let b = '';
          res.setEncoding('utf8').on('data', (c) => { b += c; }).on('end', () => resolve(JSON.parse(b)));
        }).on('error', reject);
      });
      assert.strictEqual(r.id, String(i));
    }
    assert.strictEqual(sockets.size, 1);
  } finally {
    agent.destroy();
  }
});
