'use strict';
// A socket 'data' listener on a server connection runs last in its read's
// callback, as in Node (the HTTP parser's listener came first), and what it
// queues on the next tick runs before the connection's next read is seen.
// On the I/O threads two reads of one connection can reach JS in one
// batch; the ticks between them must still run between them (Node's
// test-http-dump-req-when-res-ends.js lost its body 1-2 % of the time when
// they did not: a request dumped by a response finished on such a tick
// flowed its buffered body to no listener).

const { spawn } = require('node:child_process');
const { once } = require('node:events');
const { test } = require('node:test');
const assert = require('node:assert');
const http = require('..');
const { busy } = require('./_client_util');

/** A child process that sends `parts` to `port`, `gapMs` apart, then waits for the answer. */
function sendInParts(port, parts, gapMs) {
  const script = `
    const s = require('net').connect(${port}, '127.0.0.1');
    const parts = ${JSON.stringify(parts)};
    s.on('connect', async () => {
      for (const p of parts) {
        s.write(p);
        await new Promise((r) => setTimeout(r, ${gapMs}));
      }
    });
    s.on('data', () => s.end());
    s.on('error', () => {});
  `;
  return spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
}

test('a socket data listener\'s ticks run before the next read\'s events, on the I/O threads', { timeout: 20_000 }, async () => {
  const log = [];
  let done;
  const finished = new Promise((resolve) => { done = resolve; });
  const server = http.createServer({ ioThreads: 2 }, (req, res) => {
    req.socket.on('data', (d) => {
      log.push(`socket data ${d.length}`);
      process.nextTick(() => log.push('tick'));
    });
    req.on('data', (c) => log.push(`req data ${c.length}`));
    req.on('end', () => {
      log.push('req end');
      res.end('ok');
      done();
    });
    // Both body parts are read while JS is busy (the I/O threads read
    // meanwhile), into one batch.
    busy(300);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const head = 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n';
  const child = sendInParts(server.address().port, [head, '3\r\nabc\r\n', '2\r\nde\r\n0\r\n\r\n'], 60);
  await finished;
  await once(child, 'exit');
  server.close();
  // Each read: the parser's events, then the socket's copy, then its tick.
  assert.deepStrictEqual(log, [
    'req data 3', 'socket data 8', 'tick',
    'req data 2', 'socket data 12', 'req end', 'tick',
  ]);
});
