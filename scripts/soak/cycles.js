'use strict';
// Connection open/close cycles for scripts/soak.js (started by it; by hand:
// `SOAK_CYCLES='{"port":P,"count":N,"concurrency":C,"start":0}' node
// scripts/soak/cycles.js`). Each cycle opens a TCP connection, makes one
// request over raw bytes, checks the whole answer and closes, in one of
// these ways (cycle i takes MODES[i % MODES.length]):
//
//   server-close  GET with `Connection: close`: the server closes first
//   http10        an HTTP/1.0 GET, no keep-alive: the server closes first
//   client-close  keep-alive GET; after the answer the client sends FIN
//   client-reset  keep-alive POST echo; after the answer the client resets
//                 (socket.resetAndDestroy(): RST, no TIME_WAIT)
//   pipelined     GET, POST echo and a `Connection: close` GET in one write:
//                 three answers in order, then the server closes
//   abort         POST whose body stops halfway; the client closes mid-body
//                 (no answer expected: counts as a cycle, not a request)
//
// Ephemeral ports: connections come from 127.0.0.1 to 127.0.0.16 in turn
// (all of 127/8 is loopback on Linux), so even the client-close cycles,
// which leave the client's side in TIME_WAIT, have 16 x 28k ports to use;
// the kernel's tcp_tw_reuse=2 (loopback) default helps further.
// Prints one SOAKJSON line; exits 0 even when cycles failed (the parent
// judges).

const net = require('net');

const MODES = [
  'server-close', 'client-close', 'client-reset', 'pipelined', 'client-close',
  'http10', 'server-close', 'client-close', 'client-reset', 'abort',
];
const SOURCES = Array.from({ length: 16 }, (_, k) => `127.0.0.${k + 1}`);
const HELLO = 'Hello, World!';
const JSON_BODY = Buffer.from(JSON.stringify({ soak: true, cycle: 1, text: 'y'.repeat(100) }));
const CYCLE_TIMEOUT_MS = 10_000;

/** Cycle i's request bytes; the query string takes 5,000 values, as in keepalive.lua. */
function request(mode, i) {
  const q = `?c=${i % 5000}`;
  switch (mode) {
    case 'server-close':
      return Buffer.from(`GET /hello${q} HTTP/1.1\r\nHost: soak\r\nConnection: close\r\n\r\n`);
    case 'http10':
      return Buffer.from(`GET /hello${q} HTTP/1.0\r\n\r\n`);
    case 'client-close':
      return Buffer.from(`GET /hello${q} HTTP/1.1\r\nHost: soak\r\n\r\n`);
    case 'client-reset':
      return Buffer.concat([
        Buffer.from(`POST /echo${q} HTTP/1.1\r\nHost: soak\r\nContent-Type: application/json\r\nContent-Length: ${JSON_BODY.length}\r\n\r\n`),
        JSON_BODY,
      ]);
    case 'pipelined':
      return Buffer.concat([
        request('client-close', i),
        request('client-reset', i),
        request('server-close', i),
      ]);
    case 'abort':
      return Buffer.concat([
        Buffer.from(`POST /echo${q} HTTP/1.1\r\nHost: soak\r\nContent-Length: ${JSON_BODY.length}\r\n\r\n`),
        JSON_BODY.subarray(0, JSON_BODY.length >> 1),
      ]);
    default:
      throw new Error(mode);
  }
}

/** The bodies a mode's answers must have, in order. */
function expectedBodies(mode) {
  if (mode === 'client-reset') return [JSON_BODY];
  if (mode === 'pipelined') return [Buffer.from(HELLO), JSON_BODY, Buffer.from(HELLO)];
  return [Buffer.from(HELLO)];
}

/**
 * Parses one response from `buf`: { status, headers, body, complete, size }
 * (size: the bytes it took), or null while the head is incomplete. `eof`:
 * the server has closed, so a response without framing is complete.
 */
function parse(buf, eof) {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0]);
  if (!m) return { status: 0, headers: {}, body: Buffer.alloc(0), complete: true, bad: lines[0] };
  const headers = {};
  for (const line of lines.slice(1)) {
    const i = line.indexOf(':');
    headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  const rest = buf.subarray(end + 4);
  if (headers['content-length'] !== undefined) {
    const n = Number(headers['content-length']);
    return { status: Number(m[1]), headers, body: rest.subarray(0, n), complete: rest.length >= n, size: end + 4 + n };
  }
  if (/chunked/i.test(headers['transfer-encoding'] || '')) {
    const parts = [];
    let p = 0;
    for (;;) {
      const nl = rest.indexOf('\r\n', p);
      if (nl < 0) return { status: Number(m[1]), headers, body: null, complete: false };
      const size = parseInt(rest.subarray(p, nl).toString('latin1'), 16);
      if (size === 0) {
        const last = rest.indexOf('\r\n\r\n', nl);
        return { status: Number(m[1]), headers, body: Buffer.concat(parts), complete: last >= 0, size: end + 4 + last + 4 };
      }
      if (rest.length < nl + 2 + size + 2) return { status: Number(m[1]), headers, body: null, complete: false };
      parts.push(rest.subarray(nl + 2, nl + 2 + size));
      p = nl + 2 + size + 2;
    }
  }
  return { status: Number(m[1]), headers, body: rest, complete: eof, size: buf.length };
}

/**
 * One cycle: resolves to { mode, failure (null when it went as expected),
 * answers (the full, right answers it got) }.
 */
function cycle(port, i) {
  const mode = MODES[i % MODES.length];
  const expected = expectedBodies(mode);
  return new Promise((resolve) => {
    let done = false;
    let data = Buffer.alloc(0);
    let answers = 0;
    let answered = false;
    const socket = net.connect({ host: '127.0.0.1', port, localAddress: SOURCES[i % SOURCES.length] });
    const timer = setTimeout(() => finish(`timeout (${mode}, ${answered ? 'answered' : 'no answer'})`), CYCLE_TIMEOUT_MS);
    function finish(failure) {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (failure) socket.destroy();
      resolve({ mode, failure, answers });
    }
    /** Checks the answers complete so far; true once all are in (or one is wrong). */
    function check(eof) {
      for (;;) {
        const r = parse(data, eof);
        if (!r || !r.complete) return false;
        if (r.status !== 200) { finish(`status ${r.status}${r.bad ? ` (${JSON.stringify(r.bad)})` : ''} (${mode})`); return true; }
        if (!r.body.equals(expected[answers])) { finish(`wrong body (${mode})`); return true; }
        data = data.subarray(r.size);
        if (++answers === expected.length) {
          if (data.length) { finish(`bytes after the last answer (${mode})`); return true; }
          answered = true;
          return true;
        }
      }
    }
    socket.on('connect', () => {
      socket.write(request(mode, i));
      if (mode === 'abort') {
        // Long enough for the head and half the body to be read and the
        // handler to start; then the client goes away mid-body.
        setTimeout(() => {
          socket.destroy();
          finish(null);
        }, 2);
      }
    });
    socket.on('data', (d) => {
      data = data.length ? Buffer.concat([data, d]) : d;
      if (mode === 'abort') { finish(`answer to an unfinished request (${data.subarray(0, 40).toString('latin1')})`); return; }
      if (answered || !check(false) || done) return;
      if (mode === 'client-close') socket.end();
      else if (mode === 'client-reset') { socket.resetAndDestroy(); finish(null); }
      // server-close, http10 and pipelined: wait for the server's FIN.
    });
    socket.on('end', () => {
      if (mode === 'abort') return;
      if (!answered && !(check(true) && answered)) { finish(`closed before a full answer (${mode})`); return; }
      if (mode === 'server-close' || mode === 'http10' || mode === 'pipelined') socket.end();
    });
    socket.on('close', () => {
      if (mode === 'abort' || mode === 'client-reset') return;
      finish(answered ? null : `closed before a full answer (${mode})`);
    });
    socket.on('error', (err) => {
      if (!done) finish(`socket ${err.code || err.message} (${mode})`);
    });
  });
}

async function main() {
  const o = JSON.parse(process.env.SOAK_CYCLES);
  const first = o.start || 0;
  const end = first + o.count;
  const byMode = {};
  const failures = {};
  let next = first;
  let requests = 0;
  let failed = 0;
  const t0 = process.hrtime.bigint();
  const deadline = Date.now() + (o.maxSeconds || 3600) * 1000;
  await Promise.all(Array.from({ length: o.concurrency }, async () => {
    while (next < end && Date.now() < deadline) {
      const r = await cycle(o.port, next++);
      byMode[r.mode] = (byMode[r.mode] || 0) + 1;
      requests += r.answers;
      if (r.failure) {
        failed++;
        failures[r.failure] = (failures[r.failure] || 0) + 1;
      }
    }
  }));
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  process.stdout.write(`SOAKJSON ${JSON.stringify({ cycles: next - first, requests, failed, failures, byMode, ms })}\n`);
}

main().catch((err) => {
  process.stderr.write(`soak cycles: ${err.stack || err}\n`);
  process.exit(2);
});
