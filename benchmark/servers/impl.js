'use strict';
// Picks the http implementation a benchmark program runs on.
//   BENCH_IMPL=node    -> require('http')
//   BENCH_IMPL=rshttp  -> require('../../index.js'), or the module named by
//                         BENCH_RSHTTP_MODULE (e.g. "http", to check the
//                         harness by running node:http against itself).
// The first command-line argument, if it is "node" or "rshttp", wins over
// BENCH_IMPL.
const path = require('path');

const arg = process.argv[2];
const impl = arg === 'node' || arg === 'rshttp' ? arg : process.env.BENCH_IMPL || 'node';

function load() {
  if (impl === 'node') return require('http');
  if (impl !== 'rshttp') throw new Error(`unknown BENCH_IMPL ${impl}`);
  const sub = process.env.BENCH_RSHTTP_MODULE;
  if (sub) return require(sub);
  return require(path.join(__dirname, '..', '..', 'index.js'));
}

const http = load();

// Port chosen by the harness (it probes for a free one), 0 when run by hand.
const port = Number(process.env.BENCH_PORT || 0);

// Tell the harness we are ready. The port is printed from server.address()
// when it can be read, else the one we were asked for.
function ready(server) {
  let p = port;
  try {
    const a = server.address();
    if (a && typeof a === 'object' && a.port) p = a.port;
  } catch {}
  process.stdout.write(`READY ${p}\n`);
}

function listen(server) {
  if (process.env.BENCH_KEEPALIVE_MS) {
    server.keepAliveTimeout = Number(process.env.BENCH_KEEPALIVE_MS);
  }
  server.on('error', (err) => {
    process.stderr.write(`server error: ${err && err.stack || err}\n`);
    process.exit(3);
  });
  server.listen(port, '127.0.0.1', () => ready(server));
  // The harness ends us with SIGKILL; SIGTERM by hand should exit too.
  process.on('SIGTERM', () => process.exit(0));
  return server;
}

module.exports = { http, impl, listen };
