'use strict';
// HTTP client benchmark: BENCH_CONNS concurrent keep-alive GET loops against
// 127.0.0.1:BENCH_PORT with the implementation chosen by ../servers/impl.js.
// After BENCH_WARMUP seconds it measures for BENCH_SECONDS and prints one
// BENCHJSON line with its own CPU time (process.cpuUsage) and peak RSS.
const fs = require('fs');
const { http } = require('../servers/impl');

const port = Number(process.env.BENCH_PORT);
const conns = Number(process.env.BENCH_CONNS || 64);
const warmup = Number(process.env.BENCH_WARMUP || 1) * 1000;
const seconds = Number(process.env.BENCH_SECONDS || 5) * 1000;
const agent = new http.Agent({ keepAlive: true, maxSockets: conns });

let count = 0, errors = 0, measuring = false, stopped = false;
let firstError = null;

function loop() {
  if (stopped) return;
  const req = http.get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
    res.on('data', () => {});
    res.on('end', () => {
      if (res.statusCode === 200) { if (measuring) count++; } else errors++;
      loop();
    });
  });
  req.on('error', (e) => {
    errors++;
    if (!firstError) firstError = e.message;
    if (errors > 1000) { process.stderr.write(`too many errors: ${firstError}\n`); process.exit(1); }
    setImmediate(loop);
  });
}

for (let i = 0; i < conns; i++) loop();

setTimeout(() => {
  measuring = true;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  setTimeout(() => {
    measuring = false;
    stopped = true;
    const cpu = process.cpuUsage(cpu0);
    const dur = Number(process.hrtime.bigint() - t0) / 1e3;
    const hwm = Number((/^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync('/proc/self/status', 'latin1')) || [0, 0])[1]) * 1024;
    process.stdout.write(`BENCHJSON ${JSON.stringify({ requests: count, duration_us: dur, cpu_us: cpu.user + cpu.system, hwm, errors, firstError })}\n`);
    agent.destroy();
    process.exit(0);
  }, seconds);
}, warmup);
