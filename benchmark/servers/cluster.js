'use strict';
// The cluster scenario: a primary forks BENCH_WORKERS (default 2) workers,
// each serving hello on the same port through the cluster module (SCHED_RR:
// the primary accepts and hands connections over). READY once every worker
// listens.
const cluster = require('cluster');

if (cluster.isPrimary) {
  const workers = Number(process.env.BENCH_WORKERS || 2);
  let listening = 0;
  cluster.on('listening', (worker, address) => {
    if (++listening === workers) process.stdout.write(`READY ${address.port}\n`);
  });
  cluster.on('exit', (worker, code, signal) => {
    if (!worker.exitedAfterDisconnect) {
      process.stderr.write(`worker exited (${signal || code})\n`);
      process.exit(3);
    }
  });
  for (let i = 0; i < workers; i++) cluster.fork();
  process.on('SIGTERM', () => process.exit(0));
} else {
  const { http } = require('./impl');
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': 13 });
    res.end('Hello, World!');
  });
  server.listen(Number(process.env.BENCH_PORT || 0), '127.0.0.1');
}
