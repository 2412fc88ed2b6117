'use strict';
// rshttp behind nginx, the way Node servers are deployed: Debian's nginx
// (installed on first use, started with its own prefix and config in a
// temporary directory on a loopback port, stopped at the end) proxies
// /node/ to a node:http server and /rs/ to an rshttp server running the
// same handler, over HTTP/1.1 upstream keep-alive. Responses through nginx
// must be the same from both: small and 4 MiB bodies, chunked requests and
// responses, Connection handling, upstream connection reuse, and websockets
// through the proxy.

const test = require('node:test');
const assert = require('node:assert');
const { spawn } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const nodeHttp = require('node:http');
const { WebSocket, WebSocketServer } = require('ws');
const rshttp = require('..');
const { ensureCommand } = require('../scripts/apt');

const big = crypto.randomBytes(4 << 20);

/** The handler both backends run. */
function handler(req, res) {
  const u = new URL(req.url, 'http://x');
  if (u.pathname === '/stream') {
    res.setHeader('content-type', 'text/plain');
    let i = 0;
    const timer = setInterval(() => {
      res.write(`part ${i}\n`);
      if (++i === 5) {
        clearInterval(timer);
        res.end('done\n');
      }
    }, 5);
    return;
  }
  if (u.pathname === '/big') return res.end(big);
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    res.setHeader('content-type', 'application/json');
    res.setHeader('x-socket', String(req.socket.remotePort));
    res.end(JSON.stringify({
      method: req.method, url: req.url, te: req.headers['transfer-encoding'] || null,
      length: req.headers['content-length'] || null, connection: req.headers.connection || null,
      sha: crypto.createHash('sha256').update(body).digest('hex'), size: body.length,
    }));
  });
}

function listen(server) {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));
}

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

let nginx;
let dir;
let base;
const backends = [];

test.before(async () => {
  const bin = ensureCommand('nginx', 'nginx');
  const ports = {};
  for (const [name, http] of [['node', nodeHttp], ['rs', rshttp]]) {
    const server = http.createServer(handler);
    new WebSocketServer({ server }).on('connection', (ws) => ws.on('message', (d, b) => ws.send(d, { binary: b })));
    backends.push(server);
    ports[name] = await listen(server);
  }
  const port = await freePort();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rshttp-nginx-'));
  for (const sub of ['logs', 'tmp']) fs.mkdirSync(path.join(dir, sub));
  const upstream = (name) => `upstream ${name} { server 127.0.0.1:${ports[name]}; keepalive 8; }`;
  const location = (name) => `
    location /${name}/ws {
      proxy_pass http://${name}/;
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection "upgrade";
    }
    location /${name}/ {
      proxy_pass http://${name}/;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_request_buffering off;
      proxy_buffering off;
    }`;
  fs.writeFileSync(path.join(dir, 'nginx.conf'), `
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/logs/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  client_max_body_size 64m;
  ${upstream('node')}
  ${upstream('rs')}
  server {
    listen 127.0.0.1:${port};
    ${location('node')}
    ${location('rs')}
  }
}
`);
  nginx = spawn(bin, ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: ['ignore', 'inherit', 'inherit'] });
  base = `http://127.0.0.1:${port}`;
  // Ready once it accepts.
  for (let i = 0; ; i++) {
    const up = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); });
      s.on('error', () => resolve(false));
    });
    if (up) break;
    if (i > 100 || nginx.exitCode !== null) throw new Error(`nginx did not start: ${fs.readFileSync(path.join(dir, 'logs', 'error.log'), 'utf8')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
});

test.after(async () => {
  if (nginx && nginx.exitCode === null) {
    const exited = new Promise((r) => nginx.once('exit', r));
    nginx.kill('SIGQUIT');
    await exited;
  }
  for (const s of backends) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** One request through nginx; `{ status, headers, body }`. */
function request(pathname, { method = 'GET', headers = {}, body, chunks, agent } = {}) {
  return new Promise((resolve, reject) => {
    const req = nodeHttp.request(`${base}${pathname}`, { method, headers, agent: agent || false }, (res) => {
      const parts = [];
      res.on('data', (c) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(parts) }));
    });
    req.on('error', reject);
    if (chunks) {
      (async () => {
        for (const c of chunks) {
          req.write(c);
          await new Promise((r) => setTimeout(r, 5));
        }
        req.end();
      })();
    } else {
      req.end(body);
    }
  });
}

/** The same request through /node/ and /rs/; asserts equal answers and returns rshttp's. */
async function same(pathname, options) {
  const a = await request(`/node${pathname}`, options);
  const b = await request(`/rs${pathname}`, options);
  const strip = (r) => {
    const { date, 'x-socket': socket, ...headers } = r.headers; // eslint-disable-line no-unused-vars
    return { status: r.status, headers, body: r.body.toString('latin1') };
  };
  assert.deepStrictEqual(strip(b), strip(a));
  return b;
}

test('a small GET and a JSON body pass through nginx alike', async () => {
  const g = await same('/hello?x=1');
  assert.strictEqual(g.status, 200);
  assert.strictEqual(JSON.parse(g.body).url, '/hello?x=1');
  const p = await same('/post', { method: 'POST', body: '{"a":1}', headers: { 'content-type': 'application/json' } });
  assert.strictEqual(JSON.parse(p.body).size, 7);
});

test('a chunked request body reaches the backend chunked; a chunked response reaches the client chunked', async () => {
  const r = await same('/up', { method: 'POST', chunks: ['one ', 'two ', 'three'] });
  const seen = JSON.parse(r.body);
  assert.strictEqual(seen.te, 'chunked');
  assert.strictEqual(seen.size, 13);
  const s = await same('/stream');
  assert.strictEqual(s.headers['transfer-encoding'], 'chunked');
  assert.strictEqual(s.body.toString(), 'part 0\npart 1\npart 2\npart 3\npart 4\ndone\n');
});

test('4 MiB both ways', async () => {
  const down = await same('/big');
  assert.ok(down.body.equals(big));
  const up = await same('/up', { method: 'PUT', body: big });
  assert.strictEqual(JSON.parse(up.body).sha, crypto.createHash('sha256').update(big).digest('hex'));
});

test('nginx reuses its upstream keep-alive connections to rshttp as to node:http', async () => {
  const count = async (prefix) => {
    const sockets = new Set();
    for (let i = 0; i < 30; i++) sockets.add((await request(`/${prefix}/k${i}`)).headers['x-socket']);
    return sockets.size;
  };
  const node = await count('node');
  const rs = await count('rs');
  assert.ok(node <= 2, `node:http saw ${node} upstream connections`);
  assert.strictEqual(rs, node);
  // Connection: close from the client is not passed upstream.
  const r = await same('/c', { headers: { connection: 'close' } });
  assert.strictEqual(JSON.parse(r.body).connection, null);
});

test('websockets through nginx', async () => {
  for (const prefix of ['node', 'rs']) {
    const ws = new WebSocket(`${base.replace('http', 'ws')}/${prefix}/ws`);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const payload = crypto.randomBytes(200_000);
    const echoed = new Promise((resolve) => ws.once('message', resolve));
    ws.send(payload);
    assert.ok((await echoed).equals(payload), prefix);
    ws.close();
    await new Promise((r) => ws.once('close', r));
  }
});
