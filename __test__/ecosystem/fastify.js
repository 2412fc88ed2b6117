'use strict';
// Fastify 5 on the implementation under test through its serverFactory (the
// documented way to give Fastify a server of your own): JSON schemas and
// serialisation, params, async handlers, hooks, 404 and error handlers,
// streams and payload limits.

const test = require('node:test');
const assert = require('node:assert');
const { Readable } = require('node:stream');
const Fastify = require('fastify');
const { assertImpl, request, http } = require('./_common');

let app;
let base;
let serverUsed;

test.before(async () => {
  assertImpl();
  app = Fastify({
    bodyLimit: 2048,
    serverFactory: (handler) => {
      serverUsed = http.createServer((req, res) => handler(req, res));
      return serverUsed;
    },
  });
  app.addHook('onSend', async (req, reply, payload) => {
    reply.header('x-hook', 'onSend');
    return payload;
  });
  app.get('/items/:id', {
    schema: { params: { type: 'object', properties: { id: { type: 'integer' } } } },
  }, async (req) => ({ id: req.params.id, typeofId: typeof req.params.id }));
  app.post('/sum', {
    schema: { body: { type: 'object', required: ['values'], properties: { values: { type: 'array', items: { type: 'number' } } } } },
  }, async (req) => ({ sum: req.body.values.reduce((a, b) => a + b, 0) }));
  app.get('/stream', (req, reply) => {
    reply.type('text/plain').send(Readable.from(['one ', 'two ', 'three']));
  });
  app.get('/fail', async () => {
    throw Object.assign(new Error('teapot'), { statusCode: 418 });
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ missing: req.url }));
  base = await app.listen({ port: 0, host: '127.0.0.1' });
});

test.after(() => app.close());

test('the server Fastify serves on is the one http.createServer made', () => {
  assert.strictEqual(app.server, serverUsed);
  assert.ok(serverUsed instanceof http.Server);
});

test('params are coerced by the schema and replies serialised; hooks run', async () => {
  const r = await request(`${base}/items/12`);
  assert.strictEqual(r.status, 200);
  assert.deepStrictEqual(JSON.parse(r.body), { id: 12, typeofId: 'number' });
  assert.strictEqual(r.headers['x-hook'], 'onSend');
  assert.match(r.headers['content-type'], /^application\/json/);
});

test('JSON bodies are validated; over the body limit is a 413', async () => {
  const ok = await request(`${base}/sum`, { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ values: [1, 2, 3.5] }) });
  assert.deepStrictEqual(JSON.parse(ok.body), { sum: 6.5 });
  const invalid = await request(`${base}/sum`, { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ values: 'nope' }) });
  assert.strictEqual(invalid.status, 400);
  const big = await request(`${base}/sum`, { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ values: new Array(2000).fill(1) }) });
  assert.strictEqual(big.status, 413);
});

test('a stream reply is sent chunked; errors and 404s use their handlers', async () => {
  const s = await request(`${base}/stream`);
  assert.strictEqual(s.body.toString(), 'one two three');
  assert.strictEqual(s.headers['transfer-encoding'], 'chunked');
  const f = await request(`${base}/fail`);
  assert.strictEqual(f.status, 418);
  assert.strictEqual(JSON.parse(f.body).message, 'teapot');
  const n = await request(`${base}/nope?x=1`);
  assert.strictEqual(n.status, 404);
  assert.deepStrictEqual(JSON.parse(n.body), { missing: '/nope?x=1' });
});

test('many concurrent requests over keep-alive sockets', async () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  try {
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => new Promise((resolve, reject) => {
      http.get(`${base}/items/${i}`, { agent }, (res) => {
        let b = '';
        res.setEncoding('utf8').on('data', (c) => { b += c; }).on('end', () => resolve(JSON.parse(b).id));
      }).on('error', reject);
    })));
    assert.deepStrictEqual(results, Array.from({ length: 50 }, (_, i) => i));
  } finally {
    agent.destroy();
  }
});
