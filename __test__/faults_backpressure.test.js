'use strict';
/**
 * Faults (issue 15): slow and non-reading clients must not make the server
 * buffer without bound. The server runs in a child process (node:http or
 * rshttp, same program) that samples its own RSS and its responses'
 * `writableLength`, so the figures are the server's alone.
 *
 * - A slow reader of a 100 MB response: the handler writes 100 MB in 64 KB
 *   chunks, respecting `write()`'s return value and 'drain'; the client
 *   pauses and resumes. The server's RSS growth stays far below 100 MB and
 *   `writableLength` stays within a few high-water marks.
 * - A pipelining flood: the client writes 10,000 pipelined GETs (each
 *   answered with 8 KB) without reading. The server stops reading and
 *   handling requests (backpressure), its memory stays bounded, and once the
 *   client reads, all 10,000 responses arrive complete and in order.
 */

const { test } = require('node:test');
const assert = require('node:assert');
const { spawn } = require('node:child_process');
const { once } = require('node:events');
const path = require('node:path');
const net = require('node:net');
const nodeHttp = require('node:http');

const MB = 1024 * 1024;

/** Resolves after `ms`. */
const delay = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * The server program run in the child: `impl` is 'node:http' or the path of
 * rshttp. It answers `/big` with BIG bytes (backpressure respected) and any
 * other path with an 8 KB body and the path in X-Path. It reports over IPC:
 * {port} once listening, then on 'stats' request its figures.
 */
const CHILD = `
const http = require(process.argv[1]);
const BIG = Number(process.argv[2]);
const stats = { maxRss: 0, baseRss: 0, maxWritableLength: 0, writesFalse: 0, drains: 0,
  requests: 0, bigDone: false, hwm: 0 };
const sample = () => { const r = process.memoryUsage.rss(); if (r > stats.maxRss) stats.maxRss = r; };
const timer = setInterval(sample, 5);
const chunk = Buffer.alloc(64 * 1024, 'x');
const small = Buffer.alloc(8 * 1024, 's');
const server = http.createServer((req, res) => {
  stats.requests++;
  if (req.url === '/big') {
    stats.hwm = res.writableHighWaterMark;
    res.writeHead(200, { 'Content-Length': BIG });
    let wrote = 0;
    const pump = () => {
      while (wrote < BIG) {
        wrote += chunk.length;
        const ok = res.write(chunk);
        if (res.writableLength > stats.maxWritableLength) stats.maxWritableLength = res.writableLength;
        if (!ok) {
          stats.writesFalse++;
          sample();
          res.once('drain', () => { stats.drains++; pump(); });
          return;
        }
      }
      res.end(() => { stats.bigDone = true; });
    };
    pump();
    return;
  }
  res.setHeader('X-Path', req.url);
  res.setHeader('Content-Length', small.length);
  res.end(small);
  if (res.writableLength > stats.maxWritableLength) stats.maxWritableLength = res.writableLength;
});
server.listen(0, '127.0.0.1', () => {
  global.gc && global.gc();
  stats.baseRss = process.memoryUsage.rss();
  stats.maxRss = stats.baseRss;
  process.send({ port: server.address().port });
});
process.on('message', (m) => {
  if (m === 'stats') { sample(); process.send({ stats }); }
  if (m === 'exit') { clearInterval(timer); server.close(); server.closeAllConnections(); process.disconnect(); }
});
`;

const IMPL_PATHS = [['node:http', 'node:http'], ['rshttp', path.join(__dirname, '..')]];

/** Starts the server program for `impl`; resolves to { port, stats(), stop() }. */
async function startChild(impl, big = 0) {
  const child = spawn(process.execPath, ['--expose-gc', '-e', CHILD, impl, String(big)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = once(child, 'exit');
  const [msg] = await once(child, 'message');
  const stats = async () => {
    child.send('stats');
    for (;;) {
      const [m] = await once(child, 'message');
      if (m.stats) return m.stats;
    }
  };
  const stop = async () => {
    child.send('exit');
    const t = setTimeout(() => child.kill(), 5000);
    const [code, signal] = await exited;
    clearTimeout(t);
    return { code, signal };
  };
  return { port: msg.port, stats, stop };
}

const BIG = 100 * MB;

/** GETs /big with Node's client, pausing 20 ms after every 1 MB; resolves to the body length. */
function slowRead(port) {
  return new Promise((resolve, reject) => {
    const req = nodeHttp.get({ port, host: '127.0.0.1', path: '/big', agent: false }, (res) => {
      let got = 0;
      let sinceRest = 0;
      res.on('data', (d) => {
        got += d.length;
        sinceRest += d.length;
        if (sinceRest >= MB) {
          sinceRest = 0;
          res.pause();
          setTimeout(() => res.resume(), 20);
        }
      });
      res.on('end', () => resolve({ got, complete: res.complete, status: res.statusCode }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

test('slow reader of a 100 MB response: the server respects backpressure and its memory stays bounded', { timeout: 60_000 }, async () => {
  const figures = {};
  for (const [name, impl] of IMPL_PATHS) {
    const child = await startChild(impl, BIG);
    try {
      const t0 = Date.now();
      const r = await slowRead(child.port);
      const ms = Date.now() - t0;
      await delay(20);
      const s = await child.stats();
      assert.deepStrictEqual(r, { got: BIG, complete: true, status: 200 }, name);
      assert.ok(s.bigDone, `${name}: res.end() callback`);
      figures[name] = { ms, growthMB: +((s.maxRss - s.baseRss) / MB).toFixed(1), maxWritableLength: s.maxWritableLength,
        writesFalse: s.writesFalse, drains: s.drains, hwm: s.hwm };
    } finally {
      const { code, signal } = await child.stop();
      assert.deepStrictEqual([code, signal], [0, null], `${name} server exits cleanly`);
    }
  }
  if (process.env.FAULTS_DEBUG) console.log(JSON.stringify(figures));
  for (const [name, f] of Object.entries(figures)) {
    // The write loop met backpressure and resumed on 'drain' each time.
    assert.ok(f.writesFalse > 10, `${name}: write() returned false ${f.writesFalse} times`);
    assert.strictEqual(f.drains, f.writesFalse, `${name}: one 'drain' per false write()`);
    // Never more than a few high-water marks queued.
    assert.ok(f.maxWritableLength <= 4 * f.hwm + 64 * 1024, `${name}: writableLength reached ${f.maxWritableLength}`);
    // The 100 MB body is never held: the RSS grows by a small fraction of it.
    assert.ok(f.growthMB < 40, `${name}: RSS grew by ${f.growthMB} MB for a 100 MB response`);
  }
});

const FLOOD = 10_000;
const RESPONSE_BODY = 8 * 1024;

/**
 * Reads pipelined responses from `socket` as they come: each is a head with
 * Content-Length and X-Path, its request's path. Calls
 * `onResponse(status, path, bodyLength)` for each.
 */
function readResponses(socket, onResponse) {
  let buf = Buffer.alloc(0);
  socket.on('data', (d) => {
    buf = buf.length ? Buffer.concat([buf, d]) : d;
    for (;;) {
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buf.toString('latin1', 0, end);
      const m = /\r\ncontent-length: (\d+)/i.exec(head);
      const len = m ? Number(m[1]) : 0;
      if (buf.length < end + 4 + len) return;
      const p = /\r\nx-path: ([^\r]*)/i.exec(head);
      onResponse(Number(head.slice(9, 12)), p && p[1], len);
      buf = buf.subarray(end + 4 + len);
    }
  });
}

test('pipelining flood of 10,000 GETs not read: the server stops, stays bounded, then answers all in order', { timeout: 60_000 }, async () => {
  const figures = {};
  for (const [name, impl] of IMPL_PATHS) {
    const child = await startChild(impl);
    try {
      const c = net.connect(child.port, '127.0.0.1');
      await once(c, 'connect');
      let requests = '';
      for (let i = 0; i < FLOOD; i++) requests += `GET /${i} HTTP/1.1\r\nHost: a\r\n\r\n`;
      c.write(requests);
      c.pause();
      // The client reads nothing for a while: the server must stop, and
      // stay stopped.
      await delay(1000);
      const stopped = await child.stats();
      await delay(500);
      const before = await child.stats();
      const seen = [];
      let bad = 0;
      const allIn = new Promise((resolve) => {
        readResponses(c, (status, p, len) => {
          if (status !== 200 || len !== RESPONSE_BODY || p !== `/${seen.length}`) bad++;
          seen.push(p);
          if (seen.length === FLOOD) resolve();
        });
      });
      const t0 = Date.now();
      c.resume();
      await allIn;
      const ms = Date.now() - t0;
      const after = await child.stats();
      c.destroy();
      assert.strictEqual(bad, 0, `${name}: responses out of order or malformed`);
      assert.strictEqual(seen.length, FLOOD);
      figures[name] = {
        handledBeforeReading: before.requests,
        handledAtOneSecond: stopped.requests,
        growthBeforeMB: +((before.maxRss - before.baseRss) / MB).toFixed(1),
        growthMB: +((after.maxRss - after.baseRss) / MB).toFixed(1),
        requests: after.requests,
        readMs: ms,
      };
    } finally {
      const { code, signal } = await child.stop();
      assert.deepStrictEqual([code, signal], [0, null], `${name} server exits cleanly`);
    }
  }
  if (process.env.FAULTS_DEBUG) console.log(JSON.stringify(figures));
  const total = FLOOD * RESPONSE_BODY / MB;
  // rshttp's core hands pipelined requests to JS about 64 KB of heads at a
  // time, as Node's socket reads: about as many are handled unread.
  assert.ok(figures.rshttp.handledBeforeReading <= 2 * figures['node:http'].handledBeforeReading,
    `rshttp handled ${figures.rshttp.handledBeforeReading} requests unread, node:http ${figures['node:http'].handledBeforeReading}`);
  for (const [name, f] of Object.entries(figures)) {
    // Backpressure: far from all requests were handled while nothing was read.
    assert.ok(f.handledBeforeReading < FLOOD / 2, `${name}: ${f.handledBeforeReading} requests handled unread`);
    assert.strictEqual(f.handledBeforeReading, f.handledAtOneSecond, `${name}: the server went on handling`);
    assert.strictEqual(f.requests, FLOOD, name);
    // What was handled unread is held, not more: far from the ${total} MB of
    // all the responses.
    assert.ok(f.growthBeforeMB < total / 2, `${name}: RSS grew by ${f.growthBeforeMB} MB unread (responses total ${total} MB)`);
    // Reading them all does not pile them up either (the peak includes
    // garbage not yet collected).
    assert.ok(f.growthMB < total, `${name}: RSS grew by ${f.growthMB} MB (responses total ${total} MB)`);
  }
});
