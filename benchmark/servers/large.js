'use strict';
// GET anything -> 200 with a 1 MiB body (one Buffer, allocated once).
const { http, listen } = require('./impl');

const size = Number(process.env.BENCH_LARGE_BYTES || 1024 * 1024);
const body = Buffer.alloc(size, 'x');
const server = http.createServer((req, res) => {
  res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': body.length });
  res.end(body);
});
listen(server);
