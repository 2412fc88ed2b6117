'use strict';
// rshttp: Node's `http` module with the server on a Rust core. The client
// side (`request`, `get`, `Agent`, `ClientRequest`) is still Node's own
// until rshttp's client lands, so the module stays a complete drop-in.

const nodeHttp = require('node:http');
const { Server, createServer } = require('./lib/server');
const { IncomingMessage } = require('./lib/incoming_message');
const { ServerResponse } = require('./lib/server_response');
const { OutgoingMessage, validateHeaderName, validateHeaderValue } = require('./lib/outgoing_message');
const { METHODS, STATUS_CODES } = require('./lib/http_common');
const { validateInteger } = require('./lib/validators');

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
  METHODS,
  STATUS_CODES,
  Agent: nodeHttp.Agent,
  ClientRequest: nodeHttp.ClientRequest,
  IncomingMessage,
  OutgoingMessage,
  Server,
  ServerResponse,
  createServer,
  validateHeaderName,
  validateHeaderValue,
  get: nodeHttp.get,
  request: nodeHttp.request,
  setMaxIdleHTTPParsers,
};

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
    return nodeHttp.globalAgent;
  },
  set(value) {
    nodeHttp.globalAgent = value;
  },
});
