'use strict';
// ws 8 on the implementation under test: a WebSocketServer attached to an
// http server (the upgrade path), and ws's client, which makes its
// handshake with http.request (rshttp's client on the rshttp run). Frames
// from 1 B to 16 MiB both ways (client frames masked, server frames not),
// fragmented messages, backpressure (bufferedAmount while the reader is
// paused), ping/pong, close codes and reasons, and a client that resets its
// connection (RST) mid-message.

const test = require('node:test');
const assert = require('node:assert');
const crypto = require('node:crypto');
const net = require('node:net');
const { WebSocket, WebSocketServer } = require('ws');
const { assertImpl, listen, close, deferred, within, http } = require('./_common');

let server;
let wss;
let url;
let port;

test.before(async () => {
  assertImpl();
  server = http.createServer((req, res) => res.end('not a websocket'));
  wss = new WebSocketServer({ server, maxPayload: 32 * 1024 * 1024 });
  wss.on('connection', (ws, req) => {
    ws.on('message', (data, isBinary) => {
      const text = isBinary ? null : data.toString();
      if (text === 'close-me') return ws.close(4001, 'asked to close');
      if (text && text.startsWith('flood ')) {
        const [, count, size] = text.split(' ').map(Number);
        const chunk = Buffer.alloc(size, 7);
        for (let i = 0; i < count; i++) ws.send(chunk);
        ws.send(`sent ${count} bufferedAmount ${ws.bufferedAmount}`);
        return;
      }
      ws.send(data, { binary: isBinary });
    });
    ws.send(`hello ${req.headers['sec-websocket-protocol'] || 'none'}`);
  });
  const base = await listen(server);
  port = server.address().port;
  url = base.replace('http', 'ws');
});

test.after(async () => {
  for (const client of wss.clients) client.terminate();
  wss.close();
  await close(server);
});

/** Opens a client; resolves once its greeting arrived. */
async function open(options) {
  const ws = new WebSocket(url, ['chat'], options);
  const greeting = await within(5000, new Promise((resolve, reject) => {
    ws.once('message', (data) => resolve(data.toString()));
    ws.once('error', reject);
  }), 'handshake');
  assert.strictEqual(greeting, 'hello chat');
  assert.strictEqual(ws.protocol, 'chat');
  return ws;
}

function nextMessage(ws) {
  return within(20_000, new Promise((resolve, reject) => {
    ws.once('message', (data, isBinary) => resolve({ data, isBinary }));
    ws.once('error', reject);
  }), 'message');
}

test('a plain GET still gets the http handler', async () => {
  const body = await new Promise((resolve, reject) => {
    http.get(url.replace('ws', 'http'), { agent: false }, (res) => {
      let b = '';
      res.setEncoding('utf8').on('data', (c) => { b += c; }).on('end', () => resolve(b));
    }).on('error', reject);
  });
  assert.strictEqual(body, 'not a websocket');
});

test('binary and text frames of 1 B to 16 MiB echo intact, both ways', async () => {
  const ws = await open();
  try {
    for (const size of [1, 125, 126, 127, 65_535, 65_536, 1 << 20, 16 << 20]) {
      const payload = crypto.randomBytes(size);
      const echoed = nextMessage(ws);
      ws.send(payload);
      const { data, isBinary } = await echoed;
      assert.ok(isBinary);
      assert.strictEqual(data.length, size);
      assert.ok(data.equals(payload), `binary ${size} B differs`);
    }
    const text = 'é€😀'.repeat(30_000);
    const echoed = nextMessage(ws);
    ws.send(text);
    const { data, isBinary } = await echoed;
    assert.strictEqual(isBinary, false);
    assert.strictEqual(data.toString(), text);
  } finally {
    ws.terminate();
  }
});

test('a message sent in fragments arrives as one', async () => {
  const ws = await open();
  try {
    const echoed = nextMessage(ws);
    ws.send('frag-', { fin: false });
    ws.send('ment-', { fin: false });
    ws.send('ed', { fin: true });
    assert.strictEqual((await echoed).data.toString(), 'frag-ment-ed');
  } finally {
    ws.terminate();
  }
});

test('backpressure: with the client paused the server buffers, then everything arrives', async () => {
  const ws = await open();
  try {
    const count = 48;
    const size = 1 << 20;
    let received = 0;
    let report = null;
    const done = deferred();
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        assert.strictEqual(data.length, size);
        received++;
      } else {
        report = data.toString();
      }
      if (report && received === count) done.resolve();
    });
    ws.pause();
    ws.send(`flood ${count} ${size}`);
    await new Promise((r) => setTimeout(r, 300));
    ws.resume();
    await within(30_000, done.promise, 'flood');
    const buffered = Number(/bufferedAmount (\d+)/.exec(report)[1]);
    // The kernel cannot take 48 MiB at once: the rest waited in the sender.
    assert.ok(buffered > 8 * size, `bufferedAmount ${buffered}`);
  } finally {
    ws.terminate();
  }
});

test('ping gets its pong with the payload; the server\'s close code and reason reach the client', async () => {
  const ws = await open();
  const pong = within(5000, new Promise((resolve) => ws.once('pong', resolve)), 'pong');
  ws.ping('are you there');
  assert.strictEqual((await pong).toString(), 'are you there');
  const closed = within(5000, new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() }))), 'close');
  ws.send('close-me');
  assert.deepStrictEqual(await closed, { code: 4001, reason: 'asked to close' });
});

test('a client closing with 1000 is seen with that code by the server', async () => {
  const seen = within(5000, new Promise((resolve) => {
    wss.once('connection', (socket) => socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }), 'server close');
  const ws = await open();
  ws.close(1000, 'bye');
  assert.deepStrictEqual(await seen, { code: 1000, reason: 'bye' });
});

test('a client that resets its connection mid-message: the server sees 1006 and keeps serving', async () => {
  const seen = within(5000, new Promise((resolve) => {
    wss.once('connection', (socket) => socket.once('close', (code) => resolve(code)));
  }), 'server close');
  // A raw handshake over net, then half a masked frame, then RST.
  const sock = net.connect(port, '127.0.0.1');
  const key = crypto.randomBytes(16).toString('base64');
  sock.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
  const head = await within(5000, new Promise((resolve) => {
    let got = '';
    sock.on('data', function onData(d) {
      got += d.toString('latin1');
      if (got.includes('\r\n\r\n')) {
        sock.off('data', onData);
        resolve(got);
      }
    });
  }), 'raw handshake');
  const accept = crypto.createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
  assert.match(head, /^HTTP\/1\.1 101 Switching Protocols\r\n/);
  assert.ok(head.includes(`Sec-WebSocket-Accept: ${accept}`));
  // A binary frame announcing 1000 bytes, masked, with only 10 sent.
  sock.write(Buffer.concat([Buffer.from([0x82, 0xfe, 0x03, 0xe8]), crypto.randomBytes(4), Buffer.alloc(10)]));
  await new Promise((r) => setTimeout(r, 50));
  sock.resetAndDestroy();
  assert.strictEqual(await seen, 1006);
  const ws = await open();
  const echoed = nextMessage(ws);
  ws.send('still here');
  assert.strictEqual((await echoed).data.toString(), 'still here');
  ws.terminate();
});
