'use strict';
// Regression cases found by the differential fuzzer (npm run fuzz:diff):
// each input is sent to node:http and to rshttp running the same echo
// handler, the client half-closes after writing, and everything each
// server answers until it closes must be the same bytes (Date masked).
// scripts/fuzz/diff.js is the engine; this file pins the classes fixed.

const test = require('node:test');
const assert = require('node:assert');
const { startServers, runServerCase } = require('../scripts/fuzz/diff');

const CASES = {
  // The peer ends inside a request: llhttp_finish fails it, Node answers 400.
  'half-closed request line': { input: 'GE / HTTP/1.1' },
  'half-closed head': { input: 'GET / HTTP/1.1\r\nHost: a\r\n' },
  'half-closed after a complete request': { input: 'GET /a HTTP/1.1\r\nHost: a\r\n\r\nGET /b HTTP/1.1\r\nHo' },
  'half-closed Content-Length body': { input: 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nhello' },
  'half-closed chunked body': { input: 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n' },
  'half-closed in insecure mode': { input: 'GET / HTTP/1.1\r\nHost: a\r\n', variant: 'insecure' },
  // Not inside a request: nothing to answer.
  'blank lines then end': { input: '\r\n\r\n' },
  'complete request then end': { input: 'GET / HTTP/1.1\r\nHost: a\r\n\r\n' },
};

let servers;
test.before(async () => { servers = await startServers(); });
test.after(() => servers.close());

for (const [name, c] of Object.entries(CASES)) {
  test(`${name}: rshttp answers as node:http`, async () => {
    const r = await runServerCase(servers.pairs, { variant: 'default', ...c });
    assert.strictEqual(r.rshttp, r.node);
  });
}

test('a request cut off at the half-close gets 400', async () => {
  const r = await runServerCase(servers.pairs, { variant: 'default', input: 'GET / HTTP/1.1\r\nHost: a\r\n' });
  assert.match(r.rshttp, /^HTTP\/1\.1 400 Bad Request\r\n/);
});
