'use strict';

// Differential tests of rshttp's OutgoingMessage against Node's
// http.OutgoingMessage: header API, head serialisation (_storeHeader),
// queueing before a socket, corking, backpressure and events. A recording
// stream.Writable stands in for the socket so that the exact sequence of
// socket writes (and how cork batched them) can be compared.

const test = require('node:test');
const assert = require('node:assert');
const http = require('http');
const { Writable } = require('stream');
const ours = require('../lib/outgoing_message');
const { thrown } = require('./_wire');

// Node's private symbols, found on instances that Node itself initialised.
const nodeOutHeaders = Object.getOwnPropertySymbols(new http.OutgoingMessage())
  .find((s) => s.description === 'kOutHeaders');
let nodeUniqueHeaders;

const impls = [
  { name: 'node', OM: http.OutgoingMessage, kOut: nodeOutHeaders, kUnique: () => nodeUniqueHeaders },
  { name: 'ours', OM: ours.OutgoingMessage, kOut: ours.kOutHeaders, kUnique: () => ours.kUniqueHeaders },
];

/** An OutgoingMessage subclass that writes a request head, like ClientRequest. */
function makeMessage(impl, options) {
  const msg = new impl.OM(options);
  msg._implicitHeader = function() {
    this._storeHeader('POST /x HTTP/1.1\r\n', this[impl.kOut]);
  };
  return msg;
}

/** A writable that records each batch the stream machinery hands down. */
function makeSocket(highWaterMark = 16384) {
  const batches = [];
  const s = new Writable({
    highWaterMark,
    write(chunk, enc, cb) { batches.push(chunk.toString('latin1')); cb(); },
    writev(list, cb) { batches.push(list.map((x) => x.chunk.toString('latin1')).join('')); cb(); },
  });
  s.batches = batches;
  s.timeouts = [];
  s.setTimeout = (ms) => s.timeouts.push(ms);
  return s;
}

function attach(msg, socket) {
  socket._httpMessage = msg;
  msg.socket = socket;
  msg.emit('socket', socket);
}

/** Runs `fn(impl)` for Node and rshttp; asserts equal results; returns Node's. */
async function pair(fn) {
  const a = await fn(impls[0]);
  const b = await fn(impls[1]);
  assert.deepStrictEqual(b, a);
  return a;
}

function tick() {
  return new Promise((r) => setImmediate(r));
}

test('find Node\'s kUniqueHeaders symbol', async () => {
  const server = http.createServer({ uniqueHeaders: ['x'] }, (req, res) => {
    nodeUniqueHeaders = Object.getOwnPropertySymbols(res).find((s) => s.description === 'kUniqueHeaders');
    res.end();
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  await new Promise((r) => http.get({ port: server.address().port, host: '127.0.0.1', agent: false },
                                    (res) => { res.resume(); res.on('end', r); }));
  server.close();
  assert.strictEqual(typeof nodeUniqueHeaders, 'symbol');
});

test('header map API', async () => {
  const out = await pair(({ OM }) => {
    const m = new OM();
    const log = [];
    log.push(m.setHeader('Content-Type', 'text/plain') === m);
    m.setHeader('X-Arr', ['a', 'b']);
    m.setHeader('x-CASE', 1);
    log.push(m.appendHeader('X-Arr', 'c') === m);
    m.appendHeader('x-case', ['2', '3']);
    m.appendHeader('New', 'n');
    log.push(m.getHeader('content-type'), m.getHeader('X-ARR'), m.getHeader('missing'));
    log.push(m.getHeaderNames(), m.getRawHeaderNames());
    const h = m.getHeaders();
    log.push(Object.getPrototypeOf(h), { ...h });
    log.push(m.hasHeader('X-Case'), m.hasHeader('nope'));
    m.removeHeader('X-CASE');
    log.push(m.getHeaderNames(), m.removeHeader('absent'));
    log.push(m._renderHeaders());
    log.push(new OM().getHeaderNames(), new OM().getRawHeaderNames(), new OM().getHeader('a'));
    return log;
  });
  assert.deepStrictEqual(out[5], ['content-type', 'x-arr', 'x-case', 'new']);
  assert.deepStrictEqual(out[6], ['Content-Type', 'X-Arr', 'x-CASE', 'New']);
  assert.strictEqual(out[7], null);
});

test('deprecated _headers and _headerNames accessors', async () => {
  const prev = process.noDeprecation;
  process.noDeprecation = true;
  try {
    await pair(({ OM }) => {
      const m = new OM();
      const log = [m._headers && { ...m._headers }, m._headerNames];
      m._headers = { 'X-A': '1', B: '2' };
      log.push(m.getRawHeaderNames(), { ...m._headerNames });
      m._headerNames = { 'x-a': 'X-a' };
      log.push(m.getRawHeaderNames());
      m._headers = null;
      log.push(m.getHeaderNames());
      return log;
    });
  } finally {
    process.noDeprecation = prev;
  }
});

const storeCases = [
  ['object headers', { 'Host': 'h', 'X-A': ['1', '2'] }],
  ['flat array', ['Host', 'h', 'Cookie', 'a', 'cookie', 'b']],
  ['array of pairs', [['Host', 'h'], ['Cookie', ['a=1', 'b=2']]]],
  ['content-length', { 'Content-Length': '3' }],
  ['transfer-encoding chunked', { 'Transfer-Encoding': 'gzip, chunked' }],
  ['transfer-encoding other', { 'Transfer-Encoding': 'gzip' }],
  ['connection close', { 'Connection': 'Close' }],
  ['connection upgrade', { 'Connection': 'upgrade' }],
  ['user date', { 'date': 'yesterday' }],
  ['trailer', { 'Trailer': 'X-T' }],
  ['keep-alive header', { 'Keep-Alive': 'timeout=1' }],
  ['expect', { 'Expect': '100-continue' }],
  ['none', null],
];

for (const [label, headers] of storeCases) {
  test(`_storeHeader: ${label}`, async () => {
    const out = await pair(({ OM }) => {
      const results = [];
      const variants = [
        {},
        { sendDate: true },
        { useChunkedEncodingByDefault: false },
        { useChunkedEncodingByDefault: false, agent: {} },
        { shouldKeepAlive: false },
        { _hasBody: false },
        { _contentLength: 7 },
        { _keepAliveTimeout: 2000, _maxRequestsPerSocket: 9 },
        { maxRequestsOnConnectionReached: true },
        { _removedConnection: true, shouldKeepAlive: false },
        { _removedContLen: true, _contentLength: 4 },
        { _removedTE: true },
        { statusCode: 204, chunkedEncoding: true },
      ];
      // The generated Date header is the clock's: the two runs may fall in
      // different seconds.
      const dateless = (h) => h.replace(/Date: (?!yesterday)[^\r]*/, 'Date: <date>');
      for (const v of variants) {
        const m = new OM();
        Object.assign(m, v);
        const copy = headers && JSON.parse(JSON.stringify(headers));
        const err = thrown(() => m._storeHeader('GET / HTTP/1.1\r\n', copy));
        results.push({
          err,
          header: m._header && dateless(m._header),
          last: m._last,
          chunked: m.chunkedEncoding,
          keepAlive: m.shouldKeepAlive,
          contentLength: m._contentLength,
          queued: m.outputData.map((o) => dateless(String(o.data))),
          defaultKeepAlive: m._defaultKeepAlive,
        });
      }
      return results;
    });
    assert.ok(out.length > 0);
    if (headers === null) {
      assert.strictEqual(out[0].header, 'GET / HTTP/1.1\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n');
    }
  });
}

test('_storeHeader: user Date header replaces the generated one', async () => {
  const out = await pair(({ OM, kOut }) => {
    const m = new OM();
    m.sendDate = true;
    m.setHeader('Date', 'Thu, 01 Jan 1970 00:00:00 GMT');
    m._storeHeader('GET / HTTP/1.1\r\n', m[kOut]);
    return m._header;
  });
  assert.strictEqual((out.match(/Date:/g) || []).length, 1);
});

test('_storeHeader: odd flat array throws ERR_INVALID_ARG_VALUE', async () => {
  const out = await pair(({ OM }) => thrown(() => new OM()._storeHeader('x\r\n', ['a', 'b', 'c'])));
  assert.strictEqual(out.code, 'ERR_INVALID_ARG_VALUE');
});

test('_storeHeader: uniqueHeaders join values', async () => {
  const out = await pair(({ OM, kUnique }) => {
    const m = new OM();
    m[kUnique()] = ours.parseUniqueHeadersOption(['X-U', 'set-cookie']);
    m._storeHeader('GET / HTTP/1.1\r\n', { 'x-u': ['1', '2'], 'Set-Cookie': ['a', 'b'], 'X-O': ['3', '4'] });
    m.addTrailers({ 'X-U': ['5', '6'], 'x-o': ['7', '8'] });
    return [m._header, m._trailer];
  });
  assert.match(out[0], /x-u: 1; 2\r\nSet-Cookie: a; b\r\nX-O: 3\r\nX-O: 4\r\n/);
  assert.strictEqual(out[1], 'X-U: 5; 6\r\nx-o: 7\r\nx-o: 8\r\n');
  assert.strictEqual(ours.parseUniqueHeadersOption('x'), null);
});

test('_storeHeader: Content-Disposition is latin1-encoded with a Content-Length', async () => {
  const out = await pair(({ OM, kOut }) => {
    const value = 'attachment; filename="\u00e9.txt"';
    const viaObject = new OM();
    viaObject._contentLength = 3;
    const err = thrown(() => viaObject._storeHeader('GET / HTTP/1.1\r\n', { 'Content-Disposition': value }));
    const viaMap = new OM();
    viaMap._contentLength = 3;
    viaMap.setHeader('Content-Disposition', value);
    viaMap._storeHeader('GET / HTTP/1.1\r\n', viaMap[kOut]);
    const noLength = new OM();
    noLength.setHeader('Content-Disposition', value);
    noLength._storeHeader('GET / HTTP/1.1\r\n', noLength[kOut]);
    return [err, viaMap._header, noLength._header];
  });
  // The latin1 byte decodes as U+FFFD, which validation then rejects.
  assert.strictEqual(out[0].code, 'ERR_INVALID_CHAR');
  assert.ok(out[1].includes('filename="\ufffd.txt"'));
  assert.ok(out[2].includes('filename="\u00e9.txt"'));
});

test('_implicitHeader is abstract', async () => {
  const out = await pair(({ OM }) => [
    thrown(() => new OM()._implicitHeader()),
    thrown(() => new OM().write('x')),
    thrown(() => new OM().end('x')),
  ]);
  assert.strictEqual(out[0].code, 'ERR_METHOD_NOT_IMPLEMENTED');
  assert.strictEqual(out[0].message, 'The _implicitHeader() method is not implemented');
});

test('writes queue in outputData until a socket is attached', async () => {
  const out = await pair(async (impl) => {
    const m = makeMessage(impl, { highWaterMark: 20 });
    const log = [];
    m.on('drain', () => log.push('drain'));
    m.on('prefinish', () => log.push('prefinish'));
    m.on('finish', () => log.push('finish'));
    log.push(['w', m.write('hello')]);
    log.push(['w', m.write(Buffer.from('world, this is long'))]);
    log.push(['needDrain', m.writableNeedDrain, m.writableLength, m.writableHighWaterMark]);
    log.push(m.outputData.map((o) => [String(o.data), o.encoding]), m.outputSize);
    const socket = makeSocket();
    attach(m, socket);
    m._flush();
    log.push(['flushed', m.outputData.length, m.outputSize, m.writableNeedDrain]);
    m.end('!');
    await tick();
    log.push(socket.batches, m.writableFinished, m.writableEnded);
    return log;
  });
  // The queued head alone exceeds the 20-byte high-water mark.
  assert.deepStrictEqual(out[0], ['w', false]);
  assert.deepStrictEqual(out[2].slice(0, 2), ['needDrain', true]);
  assert.ok(out.includes('drain'));
  assert.ok(out.indexOf('drain') < out.indexOf('prefinish'));
});

test('cork/uncork and auto-cork batches socket writes', async () => {
  const out = await pair(async (impl) => {
    const m = makeMessage(impl);
    const socket = makeSocket();
    attach(m, socket);
    m.cork();
    m.write('a');
    m.write('b');
    const corked = m.writableCorked;
    m.uncork();
    m.write('c');
    m.write('d');
    await tick();
    m.write('e');
    m.end('f');
    await tick();
    return [corked, socket.batches, m.writableCorked];
  });
  assert.strictEqual(out[1].length, 3);
  assert.strictEqual(out[1][1], '1\r\nc\r\n1\r\nd\r\n');
});

test('cork counted before a socket, applied by _flushOutput', async () => {
  const out = await pair(async (impl) => {
    const m = makeMessage(impl);
    m.cork();
    m.cork();
    m.uncork();
    const before = m.writableCorked;
    m.write('x');
    const socket = makeSocket();
    attach(m, socket);
    m._flush();
    const after = [m.writableCorked, socket.batches.length];
    m.uncork();
    await tick();
    return [before, after, socket.batches];
  });
  assert.deepStrictEqual(out[1], [1, 0]);
});

test('end() variants and finish callback', async () => {
  const out = await pair(async (impl) => {
    const log = [];
    const m = makeMessage(impl);
    const socket = makeSocket();
    attach(m, socket);
    m.on('finish', () => log.push('finish'));
    m.end(() => log.push('cb'));
    log.push(['sync', m.finished, m.writableEnded, m._contentLength]);
    m.end(() => log.push('cb2'));
    await tick();
    log.push(socket.batches);
    m.end((err) => log.push(['cb3', err && err.code]));
    m.end('late', (err) => log.push(['late', err && err.code]));
    m.on('error', (err) => log.push(['error', err.code]));
    await tick();
    return log;
  });
  assert.deepStrictEqual(out[0], ['sync', true, true, 0]);
});

test('write errors: null, wrong type, after end, after destroy', async () => {
  const out = await pair(async (impl) => {
    const log = [];
    const m = makeMessage(impl);
    m.on('error', (err) => log.push(['error', err.code, err.message]));
    log.push(thrown(() => m.write(null)));
    log.push(thrown(() => m.write(1)));
    log.push(thrown(() => m.write(undefined)));
    log.push(thrown(() => m.write([1])));
    m.end();
    log.push(['w', m.write('x', (err) => log.push(['cb', err.code]))]);
    log.push('sync');
    await tick();
    const d = makeMessage(impl);
    d.on('error', (err) => log.push(['d-error', err.code]));
    d.destroy(new Error('boom'));
    log.push(['errored', d.errored && d.errored.message, d.destroyed]);
    log.push(['dw', d.write('y', (err) => log.push(['dcb', err.code]))]);
    const s = makeSocket();
    s.destroy = (err) => log.push(['socket-destroy', err && err.message]);
    d.emit('socket', s);
    await tick();
    return log;
  });
  assert.strictEqual(out[0].code, 'ERR_STREAM_NULL_VALUES');
  assert.strictEqual(out[1].message,
                     'The "chunk" argument must be of type string or an instance of Buffer or Uint8Array. ' +
                     'Received type number (1)');
});

test('setTimeout before and after the socket', async () => {
  const out = await pair(async (impl) => {
    const m = makeMessage(impl);
    let fired = 0;
    const ret = m.setTimeout(100, () => fired++) === m;
    const s = makeSocket();
    attach(m, s);
    m.setTimeout(200);
    m.emit('timeout');
    return [ret, s.timeouts, fired, m.connection === s];
  });
  assert.deepStrictEqual(out[1], [100, 200]);
});

test('addTrailers validation and formatting', async () => {
  const out = await pair(({ OM }) => {
    const m = new OM();
    const res = [];
    m.addTrailers([['X-A', '1'], ['X-B', ['2', '3']]]);
    res.push(m._trailer);
    m.addTrailers({ 'X-One': ['only'] });
    res.push(m._trailer);
    res.push(thrown(() => m.addTrailers({ '': 'v' })));
    res.push(thrown(() => m.addTrailers({ a: 'x\ry' })));
    return res;
  });
  assert.strictEqual(out[0], 'X-A: 1\r\nX-B: 2\r\nX-B: 3\r\n');
  assert.strictEqual(out[2].message, 'Trailer name must be a valid HTTP token [""]');
});

test('flushHeaders, headersSent and chunked trailers on the wire', async () => {
  const out = await pair(async (impl) => {
    const m = makeMessage(impl);
    const s = makeSocket();
    attach(m, s);
    m.setHeader('Trailer', 'X-T');
    m.flushHeaders();
    const sent = [m.headersSent, m._headerSent];
    m.write('abc');
    m.addTrailers({ 'X-T': 'v' });
    m.end();
    await tick();
    return [sent, s.batches.join('')];
  });
  assert.match(out[1], /\r\n\r\n3\r\nabc\r\n0\r\nX-T: v\r\n\r\n$/);
});

test('writes to a socket owned by another message are queued', async () => {
  const out = await pair(async (impl) => {
    const m = makeMessage(impl);
    const s = makeSocket();
    m.socket = s;
    s._httpMessage = {};
    m.end('q');
    const queued = [m.outputData.length, m.writableLength];
    s._httpMessage = m;
    m._flush();
    await tick();
    return [queued, s.batches];
  });
  assert.ok(out[0][0] > 0);
});

test('exports the symbols the server needs', () => {
  for (const k of ['kOutHeaders', 'kNeedDrain', 'kUniqueHeaders', 'kHighWaterMark']) {
    assert.strictEqual(typeof ours[k], 'symbol', k);
  }
  assert.strictEqual(typeof ours.validateHeaderName, 'function');
  assert.strictEqual(typeof ours.validateHeaderValue, 'function');
});
