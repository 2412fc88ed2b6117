'use strict';
// One load-generator run -> { requests, duration_us, bytes, errors, latency_us }.
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const { start, waitFor, killTree } = require('./proc');

const wrkDir = path.join(__dirname, '..', 'wrk');
let tmpDir = null;
function tmp() {
  if (!tmpDir) {
    tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rshttp-bench-'));
    process.on('exit', () => { try { fs.rmSync(tmpDir, { recursive: true, force: true }); } catch {} });
  }
  return tmpDir;
}

// Scenario script + report.lua, written once per script name.
const scripts = new Map();
function wrkScript(name) {
  if (!scripts.has(name)) {
    const text = fs.readFileSync(path.join(wrkDir, name), 'utf8') + '\n' +
      fs.readFileSync(path.join(wrkDir, 'report.lua'), 'utf8');
    const file = path.join(tmp(), name);
    fs.writeFileSync(file, text);
    scripts.set(name, file);
  }
  return scripts.get(name);
}

function writeBodyFile(body) {
  const file = path.join(tmp(), `body-${body.length}.json`);
  fs.writeFileSync(file, body);
  return file;
}

function version(gen) {
  if (gen === 'wrk') {
    const r = spawnSync('wrk', ['-v'], { encoding: 'utf8' });
    const m = /wrk\s+(\S+)/.exec(`${r.stdout}${r.stderr}`);
    return m ? m[1] : 'unknown';
  }
  try {
    return require(require.resolve('autocannon/package.json', { paths: [path.join(__dirname, '..', '..')] })).version;
  } catch { return 'unknown'; }
}

function parse(child) {
  const m = /^BENCHJSON (.*)$/m.exec(child.stdoutText);
  if (!m) {
    const tail = (child.stderrText || child.stdoutText).trim().split('\n').slice(-5).join(' | ');
    throw new Error(`load generator printed no result${tail ? ': ' + tail : ''}`);
  }
  return JSON.parse(m[1]);
}

// opts: { gen, port, path, conns, seconds, script, method, body, pipeline, cpu, nofile }
async function run(opts) {
  const url = `http://127.0.0.1:${opts.port}${opts.path || '/'}`;
  const env = {};
  let argv;
  if (opts.gen === 'wrk') {
    let script = 'get.lua';
    if (opts.body) { script = 'post.lua'; env.BENCH_BODY_FILE = writeBodyFile(opts.body); }
    if (opts.pipeline > 1) { script = 'pipeline.lua'; env.BENCH_PIPELINE_DEPTH = String(opts.pipeline); }
    argv = ['wrk', '-t1', `-c${opts.conns}`, `-d${opts.seconds}s`, '--timeout', '5s', '--latency', '-s', wrkScript(script), url];
  } else {
    env.BENCH_AC = JSON.stringify({
      url, connections: opts.conns, duration: opts.seconds, pipelining: opts.pipeline || 1,
      method: opts.body ? 'POST' : 'GET', body: opts.body ? opts.body.toString('latin1') : undefined,
      headers: opts.body ? { 'content-type': 'application/json' } : undefined,
    });
    argv = [process.execPath, path.join(__dirname, 'autocannon-child.js')];
  }
  const child = start(argv, { cpu: opts.cpu, env, nofile: opts.nofile || 0 });
  try {
    await waitFor(child, /^BENCHJSON .*$/m, (opts.seconds + 30) * 1000);
    await child.exited;
    return parse(child);
  } finally {
    killTree(child);
  }
}

module.exports = { run, version };
