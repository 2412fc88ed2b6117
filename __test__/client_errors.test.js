'use strict';
// The server's 'clientError' as llhttp's state decides it, checked on
// node:http and rshttp alike: after a parse error every later chunk the
// socket reads raises the error again with that chunk as rawPacket (on an
// accepted socket and on a stream emitted as 'connection', chunk by chunk),
// an end of stream in the middle of a message is HPE_INVALID_EOF_STATE, and
// an error's bytesParsed and rawPacket are those of the read it came in.

const { test } = require('node:test');
const assert = require('node:assert');
const net = require('node:net');
const { once } = require('node:events');
const nodeHttp = require('node:http');
const rshttp = require('..');

const T = { timeout: 20_000 };
const IMPLS = [['node:http', nodeHttp], ['rshttp', rshttp]];

/** A clientError as compared: its message, code, reason, rawPacket (string or undefined) and own keys. */
function describe(err) {
  return {
    message: err.message,
    code: err.code,
    reason: err.reason,
    rawPacket: err.rawPacket === undefined ? undefined : String(err.rawPacket),
    keys: Object.keys(err),
  };
}

/**
 * Sends `chunks` one at a time (each after the server's clientError for the
 * previous one) to a server whose 'clientError' listener records errors and
 * leaves the socket open; then ends. Resolves to the errors recorded.
 */
async function eachChunkAfterAnError(http, chunks) {
  const errors = [];
  const server = http.createServer(() => {});
  let client;
  let next = 0;
  const sendNext = () => {
    if (next < chunks.length) client.write(chunks[next++]);
    else client.end();
  };
  server.on('clientError', (err) => {
    errors.push(describe(err));
    sendNext();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  client = net.connect(server.address().port, '127.0.0.1');
  client.resume();
  await once(client, 'connect');
  sendNext();
  await once(client, 'close');
  await new Promise((resolve) => server.close(resolve));
  return errors;
}

/** Writes `bytes` and ends; resolves to the server's clientErrors and what the client read. */
async function endMidMessage(http, bytes) {
  const errors = [];
  const server = http.createServer(() => {});
  server.on('clientError', (err, socket) => {
    errors.push(describe(err));
    socket.destroy();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const client = net.connect(server.address().port, '127.0.0.1');
  let read = '';
  client.on('data', (d) => { read += d; });
  client.end(bytes);
  await once(client, 'close');
  await new Promise((resolve) => server.close(resolve));
  return { errors, read };
}

for (const [name, http] of IMPLS) {
  test(`${name}: after a parse error each later chunk raises it again with that chunk as rawPacket`, T, async () => {
    const errors = await eachChunkAfterAnError(http, ['*', '*', 'GET / HTTP/1.1\r\n\r\n']);
    const expect = (raw) => ({
      message: 'Parse Error: Invalid method encountered',
      code: 'HPE_INVALID_METHOD',
      reason: 'Invalid method encountered',
      rawPacket: raw,
      keys: ['bytesParsed', 'code', 'reason', 'rawPacket'],
    });
    assert.deepStrictEqual(errors, [expect('*'), expect('*'), expect('GET / HTTP/1.1\r\n\r\n')]);
  });

  test(`${name}: a stream emitted as 'connection' is parsed chunk by chunk, each chunk raising the error`, T, async () => {
    const errors = [];
    const httpServer = http.createServer(() => {});
    const done = new Promise((resolve) => {
      httpServer.on('clientError', (err, socket) => {
        errors.push(describe(err).rawPacket);
        if (errors.length === 2) {
          socket.destroy();
          resolve();
        }
      });
    });
    const netServer = net.createServer((socket) => {
      // Two chunks are buffered when the HTTP server takes the socket.
      socket.once('readable', () => {
        const first = socket.read(1);
        socket.unshift(first);
        httpServer.emit('connection', socket);
      });
    });
    netServer.listen(0, '127.0.0.1');
    await once(netServer, 'listening');
    const client = net.connect(netServer.address().port, '127.0.0.1');
    client.on('error', () => {});
    client.end('123 http://example.com HTTP/1.1\r\n\r\n');
    await done;
    client.destroy();
    await new Promise((resolve) => netServer.close(resolve));
    assert.deepStrictEqual(errors, ['1', '23 http://example.com HTTP/1.1\r\n\r\n']);
  });

  test(`${name}: an end of stream in a head or a body is HPE_INVALID_EOF_STATE, between messages it is not`, T, async () => {
    const eofError = {
      message: 'Parse Error',
      code: 'HPE_INVALID_EOF_STATE',
      reason: 'Invalid EOF state',
      rawPacket: undefined,
      keys: ['bytesParsed', 'code', 'reason'],
    };
    assert.deepStrictEqual(await endMidMessage(http, 'GET / HTTP/1.1\r\nContent-Length:'),
      { errors: [eofError], read: '' });
    const partialBody = await endMidMessage(http, 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc');
    assert.deepStrictEqual(partialBody.errors, [eofError]);
    assert.deepStrictEqual(await endMidMessage(http, '\r\n\r\n'), { errors: [], read: '' });
  });
}

/**
 * Sends `input` (latin1) in `pieces` (written 20 ms apart) then the rest,
 * and ends; resolves to each clientError's code, bytesParsed and rawPacket.
 */
async function errorDetails(http, input, pieces = []) {
  const errors = [];
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end());
  });
  server.on('clientError', (err, socket) => {
    errors.push([err.code, err.bytesParsed, err.rawPacket === undefined ? undefined : err.rawPacket.toString('latin1')]);
    socket.destroy();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const client = net.connect(server.address().port, '127.0.0.1');
  client.setNoDelay(true);
  client.on('error', () => {});
  client.resume();
  await once(client, 'connect');
  let at = 0;
  for (const size of pieces) {
    client.write(Buffer.from(input.slice(at, at + size), 'latin1'));
    at += size;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  client.end(Buffer.from(input.slice(at), 'latin1'));
  await once(client, 'close');
  await new Promise((resolve) => server.close(resolve));
  return errors;
}

// Node's parser reports where llhttp stopped within the read it was given
// (bytesParsed) and that whole read (rawPacket), whatever came before it.
const DETAIL_CASES = {
  'bad byte in a target': ['GET /a\x01b HTTP/1.1\r\n\r\n'],
  'bad method after blank lines': ['\r\n\r\nXYZ / HTTP/1.1\r\n\r\n'],
  'bad method after a request': ['GET / HTTP/1.1\r\nHost: a\r\n\r\n\r\nGEX'],
  'bad target in a second request': ['GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /\x01 HTTP/1.1\r\n\r\n'],
  'bad field name in a later read': ['GET / HTTP/1.1\r\nBad Name: x\r\n\r\n', [5, 5]],
  'bad chunk size after a body piece': ['POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nzz\r\n', [30]],
  'Transfer-Encoding that is not chunked': ['POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\nzz\r\n'],
  'bytes after HTTP/1.0': ['GET / HTTP/1.0\r\n\r\nx'],
  'duplicate Content-Length': ['GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n'],
  'header overflow at a value\'s end': [`GET / HTTP/1.1\r\nX: ${'v'.repeat(16382)}\r\n\r\n`],
  'header overflow at a name\'s end': [`GET / HTTP/1.1\r\n${'X'.repeat(16383)}: v\r\n\r\n`],
  'header overflow at a target\'s end': [`GET /${'v'.repeat(16383)} HTTP/1.1\r\n\r\n`],
  'header overflow in a value read whole': [`GET / HTTP/1.1\r\nX: ${'v'.repeat(50000)}\r\n\r\n`],
  'long name without a colon read whole': [`GET / HTTP/1.1\r\nHost: a\r\n${'X'.repeat(17000)}\r\n\r\n`],
};

for (const [name, [input, pieces]] of Object.entries(DETAIL_CASES)) {
  test(`clientError bytesParsed and rawPacket, ${name}: rshttp's are node:http's`, T, async () => {
    const [ours, theirs] = [await errorDetails(rshttp, input, pieces), await errorDetails(nodeHttp, input, pieces)];
    assert.ok(theirs.length > 0);
    assert.deepStrictEqual(ours, theirs);
  });
}

/**
 * A raw server answers the request with `bytes` (latin1) in `pieces`
 * (written 20 ms apart) then the rest; resolves to the client's error code,
 * bytesParsed and rawPacket.
 */
async function clientErrorDetails(http, bytes, pieces = []) {
  const server = net.createServer((socket) => {
    socket.on('error', () => {});
    socket.once('data', async () => {
      let at = 0;
      for (const size of pieces) {
        socket.write(Buffer.from(bytes.slice(at, at + size), 'latin1'));
        at += size;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      socket.end(Buffer.from(bytes.slice(at), 'latin1'));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const req = http.request({ host: '127.0.0.1', port: server.address().port, agent: false });
  req.on('response', (res) => res.resume());
  req.end();
  const [err] = await once(req, 'error');
  await new Promise((resolve) => server.close(resolve));
  return [err.code, err.bytesParsed, err.rawPacket === undefined ? undefined : err.rawPacket.toString('latin1')];
}

const CLIENT_DETAIL_CASES = {
  'bad chunk size after the head in the same read': ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nzz\r\n'],
  'bad chunk size in a later read': ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nzz\r\n', [50]],
  'bad status after a 100': ['HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 2x0 OK\r\n\r\n'],
  'bad field name in a later read': ['HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n', [10]],
  'bytes after Connection: close': ['HTTP/1.1 200 OK\r\nContent-Length: 1\r\nConnection: close\r\n\r\naX'],
};

for (const [name, [bytes, pieces]] of Object.entries(CLIENT_DETAIL_CASES)) {
  test(`client error bytesParsed and rawPacket, ${name}: rshttp's are node:http's`, T, async () => {
    assert.deepStrictEqual(await clientErrorDetails(rshttp, bytes, pieces), await clientErrorDetails(nodeHttp, bytes, pieces));
  });
}
