'use strict';
// The differential fuzzer's engine: the same input through node:http and
// rshttp side by side, in this process.
//
// Server side: pairs of servers (node:http and rshttp, one pair per parser
// option variant) run the same echo handler; a case's bytes are written to
// both over fresh connections, the client half-closes, and everything each
// server sends back until it closes (Date masked) is compared byte for byte.
// Client side: a raw server answers each client with the same bytes; what
// node:http's and rshttp's clients make of them (status, raw headers, body,
// trailers, interim responses, the error code) is compared.
// A differing case is minimised by deleting spans while it still differs.

const net = require('node:net');
const nodeHttp = require('node:http');
const rshttp = require('../../index.js');

/** Parser option variants: each server pair runs with one of them. */
const VARIANTS = {
  default: {},
  insecure: { insecureHTTPParser: true },
  join: { joinDuplicateHeaders: true },
};

/** Answers with what the server understood of the request. */
function echo(req, res) {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({
      method: req.method, url: req.url, version: req.httpVersion, headers: req.rawHeaders,
      joined: req.headers, trailers: req.rawTrailers, body: Buffer.concat(chunks).toString('latin1'),
    }));
  });
}

function listen(server) {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));
}

/** Starts a node:http and an rshttp echo server for each variant. */
async function startServers() {
  const pairs = {};
  const servers = [];
  for (const [name, options] of Object.entries(VARIANTS)) {
    const node = nodeHttp.createServer(options, echo);
    const ours = rshttp.createServer(options, echo);
    servers.push(node, ours);
    pairs[name] = { node: await listen(node), rshttp: await listen(ours) };
  }
  return {
    pairs,
    close: () => Promise.all(servers.map((s) => new Promise((r) => {
      s.closeAllConnections();
      s.close(r);
    }))),
  };
}

/**
 * Pause between the pieces of a case. Where the pieces fall decides what a
 * server's parser sees in one read, which matters (Node runs the nextTick
 * queue between reads; a declined upgrade drops the rest of its read), so
 * each piece must reach the server as a read of its own on both servers:
 * long enough for a loop busy with the other cases in flight to read it
 * first, and sent without Nagle's delay (which would merge a piece with the
 * next one).
 */
const PIECE_GAP_MS = 10;

/** Silence after which an exchange whose server neither answers nor closes ends. */
const QUIET_MS = 1000;

/**
 * Writes `input` (latin1) to `port` in the given pieces, half-closes, and
 * resolves to every byte received until the server closes (or goes quiet).
 */
function exchange(port, input, pieces) {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    sock.setNoDelay(true);
    let got = '';
    let idle = null;
    let settled = false;
    const done = () => {
      if (settled) return;
      settled = true;
      clearTimeout(idle);
      clearTimeout(cap);
      sock.destroy();
      resolve(got);
    };
    // Servers close once the client's half-close reaches them, so this
    // only ends an exchange where one hangs: generous, so that a server slow
    // to answer on a loaded machine is not taken for one that hangs.
    const quiet = () => {
      if (settled) return;
      clearTimeout(idle);
      idle = setTimeout(done, QUIET_MS);
    };
    const cap = setTimeout(done, 3000);
    sock.setEncoding('latin1');
    sock.on('data', (d) => {
      got += d;
      quiet();
    });
    sock.on('error', () => {});
    sock.on('close', done);
    sock.on('connect', async () => {
      let at = 0;
      for (const size of pieces) {
        if (sock.destroyed) break;
        sock.write(Buffer.from(input.slice(at, at + size), 'latin1'));
        at += size;
        await new Promise((r) => setTimeout(r, PIECE_GAP_MS));
      }
      if (!sock.destroyed) {
        sock.write(Buffer.from(input.slice(at), 'latin1'));
        sock.end();
      }
      quiet();
    });
  });
}

const maskDate = (s) => s.replace(/\r\nDate: [^\r\n]*\r\n/g, '\r\nDate: <masked>\r\n');

/** The status lines of an answer, for grouping differences. */
function statusSummary(answer) {
  const lines = [...answer.matchAll(/(?:^|\r\n\r\n|\})(HTTP\/1\.[01] \d{3})/g)].map((m) => m[1].slice(9));
  if (!answer.length) return 'nothing';
  return lines.length ? lines.join('+') : 'bytes without a status line';
}

/** Runs one server-side case; resolves to `{ same, node, rshttp }` (masked). */
async function runServerCase(pairs, c) {
  const pair = pairs[c.variant];
  const [node, ours] = await Promise.all([
    exchange(pair.node, c.input, c.pieces || []),
    exchange(pair.rshttp, c.input, c.pieces || []),
  ]);
  const a = maskDate(node);
  const b = maskDate(ours);
  return { same: a === b, node: a, rshttp: b };
}

/** Raw servers for the client side: each connection gets the case's bytes. */
async function startResponder() {
  const pending = new Map(); // request path -> response bytes
  const server = net.createServer((sock) => {
    let head = '';
    sock.setEncoding('latin1');
    sock.on('error', () => {});
    sock.on('data', (d) => {
      head += d;
      if (!head.includes('\r\n\r\n')) return;
      const path = head.split(' ')[1];
      const bytes = pending.get(path) || 'HTTP/1.1 500 Unknown\r\n\r\n';
      sock.end(Buffer.from(bytes, 'latin1'));
    });
  });
  const port = await listen(server);
  let n = 0;
  return {
    port,
    serve(bytes) {
      const path = `/c${n++}`;
      pending.set(path, bytes);
      return path;
    },
    close: () => new Promise((r) => server.close(r)),
  };
}

/** What one client makes of a response; resolves to a JSON-able record. */
function clientOutcome(http, port, path, method, insecure) {
  return new Promise((resolve) => {
    const out = { events: [], informational: [] };
    let settled = false;
    const done = () => {
      if (settled) return;
      settled = true;
      clearTimeout(cap);
      resolve(out);
    };
    const cap = setTimeout(() => {
      out.events.push('hang');
      req.destroy();
      done();
    }, 2000);
    const req = http.request({ host: '127.0.0.1', port, path, method, agent: false, insecureHTTPParser: !!insecure });
    req.on('information', (info) => out.informational.push([info.statusCode, info.rawHeaders]));
    req.on('response', (res) => {
      out.events.push('response');
      Object.assign(out, { status: res.statusCode, message: res.statusMessage, version: res.httpVersion,
        headers: res.rawHeaders });
      const chunks = [];
      res.on('data', (d) => chunks.push(d));
      res.on('aborted', () => out.events.push('aborted'));
      res.on('error', (e) => out.events.push(`res error ${e.code}`));
      res.on('end', () => {
        out.events.push('end');
        out.trailers = res.rawTrailers;
      });
      res.on('close', () => {
        out.body = Buffer.concat(chunks).toString('latin1');
        done();
      });
    });
    req.on('error', (e) => {
      out.events.push(`error ${e.code}`);
      setImmediate(done);
    });
    req.on('close', () => setTimeout(done, 20));
    req.end();
  });
}

/** Runs one client-side case on both clients. */
async function runClientCase(responder, c) {
  const method = c.method || 'GET';
  const [a, b] = await Promise.all([
    clientOutcome(nodeHttp, responder.port, responder.serve(c.input), method, c.insecure),
    clientOutcome(rshttp, responder.port, responder.serve(c.input), method, c.insecure),
  ]);
  const node = JSON.stringify(a);
  const ours = JSON.stringify(b);
  return { same: node === ours, node, rshttp: ours };
}

/**
 * Shrinks `input` while `differs(input)` holds: deletes spans from half the
 * length down to single bytes, at most `budget` checks.
 */
async function minimise(input, differs, budget = 150) {
  let best = input;
  let checks = 0;
  for (let span = Math.max(1, best.length >> 1); span >= 1 && checks < budget; span >>= 1) {
    for (let at = 0; at < best.length && checks < budget;) {
      const candidate = best.slice(0, at) + best.slice(at + span);
      checks++;
      if (candidate.length && await differs(candidate)) best = candidate;
      else at += span;
    }
  }
  return best;
}

module.exports = {
  VARIANTS, startServers, runServerCase, startResponder, runClientCase, minimise, statusSummary,
};
