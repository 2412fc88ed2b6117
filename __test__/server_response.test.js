'use strict';

// Differential tests: every scenario runs against Node's http.ServerResponse
// and rshttp's over a real TCP socket; the bytes the client receives must be
// identical (Date value aside), and so must the recorded events/errors.

const test = require('node:test');
const assert = require('node:assert');
const http = require('http');
const { both, thrown, fakeRequest } = require('./_wire');
const { ServerResponse } = require('../lib/server_response');

async function same(scenario, opts, expect) {
  const { node, ours } = await both(scenario, opts);
  assert.strictEqual(ours.wire, node.wire);
  assert.deepStrictEqual(ours.log, node.log);
  if (expect) expect(node, ours);
  return { node, ours };
}

test('end(body) sends Content-Length and keep-alive', async () => {
  await same((res) => { res.end('hello'); }, {}, ({ wire }) => {
    assert.strictEqual(wire,
                       'HTTP/1.1 200 OK\r\nDate: <date>\r\nConnection: keep-alive\r\n' +
                       'Content-Length: 5\r\n\r\nhello');
  });
});

test('end() without body sends Content-Length: 0', async () => {
  await same((res) => { res.end(); }, {}, ({ wire }) => {
    assert.match(wire, /Content-Length: 0\r\n\r\n$/);
  });
});

test('chunked writes', async () => {
  await same((res, socket, log) => {
    log.push(['w1', res.write('a')]);
    log.push(['w2', res.write(Buffer.from('bcd'))]);
    log.push(['w3', res.write('')]);
    res.end('ef');
  }, {}, ({ wire }) => {
    assert.match(wire, /Transfer-Encoding: chunked\r\n\r\n1\r\na\r\n3\r\nbcd\r\n2\r\nef\r\n0\r\n\r\n$/);
  });
});

test('writes of strings with encodings and utf8 lengths', async () => {
  await same((res) => {
    res.write('héllo');
    res.write('68656c6c6f', 'hex');
    res.end('aGk=', 'base64');
  }, {}, ({ wire }) => {
    assert.ok(wire.includes('6\r\nh\xc3\xa9llo\r\n5\r\nhello\r\n2\r\nhi\r\n'));
  });
});

test('writeHead with an object', async () => {
  await same((res) => {
    res.writeHead(201, { 'Content-Type': 'text/plain', 'X-Foo': 'bar' });
    res.end('x');
  }, {}, ({ wire }) => {
    assert.match(wire, /^HTTP\/1.1 201 Created\r\nContent-Type: text\/plain\r\nX-Foo: bar\r\n/);
  });
});

test('writeHead with reason and a flat array', async () => {
  await same((res) => {
    res.writeHead(200, 'Fine', ['X-A', '1', 'x-a', '2', 'Content-Length', '2']);
    res.end('ok');
  }, {}, ({ wire }) => {
    assert.match(wire, /^HTTP\/1.1 200 Fine\r\nX-A: 1\r\nx-a: 2\r\nContent-Length: 2\r\n/);
  });
});

test('writeHead with an array of pairs', async () => {
  await same((res) => {
    res.writeHead(202, [['X-A', '1'], ['Set-Cookie', ['a=1', 'b=2']]]);
    res.end();
  }, {}, ({ wire }) => {
    assert.match(wire, /X-A: 1\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n/);
  });
});

test('writeHead merges with setHeader headers', async () => {
  await same((res) => {
    res.setHeader('X-Early', 'e');
    res.setHeader('x-over', 'old');
    res.writeHead(200, { 'X-Over': 'new', 'X-Late': 'l' });
    res.end('m');
  }, {}, ({ wire }) => {
    assert.match(wire, /X-Early: e\r\nX-Over: new\r\nX-Late: l\r\n/);
  });
});

test('setHeader with arrays, Set-Cookie and Cookie joining, appendHeader', async () => {
  await same((res) => {
    res.setHeader('Set-Cookie', ['a=1', 'b=2']);
    res.setHeader('Cookie', ['c=3', 'd=4']);
    res.setHeader('X-Multi', ['1', '2']);
    res.appendHeader('x-multi', '3');
    res.appendHeader('X-New', ['p', 'q']);
    res.setHeader('X-Num', 42);
    res.end('z');
  }, {}, ({ wire }) => {
    assert.ok(wire.includes('Set-Cookie: a=1\r\nSet-Cookie: b=2\r\nCookie: c=3; d=4\r\n'));
    assert.ok(wire.includes('X-Multi: 1\r\nX-Multi: 2\r\nX-Multi: 3\r\n'));
    assert.ok(wire.includes('X-Num: 42\r\n'));
  });
});

test('setHeaders with a Headers object and a Map', async () => {
  await same((res) => {
    const h = new Headers();
    h.append('X-A', '1');
    h.append('Set-Cookie', 'a=1');
    h.append('Set-Cookie', 'b=2');
    res.setHeaders(h);
    res.setHeaders(new Map([['X-B', '2']]));
    res.end();
  }, {}, ({ wire }) => {
    assert.ok(wire.includes('set-cookie: a=1\r\nset-cookie: b=2\r\n'));
  });
});

test('HEAD response drops the body', async () => {
  await same((res, socket, log) => {
    log.push(['write', res.write('body')]);
    res.end('more', () => log.push(['endcb']));
  }, { req: { method: 'HEAD' } }, ({ wire, log }) => {
    assert.doesNotMatch(wire, /body|more/);
    assert.deepStrictEqual(log[0], ['write', true]);
  });
});

test('HEAD response with end(body) has no Content-Length', async () => {
  await same((res) => { res.end('hello'); }, { req: { method: 'HEAD' } }, ({ wire }) => {
    assert.doesNotMatch(wire, /Content-Length/);
  });
});

test('204 and 304 have no body or framing', async () => {
  for (const code of [204, 304]) {
    await same((res, socket, log) => {
      res.statusCode = code;
      log.push(['w', res.write('ignored')]);
      res.end();
    }, {}, ({ wire }) => {
      assert.ok(wire.endsWith('Connection: keep-alive\r\n\r\n'));
    });
  }
});

test('204 with user Transfer-Encoding: chunked closes the connection', async () => {
  await same((res) => {
    res.setHeader('Transfer-Encoding', 'chunked');
    res.writeHead(204);
    res.end();
  }, {}, ({ wire }, ours) => {
    assert.match(wire, /Connection: close/);
    assert.strictEqual(ours.res._last, true);
  });
});

test('rejectNonStandardBodyWrites throws ERR_HTTP_BODY_NOT_ALLOWED', async () => {
  await same((res, socket, log) => {
    res.writeHead(304);
    const e = thrown(() => res.write('x'));
    log.push(e);
    res.end();
  }, { resOptions: { rejectNonStandardBodyWrites: true } }, ({ log }) => {
    assert.strictEqual(log[0].code, 'ERR_HTTP_BODY_NOT_ALLOWED');
  });
});

test('HTTP/1.0 request: no keep-alive, no chunking', async () => {
  await same((res) => {
    res.write('a');
    res.end('b');
  }, { req: { httpVersionMinor: 0 } }, ({ wire }, ours) => {
    assert.strictEqual(wire, 'HTTP/1.1 200 OK\r\nDate: <date>\r\nConnection: close\r\n\r\nab');
    assert.strictEqual(ours.res._last, true);
  });
});

test('HTTP/1.0 keep-alive request', async () => {
  // end(body) alone does not make the length explicit for HTTP/1.0: Node
  // closes the connection.
  await same((res) => {
    res.shouldKeepAlive = true;
    res.end('abc');
  }, { req: { httpVersionMinor: 0, headers: { connection: 'keep-alive' } } }, ({ wire }) => {
    assert.strictEqual(wire, 'HTTP/1.1 200 OK\r\nDate: <date>\r\nConnection: close\r\n\r\nabc');
  });
  // With a user Content-Length the connection is kept alive.
  await same((res) => {
    res.shouldKeepAlive = true;
    res.setHeader('Content-Length', 3);
    res.end('abc');
  }, { req: { httpVersionMinor: 0, headers: { connection: 'keep-alive' } } }, ({ wire }, ours) => {
    assert.match(wire, /Content-Length: 3\r\nDate: <date>\r\nConnection: keep-alive\r\n\r\nabc$/);
    assert.strictEqual(ours.res._last, false);
  });
});

test('HTTP/1.0 request with TE: chunked gets chunked encoding', async () => {
  await same((res) => {
    res.write('a');
    res.end();
  }, { req: { httpVersionMinor: 0, headers: { te: 'chunked' } } }, ({ wire }) => {
    assert.match(wire, /Transfer-Encoding: chunked/);
  });
});

test('addTrailers after a chunked body', async () => {
  await same((res) => {
    res.setHeader('Trailer', 'X-Checksum');
    res.write('data');
    res.addTrailers({ 'X-Checksum': 'abc', 'X-List': ['1', '2'] });
    res.end();
  }, {}, ({ wire }) => {
    assert.match(wire, /0\r\nX-Checksum: abc\r\nX-List: 1\r\nX-List: 2\r\n\r\n$/);
  });
});

test('Trailer header without chunked encoding throws ERR_HTTP_TRAILER_INVALID', async () => {
  await same((res, socket, log) => {
    res.setHeader('Trailer', 'X-A');
    res.setHeader('Content-Length', '1');
    log.push(thrown(() => res.writeHead(200)));
    res.socket.destroy();
  }, {}, ({ log }) => {
    assert.strictEqual(log[0].code, 'ERR_HTTP_TRAILER_INVALID');
  });
});

test('Connection: close set by the user', async () => {
  await same((res) => {
    res.setHeader('Connection', 'close');
    res.end('bye');
  }, {}, ({ wire }, ours) => {
    assert.match(wire, /Connection: close\r\nDate: <date>\r\nContent-Length: 3\r\n/);
    assert.strictEqual(ours.res._last, true);
  });
});

test('Content-Length set by the user with streamed writes', async () => {
  await same((res) => {
    res.setHeader('Content-Length', 6);
    res.write('abc');
    res.end('def');
  }, {}, ({ wire }) => {
    assert.match(wire, /Content-Length: 6\r\n(?:.*\r\n)*\r\nabcdef$/);
    assert.doesNotMatch(wire, /chunked/);
  });
});

test('removing Content-Length and Transfer-Encoding, Date and Connection', async () => {
  await same((res) => {
    res.removeHeader('Content-Length');
    res.removeHeader('Transfer-Encoding');
    res.removeHeader('Date');
    res.removeHeader('Connection');
    res.end('raw');
  }, {}, ({ wire }, ours) => {
    assert.strictEqual(wire, 'HTTP/1.1 200 OK\r\n\r\nraw');
    assert.strictEqual(ours.res._last, true);
  });
});

test('Keep-Alive timeout, max and maxRequestsOnConnectionReached', async () => {
  await same((res) => {
    res._keepAliveTimeout = 5500;
    res._maxRequestsPerSocket = 3;
    res.end('k');
  }, {}, ({ wire }) => {
    assert.match(wire, /Connection: keep-alive\r\nKeep-Alive: timeout=5, max=3\r\n/);
  });
  await same((res) => {
    res._keepAliveTimeout = 5000;
    res.setHeader('Keep-Alive', 'timeout=9');
    res.end('k');
  }, {}, ({ wire }) => {
    assert.doesNotMatch(wire, /timeout=5/);
  });
  await same((res) => {
    res._keepAliveTimeout = 5000;
    res.maxRequestsOnConnectionReached = true;
    res.end('k');
  }, {}, ({ wire }) => {
    assert.match(wire, /Connection: close\r\n/);
  });
});

test('strictContentLength mismatch errors', async () => {
  await same((res, socket, log) => {
    res.strictContentLength = true;
    res.setHeader('Content-Length', 5);
    res.write('abc');
    log.push(thrown(() => res.write('def')));
    log.push(thrown(() => res.end()));
    socket.destroy();
  }, {}, ({ log }) => {
    assert.strictEqual(log[0].code, 'ERR_HTTP_CONTENT_LENGTH_MISMATCH');
    assert.match(log[0].message, /content-length of 6 byte\(s\) does not match the content-length of 5/);
    assert.strictEqual(log[1].code, 'ERR_HTTP_CONTENT_LENGTH_MISMATCH');
  });
  await same((res, socket, log) => {
    res.strictContentLength = true;
    res.setHeader('Content-Length', 2);
    log.push(thrown(() => res.end('abc')));
    socket.destroy();
  }, {}, ({ log }) => {
    assert.strictEqual(log[0].code, 'ERR_HTTP_CONTENT_LENGTH_MISMATCH');
  });
});

test('header validation errors match Node', () => {
  const calls = [
    (res) => res.setHeader('bad name', 'x'),
    (res) => res.setHeader('', 'x'),
    (res) => res.setHeader(1, 'x'),
    (res) => res.setHeader('x-ok', undefined),
    (res) => res.setHeader('x-ok', 'a\r\nb'),
    (res) => res.setHeader('x-ok', ['a', 'b\n']),
    (res) => res.appendHeader('x y', 'v'),
    (res) => res.getHeader(1),
    (res) => res.hasHeader(null),
    (res) => res.removeHeader({}),
    (res) => res.setHeaders([['a', 'b']]),
    (res) => res.setHeaders('nope'),
    (res) => res.writeHead(99),
    (res) => res.writeHead(1000),
    (res) => res.writeHead('abc'),
    (res) => res.writeHead(200, 'bad\nmessage'),
    (res) => res.writeHead(200, ['a', 'b', 'c']),
    (res) => res.writeHead(200, { 'bad key': 'v' }),
    (res) => res.writeHead(200, { 'x-a': 'v\u0000' }),
    (res) => res.addTrailers({ 'bad name': 'v' }),
    (res) => res.addTrailers({ 'x-a': 'v\n' }),
    (res) => res.addTrailers({ 'x-a': ['v', 'w\n'] }),
    (res) => res.write(null),
    (res) => res.write(42),
    (res) => res.write({}),
    (res) => res.end(123),
    (res) => res.writeEarlyHints('x'),
    (res) => res.writeEarlyHints({ link: 'no-brackets' }),
    (res) => res.writeEarlyHints({ link: 7 }),
    (res) => { res.writeHead(200); res.setHeader('a', 'b'); },
    (res) => { res.writeHead(200); res.removeHeader('a'); },
    (res) => { res.writeHead(200); res.appendHeader('a', 'b'); },
    (res) => { res.writeHead(200); res.writeHead(200); },
    (res) => { res.writeHead(200); res.setHeaders(new Map()); },
    (res) => res.assignSocket({ _httpMessage: {} }),
  ];
  let checked = 0;
  for (const call of calls) {
    const a = thrown(() => call(new http.ServerResponse(fakeRequest())));
    const b = thrown(() => call(new ServerResponse(fakeRequest())));
    assert.ok(a, `Node should throw for ${call}`);
    assert.deepStrictEqual(b, a, String(call));
    checked++;
  }
  assert.strictEqual(checked, calls.length);
});

test('write after end: error on next tick, to the callback and as error', async () => {
  await same((res, socket, log) => {
    res.on('error', (err) => log.push(['error', err.code, err.message]));
    res.end('x');
    log.push(['ret', res.write('y', (err) => log.push(['cb', err && err.code]))]);
    res.end('z', (err) => log.push(['endcb', err && err.code]));
    log.push(['sync']);
    return new Promise((r) => setTimeout(r, 20));
  }, {}, ({ log }) => {
    assert.deepStrictEqual(log.slice(0, 2), [['ret', false], ['sync']]);
    assert.deepStrictEqual(log[2], ['cb', 'ERR_STREAM_WRITE_AFTER_END']);
  });
});

test('end() after finish reports ERR_STREAM_ALREADY_FINISHED', async () => {
  await same((res, socket, log) => new Promise((resolve) => {
    res.end('x', () => {
      log.push(['finished', res.writableFinished]);
      res.end((err) => {
        log.push(['again', err && err.code]);
        resolve();
      });
    });
  }), {}, ({ log }) => {
    assert.deepStrictEqual(log[1], ['again', 'ERR_STREAM_ALREADY_FINISHED']);
  });
});

test('write after destroy reports ERR_STREAM_DESTROYED to the callback', async () => {
  await same((res, socket, log) => new Promise((resolve) => {
    res.on('error', (err) => log.push(['error', err.code]));
    res.destroy();
    log.push(['ret', res.write('a', (err) => {
      log.push(['cb', err && err.code, err && err.message]);
      resolve();
    })]);
  }), {}, ({ log }) => {
    assert.deepStrictEqual(log[1], ['cb', 'ERR_STREAM_DESTROYED', 'Cannot call write after a stream was destroyed']);
  });
});

test('writeContinue, writeProcessing and writeEarlyHints bytes', async () => {
  await same((res, socket, log) => {
    res.writeContinue(() => log.push('continue-cb'));
    res.writeProcessing();
    res.writeEarlyHints({ link: ['</a.css>; rel=preload; as=style', '</b.js>; rel=preload'], 'x-trace': 'id' },
                        () => log.push('hints-cb'));
    res.writeEarlyHints({ link: [] });
    res.writeEarlyHints({});
    log.push(['sent100', res._sent100]);
    res.end('body');
    return new Promise((r) => setTimeout(r, 20));
  }, {}, ({ wire }) => {
    assert.ok(wire.startsWith('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\n\r\n' +
      'HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload; as=style, </b.js>; rel=preload\r\n' +
      'x-trace: id\r\n\r\nHTTP/1.1 200 OK\r\n'));
  });
});

test('expect-continue without 100 sent disables keep-alive', async () => {
  await same((res) => {
    res._expect_continue = true;
    res.end('no');
  }, {}, ({ wire }) => {
    assert.match(wire, /Connection: close/);
  });
});

test('cork/uncork coalesces writes into one socket write', async () => {
  const { node, ours } = await same((res) => {
    res.cork();
    res.write('a');
    res.write('b');
    res.uncork();
    res.write('c');
    res.write('d');
    return new Promise((r) => setTimeout(() => { res.end(); r(); }, 10));
  }, { recordBatches: true });
  assert.deepStrictEqual(ours.batches, node.batches);
  assert.ok(node.batches.length >= 2);
  assert.match(node.batches[0], /^HTTP\/1.1 200 OK[^]*1\r\na\r\n1\r\nb\r\n$/);
  // The two uncorked writes of one tick also go out together (auto-cork).
  assert.strictEqual(node.batches[1], '1\r\nc\r\n1\r\nd\r\n');
});

test('cork before a socket is assigned is applied on assignment', async () => {
  const { node, ours } = await same((res, socket, log) => {
    res.cork();
    res.write('x');
    res.write('y');
    log.push(['corked', res.writableCorked]);
    res.assignSocket(socket);
    log.push(['corked', res.writableCorked, socket.writableLength > 0]);
    return new Promise((r) => setTimeout(() => {
      res.uncork();
      res.end();
      r();
    }, 10));
  }, { recordBatches: true, assign: false }, ({ log }) => {
    assert.deepStrictEqual(log, [['corked', 1], ['corked', 1, true]]);
  });
  assert.deepStrictEqual(ours.batches, node.batches);
  assert.match(node.batches[0], /^HTTP[^]*1\r\nx\r\n1\r\ny\r\n$/);
});

test('data written before assignSocket is buffered and flushed in order', async () => {
  await same((res, socket, log) => {
    res.on('prefinish', () => log.push('prefinish'));
    res.on('finish', () => log.push('finish'));
    res.on('socket', () => log.push('socket'));
    log.push(['w', res.write('queued')]);
    res.end('!');
    log.push(['queued', res.outputData.length, res.outputSize, res.writableLength]);
    res.assignSocket(socket);
    log.push(['after', res.outputData.length, res.outputSize]);
    return new Promise((r) => setTimeout(r, 20));
  }, { assign: false }, ({ wire, log }) => {
    assert.match(wire, /\r\n6\r\nqueued\r\n1\r\n!\r\n0\r\n\r\n$/);
    assert.deepStrictEqual(log[0], ['w', true]);
    assert.ok(log[1][1] > 0);
    assert.deepStrictEqual(log.slice(2), ['socket', 'prefinish', ['after', 0, 0], 'finish']);
  });
});

test('finish, prefinish, close ordering and socket close emits close', async () => {
  await same((res, socket, log) => new Promise((resolve) => {
    res.on('prefinish', () => log.push('prefinish'));
    res.on('finish', () => log.push('finish'));
    res.on('close', () => { log.push(['close', res.destroyed, res.closed]); resolve(); });
    res.end('x', () => {
      log.push('end-cb');
      socket.destroy();
    });
    log.push('sync');
  }), {}, ({ log }) => {
    assert.deepStrictEqual(log, ['prefinish', 'sync', 'finish', 'end-cb', ['close', true, true]]);
  });
});

test('flushHeaders sends the head at once', async () => {
  await same((res, socket, log) => {
    res.setHeader('X-A', 'a');
    res.flushHeaders();
    log.push(['sent', res.headersSent, res._headerSent]);
    return new Promise((r) => setTimeout(() => { res.end('later'); r(); }, 10));
  }, { recordBatches: true }, ({ wire, log }) => {
    assert.deepStrictEqual(log[0], ['sent', true, true]);
    assert.match(wire, /Transfer-Encoding: chunked\r\n\r\n5\r\nlater\r\n0\r\n\r\n$/);
  });
});

test('statusMessage defaults and custom status codes', async () => {
  await same((res) => { res.statusCode = 418; res.end(); }, {}, ({ wire }) => {
    assert.match(wire, /^HTTP\/1.1 418 I'm a Teapot\r\n/);
  });
  await same((res) => { res.writeHead(599); res.end(); }, {}, ({ wire }) => {
    assert.match(wire, /^HTTP\/1.1 599 unknown\r\n/);
  });
  await same((res) => { res.statusMessage = 'Custom'; res.writeHead(404); res.end(); }, {}, ({ wire }) => {
    assert.match(wire, /^HTTP\/1.1 404 Custom\r\n/);
  });
});

test('pipe() emits ERR_STREAM_CANNOT_PIPE', () => {
  for (const Res of [http.ServerResponse, ServerResponse]) {
    const res = new Res(fakeRequest());
    let err;
    res.on('error', (e) => { err = e; });
    res.pipe();
    assert.strictEqual(err.code, 'ERR_STREAM_CANNOT_PIPE');
    assert.strictEqual(err.message, 'Cannot pipe, not readable');
  }
});

test('constructor state matches Node', () => {
  const keys = [
    'statusCode', 'statusMessage', 'sendDate', '_hasBody', 'shouldKeepAlive',
    'useChunkedEncodingByDefault', '_expect_continue', '_sent100', 'finished',
    '_headerSent', '_header', 'chunkedEncoding', '_last', '_contentLength',
    'writable', 'destroyed', 'headersSent', 'writableEnded', 'writableFinished',
    'writableLength', 'writableCorked', 'writableNeedDrain', 'writableObjectMode',
    'writableHighWaterMark', 'socket', 'connection', 'strictContentLength',
    '_removedConnection', '_removedContLen', '_removedTE', '_trailer', '_closed',
    'closed', 'errored', 'outputSize', '_keepAliveTimeout', 'maxRequestsOnConnectionReached',
    '_defaultKeepAlive',
  ];
  for (const init of [{}, { method: 'HEAD' }, { httpVersionMinor: 0, headers: { te: 'chunked' } }]) {
    const a = new http.ServerResponse(fakeRequest(init));
    const b = new ServerResponse(fakeRequest(init));
    for (const k of keys) assert.deepStrictEqual(b[k], a[k], k);
    assert.strictEqual(b.req, b.req);
  }
  const hwm = new ServerResponse(fakeRequest(), { highWaterMark: 1234 });
  assert.strictEqual(hwm.writableHighWaterMark, 1234);
});

test('ServerResponse.call() works for legacy subclassing', () => {
  function Legacy(req) { ServerResponse.call(this, req); }
  Object.setPrototypeOf(Legacy.prototype, ServerResponse.prototype);
  const r = new Legacy(fakeRequest({ method: 'HEAD' }));
  assert.strictEqual(r._hasBody, false);
  assert.strictEqual(r.sendDate, true);
  assert.ok(r instanceof require('stream').Stream);
});

// The same over rshttp's own sockets, where end(string) leaves by the direct
// write that encodes head and body apart (never joined into one string):
// the bytes must still be Node's `head + body` in the body's encoding, a
// header value past ASCII included (and a head all ASCII).
test('end(string) on a native socket: head and body bytes as Node writes them', async () => {
  const { IMPLS, start, stop } = require('./_both');
  const net = require('node:net');
  const { once } = require('node:events');
  const cases = {
    '/utf8': (res) => res.end('h\u00e9llo \u2713'),
    '/latin1': (res) => res.end('caf\u00e9', 'latin1'),
    '/default': (res) => res.end('caf\u00e9'),
    '/writeHead': (res) => { res.writeHead(200, { 'X-B': '\u00fc' }); res.end('\u00fc\u00fc', 'utf8'); },
    '/ascii-head': (res) => { res.removeHeader('X-A'); res.end('h\u00e9llo \u2713'); },
  };
  const wires = {};
  for (const [name, http] of IMPLS) {
    const server = await start(http, (req, res) => {
      res.sendDate = false;
      res.setHeader('X-A', 'caf\u00e9');
      cases[req.url](res);
    });
    const c = net.connect(server.address().port, '127.0.0.1');
    const got = [];
    c.on('data', (d) => got.push(d));
    for (const path of Object.keys(cases)) c.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
    c.end();
    await once(c, 'end');
    wires[name] = Buffer.concat(got).toString('latin1');
    await stop(server);
  }
  assert.strictEqual(wires.rshttp, wires['node:http']);
  assert.ok(wires.rshttp.includes('X-A: caf\u00c3\u00a9\r\n'), 'head utf8-encoded with a utf8 body');
  assert.ok(wires.rshttp.includes('X-A: caf\u00e9\r\n'), 'head latin1 with a latin1 body');
});
