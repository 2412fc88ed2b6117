'use strict';
// GET anything -> 200 "Hello, World!" (13 bytes, Content-Length, keep-alive).
// Used by the hello, latency, pipelined and idle scenarios.
const { http, listen } = require('./impl');

const body = 'Hello, World!';
const server = http.createServer((req, res) => {
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': 13 });
  res.end(body);
});
listen(server);
