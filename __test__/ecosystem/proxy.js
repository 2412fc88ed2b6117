'use strict';
// http-proxy on the implementation under test in front of a server on the
// same implementation: methods, headers and bodies (sized and chunked) both
// ways, X-Forwarded-* headers, a streamed 4 MiB download, websockets through
// the proxy, and a 502 from the error handler when the target is down.

const test = require('node:test');
const assert = require('node:assert');
const crypto = require('node:crypto');
const httpProxy = require('http-proxy');
const { WebSocket, WebSocketServer } = require('ws');
const { assertImpl, listen, close, request, within, http } = require('./_common');

let target;
let proxyServer;
let proxy;
let base;
const big = crypto.randomBytes(4 << 20);

test.before(async () => {
  assertImpl();
  target = http.createServer((req, res) => {
    if (req.url === '/big') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      for (let i = 0; i < big.length; i += 65_536) res.write(big.subarray(i, i + 65_536));
      return res.end();
    }
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      res.setHeader('x-target-saw', JSON.stringify({
        method: req.method, url: req.url, xff: req.headers['x-forwarded-for'] || null,
        te: req.headers['transfer-encoding'] || null, len: body.length,
        sha: crypto.createHash('sha256').update(body).digest('hex'),
      }));
      res.setHeader('set-cookie', ['a=1', 'b=2']);
      res.end(body);
    });
  });
  new WebSocketServer({ server: target }).on('connection', (ws) => ws.on('message', (d, bin) => ws.send(d, { binary: bin })));
  const targetUrl = await listen(target);
  proxy = httpProxy.createProxyServer({ target: targetUrl, xfwd: true, ws: true });
  proxy.on('error', (err, req, res) => {
    if (res.writeHead) {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`proxy error ${err.code}`);
    } else {
      res.destroy();
    }
  });
  proxyServer = http.createServer((req, res) => {
    if (req.url === '/down') return proxy.web(req, res, { target: 'http://127.0.0.1:1' });
    proxy.web(req, res);
  });
  proxyServer.on('upgrade', (req, socket, head) => proxy.ws(req, socket, head));
  base = await listen(proxyServer);
});

test.after(async () => {
  proxy.close();
  await close(proxyServer);
  await close(target);
});

test('requests and bodies pass through with X-Forwarded-For and repeated headers', async () => {
  const body = crypto.randomBytes(100_000);
  const r = await request(`${base}/post?x=1`, { method: 'PUT', body, headers: { 'content-length': body.length } });
  assert.strictEqual(r.status, 200);
  const saw = JSON.parse(r.headers['x-target-saw']);
  assert.deepStrictEqual([saw.method, saw.url, saw.xff, saw.len], ['PUT', '/post?x=1', '127.0.0.1', body.length]);
  assert.strictEqual(saw.sha, crypto.createHash('sha256').update(body).digest('hex'));
  assert.ok(r.body.equals(body));
  assert.deepStrictEqual(r.headers['set-cookie'], ['a=1', 'b=2']);
});

test('a chunked request body stays chunked to the target', async () => {
  const r = await new Promise((resolve, reject) => {
    const req = http.request(`${base}/chunked`, { method: 'POST', agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c)).on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.write('part one, ');
    setTimeout(() => req.end('part two'), 20);
  });
  const saw = JSON.parse(r.headers['x-target-saw']);
  assert.strictEqual(saw.te, 'chunked');
  assert.strictEqual(r.body.toString(), 'part one, part two');
});

test('a 4 MiB streamed download arrives whole', async () => {
  const r = await request(`${base}/big`);
  assert.strictEqual(r.status, 200);
  assert.strictEqual(r.body.length, big.length);
  assert.ok(r.body.equals(big));
});

test('websockets work through the proxy', async () => {
  const ws = new WebSocket(base.replace('http', 'ws'));
  await within(5000, new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject)), 'ws open');
  const payload = crypto.randomBytes(300_000);
  const echoed = within(5000, new Promise((resolve) => ws.once('message', resolve)), 'ws echo');
  ws.send(payload);
  assert.ok((await echoed).equals(payload));
  ws.terminate();
});

test('a target that refuses connections gives the error handler\'s 502', async () => {
  const r = await request(`${base}/down`);
  assert.strictEqual(r.status, 502);
  assert.strictEqual(r.body.toString(), 'proxy error ECONNREFUSED');
});
