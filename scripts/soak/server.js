'use strict';
// The server under soak (started by scripts/soak.js, never by hand): an
// ordinary hello/echo program on rshttp or node:http, with an IPC channel
// for the parent to ask for counters and a full GC.
//
//   node --expose-gc scripts/soak/server.js rshttp|node
//
// Routes (a query string is ignored): GET /hello -> 200 "Hello, World!"
// (Content-Length); GET /chunked -> the same text in two writes (chunked);
// POST anything -> the body read in full and echoed back (Content-Length).
// Anything else -> 404.

const path = require('path');

const impl = process.argv[2];
if (impl !== 'rshttp' && impl !== 'node') throw new Error('usage: server.js rshttp|node');
const root = path.join(__dirname, '..', '..');
const http = impl === 'node' ? require('http') : require(root);

const HELLO = 'Hello, World!';
const counts = { connections: 0, requests: 0, finished: 0, aborted: 0 };

function noop() {}

const server = http.createServer((req, res) => {
  counts.requests++;
  res.on('finish', () => counts.finished++);
  // An aborted body (a client gone mid-request) is part of the soak: count
  // it, and keep its 'error' from becoming an uncaught exception.
  req.on('aborted', () => counts.aborted++);
  req.on('error', noop);
  if (req.method === 'POST') {
    const chunks = [];
    let n = 0;
    req.on('data', (c) => { chunks.push(c); n += c.length; });
    req.on('end', () => {
      const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, n);
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': n });
      res.end(body);
    });
  } else if (req.url === '/hello' || req.url.startsWith('/hello?')) {
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': HELLO.length });
    res.end(HELLO);
  } else if (req.url === '/chunked' || req.url.startsWith('/chunked?')) {
    res.setHeader('Content-Type', 'text/plain');
    res.write('Hello, ');
    res.end('World!');
  } else {
    res.writeHead(404, { 'Content-Length': 0 });
    res.end();
  }
});
server.on('connection', () => counts.connections++);
server.on('error', (err) => {
  process.stderr.write(`soak server: ${err.stack || err}\n`);
  process.exit(3);
});

/** rshttp's own table of open core connections (0 when nothing leaks). */
function nativeConnections() {
  if (impl !== 'rshttp') return null;
  try { return require(path.join(root, 'lib', 'native.js')).connections.size; } catch { return null; }
}

process.on('message', (msg) => {
  if (msg && msg.gc && typeof global.gc === 'function') {
    global.gc();
    global.gc();
  }
  if (msg && msg.exit) {
    server.close(() => process.exit(0));
    server.closeAllConnections();
    return;
  }
  server.getConnections((err, open) => {
    process.send({
      id: msg && msg.id,
      stats: { ...counts, open: err ? null : open, native: nativeConnections(), memory: process.memoryUsage() },
    });
  });
});

server.listen(0, '127.0.0.1', () => process.send({ ready: true, port: server.address().port }));
