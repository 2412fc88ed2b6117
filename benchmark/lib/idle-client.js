'use strict';
// Opens BENCH_CONNS keep-alive connections to 127.0.0.1:BENCH_PORT, sends one
// GET on each, waits for its answer and keeps the socket open and idle.
// Prints "OPEN <ok> <failed> <ms>" when every attempt has settled; on a line
// on stdin prints "ALIVE <n>" (sockets still open) and exits.
const net = require('net');

const port = Number(process.env.BENCH_PORT);
const total = Number(process.env.BENCH_CONNS || 10000);
const parallel = Number(process.env.BENCH_PARALLEL || 200);
const request = 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n';

let started = 0, ok = 0, failed = 0, alive = 0;
const t0 = Date.now();
const sockets = [];
let firstError = null;

function one() {
  if (started >= total) return;
  started++;
  const s = net.connect({ port, host: '127.0.0.1' });
  let got = '', settled = false, counted = false;
  const settle = (good, err) => {
    if (settled) return;
    settled = true;
    if (good) { ok++; alive++; counted = true; sockets.push(s); } else { failed++; if (!firstError) firstError = err; }
    if (ok + failed === total) {
      process.stdout.write(`OPEN ${ok} ${failed} ${Date.now() - t0}${firstError ? ' ' + firstError : ''}\n`);
    } else {
      one();
    }
  };
  s.setTimeout(30000, () => { settle(false, 'timeout'); s.destroy(); });
  s.on('connect', () => s.write(request));
  s.on('data', (d) => {
    got += d.toString('latin1');
    if (got.includes('Hello, World!')) { s.setTimeout(0); settle(true); }
  });
  s.on('error', (e) => settle(false, e.code || e.message));
  s.on('close', () => { if (counted) alive--; else settle(false, 'closed'); });
}

for (let i = 0; i < Math.min(parallel, total); i++) one();

process.stdin.on('data', () => {
  process.stdout.write(`ALIVE ${alive}\n`);
  for (const s of sockets) s.destroy();
  process.exit(0);
});
