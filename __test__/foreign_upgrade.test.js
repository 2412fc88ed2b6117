'use strict';
// An upgrade on a client socket rshttp did not open (an Agent's
// createConnection returning a net.Socket, read through a virtual core
// connection): every byte the socket read after the 101 head reaches either
// the 'upgrade' head or the socket's 'data', in order, as with node:http.

const { test } = require('node:test');
const assert = require('node:assert');
const net = require('node:net');
const nodeHttp = require('node:http');
const http = require('../index.js');

const T = { timeout: 20000 };
const SIZE = 3 * 1024 * 1024;

/** SIZE bytes of a pattern that does not repeat every 64 KiB. */
const payload = Buffer.alloc(SIZE);
for (let i = 0; i < SIZE; i++) payload[i] = (i * 7 + (i >> 16)) & 255;

/**
 * A raw server answering the request with a 101 and, at once, `payload`
 * (in the same write as the head if `together`), then ending.
 */
function upgradeServer(together) {
  const server = net.createServer((s) => {
    s.on('error', () => {});
    s.once('data', () => {
      const head = 'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: raw\r\n\r\n';
      if (together) {
        s.end(Buffer.concat([Buffer.from(head), payload]));
      } else {
        s.write(head);
        s.end(payload);
      }
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/**
 * Upgrades through an Agent whose createConnection is net.connect; resolves
 * to the head and everything the upgraded socket emitted, concatenated.
 */
async function upgradeThroughForeignSocket(impl, together) {
  const server = await upgradeServer(together);
  try {
    const agent = new impl.Agent();
    agent.createConnection = (o) => net.connect(o);
    return await new Promise((resolve, reject) => {
      const req = impl.request({
        host: '127.0.0.1',
        port: server.address().port,
        agent,
        headers: { Connection: 'Upgrade', Upgrade: 'raw' },
      });
      req.on('error', reject);
      req.on('upgrade', (res, socket, head) => {
        assert.ok(socket instanceof net.Socket, 'the socket createConnection made');
        const parts = [head];
        socket.on('data', (d) => parts.push(d));
        socket.on('end', () => resolve(Buffer.concat(parts)));
        socket.on('error', reject);
      });
      req.end();
    });
  } finally {
    server.close();
  }
}

/** Where two buffers first differ, for a readable failure. */
function describe(got) {
  let i = 0;
  while (i < got.length && got[i] === payload[i]) i++;
  return `${got.length} of ${SIZE} bytes, first difference at ${i}`;
}

for (const together of [false, true]) {
  const how = together ? 'in the head\'s write' : 'right after the head';
  test(`upgrade over an Agent's net.connect socket: 3 MB sent ${how} arrive whole and in order`, T, async () => {
    const ref = await upgradeThroughForeignSocket(nodeHttp, together);
    assert.ok(ref.equals(payload), `node:http: ${describe(ref)}`);
    const got = await upgradeThroughForeignSocket(http, together);
    assert.ok(got.equals(payload), `rshttp: ${describe(got)}`);
  });
}
