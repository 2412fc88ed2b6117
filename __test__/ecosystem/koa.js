'use strict';
// Koa 3 (with @koa/router) on the implementation under test: middleware
// order, ctx.body as string, JSON, Buffer and stream, status and headers,
// thrown HTTP errors, and a request body read from the stream.

const test = require('node:test');
const assert = require('node:assert');
const { Readable } = require('node:stream');
const Koa = require('koa');
const Router = require('@koa/router');
const { assertImpl, listen, close, request, http } = require('./_common');

let server;
let base;

test.before(async () => {
  assertImpl();
  const app = new Koa();
  const router = new Router();
  app.use(async (ctx, next) => {
    const started = process.hrtime.bigint();
    await next();
    ctx.set('x-order', `${ctx.state.order || ''}outer`);
    ctx.set('x-took-ns', String(process.hrtime.bigint() - started));
  });
  router.get('/json', (ctx) => {
    ctx.state.order = 'inner,';
    ctx.body = { hello: 'koa', method: ctx.method };
  });
  router.get('/buffer', (ctx) => { ctx.body = Buffer.from([0, 1, 2, 255]); });
  router.get('/stream', (ctx) => {
    ctx.type = 'text/plain';
    ctx.body = Readable.from(['a', 'b', 'c']);
  });
  router.post('/upper', async (ctx) => {
    const chunks = [];
    for await (const chunk of ctx.req) chunks.push(chunk);
    ctx.status = 202;
    ctx.body = Buffer.concat(chunks).toString().toUpperCase();
  });
  router.get('/forbidden', (ctx) => ctx.throw(403, 'no entry'));
  app.use(router.routes()).use(router.allowedMethods());
  server = http.createServer(app.callback());
  base = await listen(server);
});

test.after(() => close(server));

test('JSON bodies, middleware order and headers set after next()', async () => {
  const r = await request(`${base}/json`);
  assert.strictEqual(r.status, 200);
  assert.deepStrictEqual(JSON.parse(r.body), { hello: 'koa', method: 'GET' });
  assert.strictEqual(r.headers['x-order'], 'inner,outer');
  assert.ok(Number(r.headers['x-took-ns']) > 0);
});

test('Buffer and stream bodies arrive byte for byte', async () => {
  const b = await request(`${base}/buffer`);
  assert.deepStrictEqual([...b.body], [0, 1, 2, 255]);
  assert.strictEqual(b.headers['content-type'], 'application/octet-stream');
  const s = await request(`${base}/stream`);
  assert.strictEqual(s.body.toString(), 'abc');
});

test('a request body read with for await; thrown errors; 405 from allowedMethods', async () => {
  const u = await request(`${base}/upper`, { method: 'POST', body: 'quiet words' });
  assert.strictEqual(u.status, 202);
  assert.strictEqual(u.body.toString(), 'QUIET WORDS');
  const f = await request(`${base}/forbidden`);
  assert.strictEqual(f.status, 403);
  assert.strictEqual(f.body.toString(), 'no entry');
  const m = await request(`${base}/json`, { method: 'DELETE' });
  assert.strictEqual(m.status, 405);
  assert.match(m.headers.allow, /GET/);
});
