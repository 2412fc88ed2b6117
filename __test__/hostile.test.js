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
  // llhttp's grammar (src/proto): the request line.
  'HTTP/0.9 request line': { input: 'GET /path\r\n\r\n' },
  'HTTP/0.9 request line with fields': { input: 'GET /path\r\nHost: a\r\n\r\n' },
  'HTTP/0.9 after a request, bare LF': { input: 'GET / HTTP/1.1\r\nHost:\r\n\r\nGET /\nt:\r\n\r\n' },
  'HTTP/2.0 request line': { input: 'GET / HTTP/2.0\r\nHost: a\r\n\r\n' },
  'RTSP method and protocol': { input: 'DESCRIBE / RTSP/1.0\r\n\r\n' },
  'RTSP method with HTTP/': { input: 'DESCRIBE / HTTP/1.1\r\nHost: a\r\n\r\n' },
  'target of no form': { input: 'GET 00/old HTTP/1.0\r\n\r\n' },
  'target that is a bare scheme': { input: 'PUT e HTTP/1.1\r\nHost:\r\nContent-Length:4\r\n\r\ndata' },
  'CONNECT target with a quote': { input: 'CONNECT " HTTP/1.1\n\n', variant: 'insecure' },
  'CR CR after the version (insecure)': { input: 'GET / HTTP/1.1\r\r\n', variant: 'insecure' },
  // Fields.
  'space before a special colon (insecure)': { input: 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n', variant: 'insecure' },
  'obs-fold (insecure)': { input: 'GET / HTTP/1.1\r\nHost: a\r\nX-Folded: one\r\n  two \r\n\r\n', variant: 'insecure' },
  'empty TE folded onto chunked (insecure)': { input: 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n', variant: 'insecure' },
  'DEL in a value (insecure)': { input: 'GET / HTTP/1.1\r\nHost: a\r\nX-Del: v\x7fv\r\n\r\n', variant: 'insecure' },
  'tab after Content-Length': { input: 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\t\r\n\r\nx' },
  'empty Content-Length': { input: 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n' },
  'bare LF lines (insecure)': { input: 'POST / HTTP/1.1\nHost:\nContent-Length:3\n\nabc', variant: 'insecure' },
  // Chunked bodies.
  'chunk size followed by a space': { input: 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5 \r\nhello\r\n0\r\n\r\n' },
  'chunk size followed by a space (insecure)': { input: 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5 \r\nhello\r\n0\r\n\r\n', variant: 'insecure' },
  'chunk extension outside the grammar': { input: 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3;HTTP/2.0x=y\r\nabc\r\n0\r\n\r\n' },
  'quoted chunk extension': { input: 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3;a="b\\"c";d\r\nabc\r\n0\r\n\r\n' },
  'Content-Length in trailers': { input: 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nContent-Length: 5\r\n\r\n' },
  // After a message that does not keep the connection.
  'request after HTTP/1.0': { input: 'GET / HTTP/1.0\r\n\r\nGET / HTTP/1.0\r\n\r\n' },
  'request after Connection: close': { input: 'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\nGET / HTTP/1.0\r\n\r\n' },
  'junk after a complete request': { input: 'GET / HTTP/1.1\r\nHost: a\r\n\r\n\x01\x02junk\r\n\r\n' },
  // insecureHTTPParser sets llhttp's LENIENT_KEEP_ALIVE: after a message
  // that does not keep the connection the parser restarts, so what follows
  // is parsed as a request (junk there draws a 400 before the response).
  'junk after HTTP/1.0 (insecure)': { input: 'GET / HTTP/1.0\r\n\r\nx', variant: 'insecure' },
  'junk after HTTP/0.9 (insecure)': { input: 'GET /\r\n\r\nx', variant: 'insecure' },
  'CR then junk after HTTP/0.9 (insecure)': { input: 'POST /\nT: c\r\n\r5', variant: 'insecure' },
  'request after HTTP/1.0 (insecure)': { input: 'GET /a HTTP/1.0\r\n\r\nGET /b HTTP/1.0\r\n\r\n', variant: 'insecure' },
  // A body that runs until close (insecure: a Transfer-Encoding other than
  // chunked) ends in Node's socket 'end' handler, which then ends the
  // socket: the request's 'end' comes a tick later and its response is
  // never sent.
  'body until close ended by the peer (insecure)': { input: 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\nbody', variant: 'insecure' },
  'HTTP/0.9 body until close (insecure)': { input: 'POST /\nTransfer-Encoding:d\n\rl', variant: 'insecure' },
  // An upgrade Node declines (no 'upgrade' listener): llhttp pauses at the
  // message's end and Node drops the rest of that read; later reads are
  // parsed, but their errors are not reported while llhttp's `upgrade`
  // flag stands (until the next head completes).
  'bytes after a declined upgrade': { input: 'GET / HTTP/1.1\r\nHost:\r\nUpgrade:b\r\nConnection:Upgrade\r\n\r\ng' },
  'request after a declined upgrade': { input: 'GET / HTTP/1.1\r\nHost: a\r\nUpgrade: b\r\nConnection: Upgrade\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n' },
  'bytes after a declined upgrade with a body': { input: 'POST / HTTP/1.1\r\nHost: a\r\nUpgrade: b\r\nConnection: Upgrade\r\nContent-Length: 3\r\n\r\nabcx' },
  'junk in a later read after a declined upgrade': { input: 'GET / HTTP/1.1\r\nHost: a\r\nUpgrade: b\r\nConnection: Upgrade\r\n\r\nxyz', pieces: [61] },
  'cut-off request after a declined upgrade': { input: 'GET / HTTP/1.1\r\nHost: a\r\nUpgrade: b\r\nConnection: Upgrade\r\n\r\nGET /2 HTTP/1.1\r\nHo', pieces: [61] },
  'declined upgrade whose Transfer-Encoding is not chunked': { input: 'GET / HTTP/1.1\r\nHost: a\r\nUpgrade: b\r\nConnection: Upgrade\r\nTransfer-Encoding: gzip\r\n\r\nx' },
  // Node's parser runs the nextTick queue after each body piece it hands to
  // JS: an earlier request's 'end' (and so its response) comes before an
  // error later in the same read.
  'response before a later error in the same read': { input: 'POST /1 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabcPOST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabczz' },
  'response before a later error (insecure, HTTP/0.9)': { input: 'POST / HTTP/1.1\nHost:\nContent-Length:3\n\nabcPOST /\nHt:\r\nTransfer-Encoding: chunked\r\n\r\n1\rfer', variant: 'insecure' },
  'no body piece before the error': { input: 'GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\nzz' },
  // Field values as llhttp 9.3.1 reads them: an empty Transfer-Encoding sets
  // nothing; a tab after a Connection token makes it another token.
  'empty Transfer-Encoding': { input: 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\nContent-Length: 3\r\n\r\nabc' },
  'empty Transfer-Encoding then chunked (join)': { input: 'POST /\nTransfer-Encoding:\r\nTransfer-Encoding:chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n', variant: 'join' },
  'empty Transfer-Encoding then another (insecure)': { input: 'POST /\nH:\nTransfer-Encoding:\nTransfer-Encoding:c\n\n', variant: 'insecure' },
  'Content-Length then an empty Transfer-Encoding': { input: 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding:\r\n\r\nabc' },
  'tab after Connection: close': { input: 'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\t\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n' },
  'tab after Connection: keep-alive': { input: 'GET / HTTP/1.0\r\nConnection: keep-alive\t\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n' },
  // Header size as Node counts it: the target, names and values llhttp
  // hands its parser, failing at 16384 (the method, version, blanks and
  // line ends are not counted); an error inside a span comes first.
  'head just under the header size limit': { input: `GET / HTTP/1.1\r\nHost: a\r\nX:    ${'v'.repeat(16376)}\r\n\r\n` },
  'head at the header size limit': { input: `GET / HTTP/1.1\r\nHost: a\r\nX: ${'v'.repeat(16377)}\r\n\r\n` },
  'long name without a colon': { input: `GET / HTTP/1.1\r\nHost: a\r\n${'x'.repeat(17000)}\r\n\r\n` },
  'trailers at the header size limit': { input: `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX: ${'t'.repeat(16383)}\r\n\r\n` },
  // URL bytes as llhttp 9.3.1 (Node 20.20) takes them: no tab, form feed or
  // byte with the high bit set in a path, query or fragment.
  'tab in a path': { input: 'GET /a\tb HTTP/1.1\r\nHost: a\r\n\r\n' },
  'tab ending an HTTP/0.9 path': { input: 'GET /\t\n\r\n', variant: 'join' },
  'form feed in a query (insecure)': { input: 'GET /?\f HTTP/1.1\r\nHost: a\r\n\r\n', variant: 'insecure' },
  'high byte in a path': { input: 'GET /caf\xe9 HTTP/1.1\r\nHost: a\r\n\r\n' },
  'high byte in a fragment': { input: 'GET /#\xff HTTP/1.1\r\nHost: a\r\n\r\n' },
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

// Deliberate departure (src/proto/headers.rs, UNCOUNTED_SLACK): llhttp skips
// blanks (after the method, after the target, before values) without
// counting them against maxHeaderSize and keeps none of them, so Node reads
// any number of them; rshttp buffers an unfinished head and refuses one
// that holds 64 KiB more than the limit, to bound that memory.
test('departure: a head with more than 64 KiB of uncounted blanks gets 431', async () => {
  const input = `GET ${' '.repeat(16384 + 65536 + 1)}/ HTTP/1.1\r\nHost: a\r\n\r\n`;
  const r = await runServerCase(servers.pairs, { variant: 'default', input, pieces: [16384 + 65536 + 4] });
  assert.match(r.node, /^HTTP\/1\.1 200 OK\r\n/);
  assert.match(r.rshttp, /^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
});

test('a request cut off at the half-close gets 400', async () => {
  const r = await runServerCase(servers.pairs, { variant: 'default', input: 'GET / HTTP/1.1\r\nHost: a\r\n' });
  assert.match(r.rshttp, /^HTTP\/1\.1 400 Bad Request\r\n/);
});
