'use strict';
// Helpers for tests that run one scenario on node:http and on rshttp alike:
// the two implementations, a per-test timeout, loopback servers and raw
// clients.

const net = require('node:net');
const { once } = require('node:events');
const nodeHttp = require('node:http');
const rshttp = require('..');

const T = { timeout: 20_000 };
const IMPLS = [['node:http', nodeHttp], ['rshttp', rshttp]];

/** Starts `http.createServer(handler)` on loopback (properties from `options`); resolves to the server. */
async function start(http, handler, options = {}) {
  const server = http.createServer(handler);
  Object.assign(server, options);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

/** Closes `server` and every connection it has; resolves once closed. */
function stop(server) {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A raw client; resolves to it once connected. */
async function connect(port) {
  const c = net.connect(port, '127.0.0.1');
  await once(c, 'connect');
  return c;
}

/** A raw client that ignores what it reads and its errors; resolves once connected. */
async function connectQuiet(port) {
  const c = net.connect(port, '127.0.0.1');
  c.on('error', () => {});
  c.resume();
  await once(c, 'connect');
  return c;
}

module.exports = { T, IMPLS, start, stop, connect, connectQuiet };
