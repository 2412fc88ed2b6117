'use strict';
// Regression cases for rshttp's client found by the differential fuzzer:
// a raw server answers each request with the case's bytes, and what
// node:http's client and rshttp's make of them (events, error code,
// status, headers, body, trailers, informational responses) must agree.

const test = require('node:test');
const assert = require('node:assert');
const { startResponder, runClientCase } = require('../scripts/fuzz/diff');

const CASES = {
  // llhttp's error codes.
  'CR CR after the status line': { input: 'HTTP/1.1 404 \r\r\n' },
  'lone CR after the status line': { input: 'HTTP/1.1 404 \rX\r\n' },
  'space before the first field': { input: 'HTTP/1.1 200 OK\r\n A: b\r\n\r\n' },
  'bare LF after a value': { input: 'HTTP/1.1 200 OK\r\nA: b\n\r\n' },
  'Transfer-Encoding after Content-Length': { input: 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n' },
  'tab after Content-Length': { input: 'HTTP/1.1 200\r\nContent-Length:1\t\r\n\r\nx' },
  'bad version': { input: 'HTTP/3.1 200 OK\r\n\r\n' },
  'HTTP/2.0 response': { input: 'HTTP/2.0 200 OK\r\nContent-Length: 2\r\n\r\nok' },
  'chunk extension outside the grammar': { input: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;a b\r\nabc\r\n0\r\n\r\n' },
  // Bytes after a complete response.
  'bytes after a keep-alive response': { input: 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\naX' },
  'bytes after Connection: close': { input: 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nConnection: close\r\n\r\naX' },
  'bytes after HTTP/1.0 answer to HEAD': { input: 'HTTP/1.0 200 \r\n\r\no', method: 'HEAD' },
  'bytes after 100 with Connection: close': { input: 'HTTP/1.1 100 \r\nConnection:close\r\n\r\nn', method: 'HEAD' },
  'a double response': { input: 'HTTP/1.1 103 \r\n\r\nHTTP/1.1 201 \r\n\r\nHTTP/1.1 200 \r\n\r\nk', method: 'HEAD' },
  // insecureHTTPParser (LENIENT_KEEP_ALIVE): after a response that does not
  // keep the connection the parser restarts, so later bytes are parsed.
  'bytes after Connection: close (insecure)': { input: 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nConnection: close\r\n\r\naX', insecure: true },
  'bad status line after HTTP/1.0 (insecure)': { input: 'HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\naHTTP/1.1 zzz', insecure: true },
  'a second response after HTTP/1.0 (insecure)': { input: 'HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\naHTTP/1.1 200 OK\r\n\r\n', insecure: true },
  // Field values as llhttp 9.3.1 reads them.
  'empty Transfer-Encoding': { input: 'HTTP/1.1 200 \r\nTransfer-Encoding:\r\n\r\n' },
  'tab after Connection: close': { input: 'HTTP/1.1 200 \r\ncOnnEction:close\t\r\n\r\nu', method: 'HEAD' },
  // Header size: what llhttp hands Node's parser is counted (status text,
  // names, values), and it fails at 16384 of those.
  'head just under the header size limit': { input: `HTTP/1.1 200 OK\r\nX: ${'v'.repeat(16365)}\r\nContent-Length: 0\r\n\r\n` },
  'head at the header size limit': { input: `HTTP/1.1 200 OK\r\nX: ${'v'.repeat(16366)}\r\nContent-Length: 0\r\n\r\n` },
};

let responder;
test.before(async () => { responder = await startResponder(); });
test.after(() => responder.close());

for (const [name, c] of Object.entries(CASES)) {
  test(`client, ${name}: rshttp reads it as node:http`, async () => {
    const r = await runClientCase(responder, c);
    assert.strictEqual(r.rshttp, r.node);
  });
}
