'use strict';
// Fallback load generator: runs autocannon in its own (pinnable) process and
// prints the same BENCHJSON line as wrk/report.lua.
const path = require('path');
const autocannon = require(require.resolve('autocannon', { paths: [path.join(__dirname, '..', '..')] }));

const o = JSON.parse(process.env.BENCH_AC);
autocannon({ ...o, timeout: 5 }, (err, r) => {
  if (err) { process.stderr.write(String(err && err.stack || err) + '\n'); process.exit(1); }
  const ms = (v) => Math.round((v || 0) * 1000);
  const out = {
    requests: r.requests.total,
    duration_us: Math.round(r.duration * 1e6),
    bytes: r.throughput.total,
    errors: { connect: 0, read: r.errors - r.timeouts, write: 0, status: r.non2xx, timeout: r.timeouts },
    latency_us: { p50: ms(r.latency.p50), p90: ms(r.latency.p90), p99: ms(r.latency.p99), mean: ms(r.latency.mean), max: ms(r.latency.max) },
  };
  process.stdout.write(`BENCHJSON ${JSON.stringify(out)}\n`);
});
