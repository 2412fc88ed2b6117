'use strict';
// HTTP client benchmark: a fixed number of keep-alive GETs against
// 127.0.0.1:BENCH_PORT (a hello server answering 'Hello, World!'), with
// BENCH_CONNS requests in flight at any time.
//
//   node client.js node|rshttp|undici
//
//   node, rshttp  http.get() with the implementation chosen by
//                 ../servers/impl.js, over one Agent({ keepAlive: true,
//                 maxSockets: BENCH_CONNS }); the body is read to its end.
//   undici        undici's request() with a Pool of BENCH_CONNS connections
//                 as its dispatcher; the body is read with body.text().
//
// BENCH_WARMUP_REQUESTS (default 2,000) requests first, not counted; then
// BENCH_REQUESTS (default 20,000) timed ones. Every answer is checked (status
// 200, body 'Hello, World!'); a wrong one or a failed request is an error.
// Prints one line:
//   BENCHJSON {"requests","duration_us","cpu_us","hwm","errors","firstError",...}
// requests = correct answers among the timed ones; cpu_us = process.cpuUsage()
// (user + system, all threads) over the timed part; js_cpu_us = the same for
// the JS thread alone (the main thread, whose tid is the pid: utime + stime
// from /proc/self/task/<pid>/stat); hwm = VmHWM in bytes.
const fs = require('fs');
const path = require('path');

const impl = process.argv[2] || process.env.BENCH_IMPL || 'node';
const port = Number(process.env.BENCH_PORT);
const conns = Number(process.env.BENCH_CONNS || 32);
const total = Number(process.env.BENCH_REQUESTS || 20000);
const warmupCount = Number(process.env.BENCH_WARMUP_REQUESTS !== undefined ? process.env.BENCH_WARMUP_REQUESTS : 2000);
const EXPECT = 'Hello, World!';
const MAX_ERRORS = 1000;

if (!(port > 0)) {
  process.stderr.write('client.js: BENCH_PORT is required\n');
  process.exit(2);
}

let errors = 0;
let firstError = null;

function fail(msg) {
  errors++;
  if (!firstError) firstError = msg;
  if (errors > MAX_ERRORS) {
    process.stderr.write(`client.js: more than ${MAX_ERRORS} errors, first: ${firstError}\n`);
    process.exit(1);
  }
}

function check(status, body) {
  if (status !== 200) { fail(`status ${status}`); return false; }
  if (body !== EXPECT) { fail(`body ${JSON.stringify(body.slice(0, 40))}`); return false; }
  return true;
}

// One GET; resolves true when the answer is right, false after counting an
// error. Never rejects.
function makeGetter() {
  if (impl === 'undici') {
    const undici = require(require.resolve('undici', { paths: [path.join(__dirname, '..', '..')] }));
    const pool = new undici.Pool(`http://127.0.0.1:${port}`, { connections: conns });
    const url = `http://127.0.0.1:${port}/`;
    return {
      name: `undici ${require(require.resolve('undici/package.json', { paths: [path.join(__dirname, '..', '..')] })).version}`,
      get: async () => {
        try {
          const { statusCode, body } = await undici.request(url, { dispatcher: pool });
          return check(statusCode, await body.text());
        } catch (e) {
          fail(e && e.message || String(e));
          return false;
        }
      },
      close: () => pool.destroy().catch(() => {}),
    };
  }
  const { http } = require('../servers/impl');
  const agent = new http.Agent({ keepAlive: true, maxSockets: conns });
  return {
    name: impl,
    get: () => new Promise((resolve) => {
      let done = false;
      const finish = (ok) => { if (!done) { done = true; resolve(ok); } };
      const req = http.get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => { body += c; });
        res.on('end', () => finish(check(res.statusCode, body)));
        res.on('error', (e) => { if (!done) { fail(e.message); finish(false); } });
      });
      req.on('error', (e) => { if (!done) { fail(e.message); finish(false); } });
    }),
    close: () => agent.destroy(),
  };
}

// n requests, `conns` of them in flight at any time; resolves to the number
// answered correctly.
async function batch(get, n) {
  let issued = 0, ok = 0;
  async function worker() {
    while (issued < n) {
      issued++;
      if (await get()) ok++;
    }
  }
  const workers = [];
  for (let i = 0; i < Math.min(conns, n); i++) workers.push(worker());
  await Promise.all(workers);
  return ok;
}

// utime + stime of this process's main (JS) thread, in microseconds.
const CLK_TCK = (() => {
  const r = require('child_process').spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  return Number(r.stdout && r.stdout.trim()) || 100;
})();
function jsThreadCpuMicros() {
  const s = fs.readFileSync(`/proc/self/task/${process.pid}/stat`, 'latin1');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1e6) / CLK_TCK;
}

function hwmBytes() {
  const m = /^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync('/proc/self/status', 'latin1'));
  return m ? Number(m[1]) * 1024 : 0;
}

async function main() {
  const c = makeGetter();
  if (warmupCount > 0) await batch(c.get, warmupCount);
  const warmupErrors = errors;
  errors = 0;
  const cpu0 = process.cpuUsage();
  const js0 = jsThreadCpuMicros();
  const t0 = process.hrtime.bigint();
  const ok = await batch(c.get, total);
  const dur = Number(process.hrtime.bigint() - t0) / 1e3;
  const cpu = process.cpuUsage(cpu0);
  const js = jsThreadCpuMicros() - js0;
  const out = {
    impl: c.name, requests: ok, attempted: total, conns, warmup: warmupCount, warmupErrors,
    duration_us: dur, cpu_us: cpu.user + cpu.system, js_cpu_us: js, hwm: hwmBytes(), errors, firstError,
  };
  process.stdout.write(`BENCHJSON ${JSON.stringify(out)}\n`);
  await c.close();
  process.exit(0);
}

main().catch((e) => {
  process.stderr.write(`client.js: ${e && e.stack || e}\n`);
  process.exit(1);
});
