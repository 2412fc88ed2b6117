'use strict';
// rshttp: Node's `http` module on a Rust core, server and client. With
// RSHTTP_CLIENT=node the client side (`request`, `get`, `Agent`,
// `ClientRequest`, `globalAgent`) is Node's own (the conformance run's
// server-only mode).

const nodeHttp = require('node:http');
const { Server, createServer, connectionListener } = require('./lib/server');
const { IncomingMessage } = require('./lib/incoming_message');
const { ServerResponse } = require('./lib/server_response');
const { OutgoingMessage, validateHeaderName, validateHeaderValue } = require('./lib/outgoing_message');
const { METHODS, STATUS_CODES } = require('./lib/http_common');
const { validateInteger } = require('./lib/validators');
const { setIoThreads } = require('./lib/io_mode');

const nodeClient = process.env.RSHTTP_CLIENT === 'node';
const agentModule = nodeClient ? nodeHttp : require('./lib/agent');
const client = nodeClient ? nodeHttp : require('./lib/client_request');

let maxIdleHTTPParsers = 1000;

/**
 * `http.setMaxIdleHTTPParsers(max)`: Node pools idle parsers; rshttp parses
 * in Rust with no per-connection parser object, so only the bound is kept.
 */
function setMaxIdleHTTPParsers(max) {
  validateInteger(max, 'max', 1);
  maxIdleHTTPParsers = max;
}

module.exports = {
  // Node exports the server's 'connection' listener: calling it with a
  // server as `this` and a stream serves HTTP on that stream.
  _connectionListener: connectionListener,
  METHODS,
  STATUS_CODES,
  Agent: agentModule.Agent,
  ClientRequest: client.ClientRequest,
  IncomingMessage,
  OutgoingMessage,
  Server,
  ServerResponse,
  createServer,
  validateHeaderName,
  validateHeaderValue,
  get: client.get,
  request: client.request,
  setMaxIdleHTTPParsers,
};

// rshttp's own: the I/O driver (lib/io_mode.js). Not enumerable, so the
// module's keys stay node:http's.
Object.defineProperty(module.exports, 'setIoThreads', {
  configurable: true,
  writable: true,
  enumerable: false,
  value: setIoThreads,
});

Object.defineProperty(module.exports, 'maxHeaderSize', {
  configurable: true,
  enumerable: true,
  get() {
    return nodeHttp.maxHeaderSize;
  },
});

Object.defineProperty(module.exports, 'globalAgent', {
  configurable: true,
  enumerable: true,
  get() {
    return agentModule.globalAgent;
  },
  set(value) {
    agentModule.globalAgent = value;
  },
});
