'use strict';
// `ClientRequest`, `request()` and `get()`: Node 20's client request over
// rshttp's sockets. The request is an OutgoingMessage; the response is parsed
// by the Rust core and delivered through a ResponseParser (client_parser.js).
// The socket life cycle (errors, 'end', 'close', keep-alive hand-back to the
// Agent, upgrades) follows Node's `_http_client` event for event.

const { URL, urlToHttpOptions } = require('url');
const { addAbortSignal, finished } = require('stream');
const { OutgoingMessage, kOutHeaders, kNeedDrain, kUniqueHeaders, parseUniqueHeadersOption } = require('./outgoing_message');
const agentModule = require('./agent');
const { createConnection, kDoneRequest } = require('./client_socket');
const { httpPerf, startHttpEntry, stopHttpEntry } = require('./perf');
const { attachParser, deferClose, isForeign, onForeignEnd, switchToRaw } = require('./client_parser');
const { ConnResetException, codes } = require('./errors');
const { checkIsHttpToken, validateBoolean, validateInteger, validateNumber } = require('./validators');

const {
  ERR_HTTP_HEADERS_SENT,
  ERR_INVALID_ARG_TYPE,
  ERR_INVALID_HTTP_TOKEN,
  ERR_INVALID_PROTOCOL,
  ERR_OUT_OF_RANGE,
  ERR_UNESCAPED_CHARACTERS,
} = codes;

const INVALID_PATH_REGEX = /[^\u0021-\u00ff]/;
const TIMEOUT_MAX = 2 ** 31 - 1;
const kError = Symbol('kError');

const insecureByFlag = process.execArgv.includes('--insecure-http-parser') ||
  /(^|\s)--insecure-http-parser(\s|$)/.test(process.env.NODE_OPTIONS || '');

function validateHost(host, name) {
  if (host !== null && host !== undefined && typeof host !== 'string') {
    throw new ERR_INVALID_ARG_TYPE(`options.${name}`, ['string', 'undefined', 'null'], host);
  }
  return host;
}

/** Node's getTimerDuration: a non-negative number, capped at TIMEOUT_MAX. */
function timerDuration(msecs, name) {
  validateNumber(msecs, name);
  if (msecs < 0 || !Number.isFinite(msecs)) throw new ERR_OUT_OF_RANGE(name, 'a non-negative finite number', msecs);
  if (msecs > TIMEOUT_MAX) {
    process.emitWarning(`${msecs} does not fit into a 32-bit signed integer.` +
      `\nTimer duration was truncated to ${TIMEOUT_MAX}.`, 'TimeoutOverflowWarning');
    return TIMEOUT_MAX;
  }
  return msecs;
}

/**
 * The Host header for a host and port (an IPv6 literal bracketed, the port
 * left out when it is the default), the last one kept: a pool's requests
 * ask for the same, and the same string is then checked and looked up as
 * one seen before.
 */
const lastHost = { host: '', port: undefined, defaultPort: undefined, header: '' };
function hostHeaderOf(host, port, defaultPort) {
  const last = lastHost;
  if (last.header !== '' && host === last.host && port === last.port && defaultPort === last.defaultPort) {
    return last.header;
  }
  let hostHeader = host;
  const posColon = hostHeader.indexOf(':');
  if (posColon !== -1 && hostHeader.includes(':', posColon + 1) && hostHeader.charCodeAt(0) !== 91) {
    hostHeader = `[${hostHeader}]`;
  }
  if (port && +port !== defaultPort) hostHeader += ':' + port;
  if (typeof host === 'string' && (typeof port === 'number' || typeof port === 'string')) {
    last.host = host;
    last.port = port;
    last.defaultPort = defaultPort;
    last.header = hostHeader;
  }
  return hostHeader;
}

function isURL(v) {
  return v instanceof URL || Boolean(v && typeof v === 'object' && v.href && v.protocol && v.auth === undefined && v.path === undefined);
}

/** An outgoing request: `http.request(url | options[, options][, callback])`. */
function ClientRequest(input, options, cb) {
  OutgoingMessage.call(this);

  if (typeof input === 'string') {
    input = urlToHttpOptions(new URL(input));
  } else if (isURL(input)) {
    input = urlToHttpOptions(input);
  } else {
    cb = options;
    options = input;
    input = null;
  }
  if (typeof options === 'function') {
    cb = options;
    options = input || {};
  } else {
    options = Object.assign(input || {}, options);
  }

  let agent = options.agent;
  const defaultAgent = options._defaultAgent || agentModule.globalAgent;
  if (agent === false) {
    agent = new defaultAgent.constructor();
  } else if (agent === null || agent === undefined) {
    if (typeof options.createConnection !== 'function') agent = defaultAgent;
  } else if (typeof agent.addRequest !== 'function') {
    throw new ERR_INVALID_ARG_TYPE('options.agent', ['Agent-like Object', 'undefined', 'false'], agent);
  }
  this.agent = agent;

  const protocol = options.protocol || defaultAgent.protocol;
  let expectedProtocol = defaultAgent.protocol;
  if (this.agent && this.agent.protocol) expectedProtocol = this.agent.protocol;

  if (options.path) {
    const path = String(options.path);
    if (INVALID_PATH_REGEX.test(path)) throw new ERR_UNESCAPED_CHARACTERS('Request path');
  }
  if (protocol !== expectedProtocol) throw new ERR_INVALID_PROTOCOL(protocol, expectedProtocol);

  const defaultPort = options.defaultPort || (this.agent && this.agent.defaultPort);
  const port = options.port = options.port || defaultPort || 80;
  const host = options.host = validateHost(options.hostname, 'hostname') ||
    validateHost(options.host, 'host') || 'localhost';
  const setHost = options.setHost === undefined || Boolean(options.setHost);

  this.socketPath = options.socketPath;
  if (options.timeout !== undefined) this.timeout = timerDuration(options.timeout, 'timeout');

  const signal = options.signal;
  if (signal) addAbortSignal(signal, this);

  let method = options.method;
  const methodIsString = typeof method === 'string';
  if (method !== null && method !== undefined && !methodIsString) {
    throw new ERR_INVALID_ARG_TYPE('options.method', 'string', method);
  }
  if (methodIsString && method) {
    if (!checkIsHttpToken(method)) throw new ERR_INVALID_HTTP_TOKEN('Method', method);
    method = this.method = method.toUpperCase();
  } else {
    method = this.method = 'GET';
  }

  const maxHeaderSize = options.maxHeaderSize;
  if (maxHeaderSize !== undefined) validateInteger(maxHeaderSize, 'maxHeaderSize', 0);
  this.maxHeaderSize = maxHeaderSize;

  const insecureHTTPParser = options.insecureHTTPParser;
  if (insecureHTTPParser !== undefined && typeof insecureHTTPParser !== 'boolean') {
    throw new ERR_INVALID_ARG_TYPE('options.insecureHTTPParser', 'boolean', insecureHTTPParser);
  }
  this.insecureHTTPParser = insecureHTTPParser;

  const joinDuplicateHeaders = options.joinDuplicateHeaders;
  if (joinDuplicateHeaders !== undefined) validateBoolean(joinDuplicateHeaders, 'options.joinDuplicateHeaders');
  this.joinDuplicateHeaders = joinDuplicateHeaders;

  this.path = options.path || '/';
  if (cb) this.once('response', cb);

  this.useChunkedEncodingByDefault = !(method === 'GET' || method === 'HEAD' || method === 'DELETE' ||
    method === 'OPTIONS' || method === 'TRACE' || method === 'CONNECT');

  this._ended = false;
  this.res = null;
  this.aborted = false;
  this.timeoutCb = null;
  this.upgradeOrConnect = false;
  this.parser = null;
  this.maxHeadersCount = null;
  this.reusedSocket = false;
  this.host = host;
  this.protocol = protocol;

  if (this.agent) {
    // Keep-alive only when the agent will actually reuse the socket.
    if (!this.agent.keepAlive && !Number.isFinite(this.agent.maxSockets)) {
      this._last = true;
      this.shouldKeepAlive = false;
    } else {
      this._last = false;
      this.shouldKeepAlive = true;
    }
  }

  const headersArray = Array.isArray(options.headers);
  if (!headersArray) {
    if (options.headers) {
      const keys = Object.keys(options.headers);
      for (let i = 0; i < keys.length; i++) this.setHeader(keys[i], options.headers[keys[i]]);
    }
    if (host && !this.getHeader('host') && setHost) {
      this.setHeader('Host', hostHeaderOf(host, port, defaultPort));
    }
    if (options.auth && !this.getHeader('Authorization')) {
      this.setHeader('Authorization', 'Basic ' + Buffer.from(options.auth).toString('base64'));
    }
    if (this.getHeader('expect')) {
      if (this._header) throw new ERR_HTTP_HEADERS_SENT('render');
      this._storeHeader(this.method + ' ' + this.path + ' HTTP/1.1\r\n', this[kOutHeaders]);
    }
  } else {
    this._storeHeader(this.method + ' ' + this.path + ' HTTP/1.1\r\n', options.headers);
  }

  this[kUniqueHeaders] = parseUniqueHeadersOption(options.uniqueHeaders);

  let optsWithoutSignal = options;
  if (optsWithoutSignal.signal) {
    optsWithoutSignal = Object.assign({}, options);
    delete optsWithoutSignal.signal;
  }

  if (this.agent) {
    this.agent.addRequest(this, optsWithoutSignal);
  } else {
    // No agent: Connection: close.
    this._last = true;
    this.shouldKeepAlive = false;
    // The connection's `path` is the unix socket path, not the request's.
    if (optsWithoutSignal.path || optsWithoutSignal.socketPath) {
      optsWithoutSignal = { ...optsWithoutSignal };
      if (optsWithoutSignal.socketPath) optsWithoutSignal.path = optsWithoutSignal.socketPath;
      else optsWithoutSignal.path = undefined;
    }
    if (typeof optsWithoutSignal.createConnection === 'function') {
      let called = false;
      const oncreate = (err, socket) => {
        if (called) return;
        called = true;
        if (err) process.nextTick(() => this.emit('error', err));
        else this.onSocket(socket);
      };
      try {
        const newSocket = optsWithoutSignal.createConnection(optsWithoutSignal, oncreate);
        if (newSocket) oncreate(null, newSocket);
      } catch (err) {
        oncreate(err);
      }
    } else {
      this.onSocket(createConnection(optsWithoutSignal));
    }
  }
}
Object.setPrototypeOf(ClientRequest.prototype, OutgoingMessage.prototype);
Object.setPrototypeOf(ClientRequest, OutgoingMessage);

ClientRequest.prototype._finish = function _finish() {
  OutgoingMessage.prototype._finish.call(this);
  if (httpPerf.observed) {
    startHttpEntry(this, 'HttpClient', {
      req: {
        method: this.method,
        url: `${this.protocol}//${this.host}${this.path}`,
        headers: typeof this.getHeaders === 'function' ? this.getHeaders() : {},
      },
    });
  }
};

ClientRequest.prototype._implicitHeader = function _implicitHeader() {
  if (this._header) throw new ERR_HTTP_HEADERS_SENT('render');
  this._storeHeader(this.method + ' ' + this.path + ' HTTP/1.1\r\n', this[kOutHeaders]);
};

/** Deprecated: destroys the request and emits 'abort'. */
ClientRequest.prototype.abort = function abort() {
  if (this.aborted) return;
  this.aborted = true;
  process.nextTick(emitAbortNT, this);
  this.destroy();
};

ClientRequest.prototype.destroy = function destroy(err) {
  if (this.destroyed) return this;
  this.destroyed = true;
  // No more response data is wanted.
  if (this.res) this.res._dump();
  this[kError] = err;
  this.socket?.destroy(err);
  return this;
};

function emitAbortNT(req) {
  req.emit('abort');
}

function ondrain() {
  const msg = this._httpMessage;
  if (msg && !msg.finished && msg[kNeedDrain]) {
    msg[kNeedDrain] = false;
    msg.emit('drain');
  }
}

function socketCloseListener() {
  const socket = this;
  // A foreign socket's last bytes may still be in the core's hands.
  if (isForeign(socket) && deferClose(socket, socketCloseListener)) return;
  const req = socket._httpMessage;
  const parser = socket.parser;
  const res = req.res;

  req.destroyed = true;
  if (res) {
    // The socket closed before the response ended.
    if (!res.complete) res.destroy(new ConnResetException('aborted'));
    req._closed = true;
    req.emit('close');
    if (!res.aborted && res.readable) res.push(null);
  } else {
    if (!req.socket._hadError) {
      // Closed before any response: the error belongs to the request.
      req.socket._hadError = true;
      req.emit('error', new ConnResetException('socket hang up'));
    }
    req._closed = true;
    req.emit('close');
  }
  if (req.outputData) req.outputData.length = 0;
  if (parser) freeParser(parser, req, socket);
}

function socketErrorListener(err) {
  const socket = this;
  const req = socket._httpMessage;
  if (req) {
    // Later errors must not fire 'error' twice.
    req.socket._hadError = true;
    req.emit('error', err);
  }
  const parser = socket.parser;
  if (parser) freeParser(parser, req, socket);
  socket.removeListener('end', socketOnEnd);
  socket.destroy();
}

function socketOnEnd() {
  const socket = this;
  const req = this._httpMessage;
  const parser = this.parser;
  if (!req.res && !req.socket._hadError) {
    // Ended before a response: the request fails.
    req.socket._hadError = true;
    req.emit('error', new ConnResetException('socket hang up'));
  }
  if (parser) freeParser(parser, req, socket);
  socket.destroy();
}

function freeParser(parser, req, socket) {
  parser.free();
  if (req) req.parser = null;
  if (socket) socket.parser = null;
}

/** After a final response's body: the parser lets go of the socket. */
function onMessageDone() {
  const parser = this;
  const socket = parser.socket;
  const req = parser.outgoing;
  socket.removeListener('end', socketOnEnd);
  socket.removeListener('drain', ondrain);
  // Until the events read with this response are delivered, a parse error
  // among them still belongs to this request.
  socket[kDoneRequest] = req;
  process.nextTick(() => {
    if (socket[kDoneRequest] === req) socket[kDoneRequest] = null;
  });
  freeParser(parser, req, socket);
}

/** A parse error: the request fails and the socket closes. */
function onParseError(err) {
  const parser = this;
  const socket = parser.socket;
  const req = parser.outgoing;
  freeParser(parser, req, socket);
  socket.destroy();
  req.socket._hadError = true;
  req.emit('error', err);
}

/** A 101 or CONNECT answer: the socket is handed over with what followed. */
function onUpgrade(res) {
  const parser = this;
  const socket = parser.socket;
  const req = parser.outgoing;
  req.res = res;
  socket.removeListener('end', socketOnEnd);
  socket.removeListener('drain', ondrain);
  if (req.timeoutCb) socket.removeListener('timeout', req.timeoutCb);
  socket.removeListener('timeout', responseOnTimeout);
  freeParser(parser, req, socket);

  const eventName = req.method === 'CONNECT' ? 'connect' : 'upgrade';
  if (req.listenerCount(eventName) === 0) {
    // Asked for an upgrade or CONNECT with nobody to take the socket.
    socket.destroy();
    return;
  }
  req.upgradeOrConnect = true;
  switchToRaw(socket, (bodyHead) => {
    socket.emit('agentRemove');
    socket.removeListener('close', socketCloseListener);
    socket.removeListener('error', socketErrorListener);
    socket._httpMessage = null;
    socket.readableFlowing = null;
    req.emit(eventName, res, socket, bodyHead);
    req.destroyed = true;
    req._closed = true;
    req.emit('close');
  });
}

function statusIsInformational(status) {
  return status < 200 && status >= 100 && status !== 101;
}

/** The response head arrived (Node's parserOnIncomingClient). */
function parserOnIncomingClient(res, shouldKeepAlive) {
  const socket = this.socket;
  const req = socket._httpMessage;

  if (req.res) {
    // A second response to one request.
    socket.destroy();
    return 0;
  }
  req.res = res;
  if (res.upgrade) return 2;
  if (req.method === 'CONNECT') {
    res.upgrade = true;
    return 2;
  }
  if (statusIsInformational(res.statusCode)) {
    req.res = null;
    if (res.statusCode === 100) req.emit('continue');
    req.emit('information', {
      statusCode: res.statusCode,
      statusMessage: res.statusMessage,
      httpVersion: res.httpVersion,
      httpVersionMajor: res.httpVersionMajor,
      httpVersionMinor: res.httpVersionMinor,
      headers: res.headers,
      rawHeaders: res.rawHeaders,
    });
    return 1;
  }
  if (req.shouldKeepAlive && !shouldKeepAlive && !req.upgradeOrConnect) {
    // The server must agree to keep-alive.
    req.shouldKeepAlive = false;
  }
  req.res = res;
  res.req = req;
  if (httpPerf.observed) {
    stopHttpEntry(req, { res: { statusCode: res.statusCode, statusMessage: res.statusMessage, headers: res.headers } });
  }
  res.on('end', responseOnEnd);
  req.on('finish', requestOnFinish);
  socket.on('timeout', responseOnTimeout);
  // With no 'response' listener nobody can read the body: dump it.
  if (req.aborted || !req.emit('response', res)) res._dump();
  if (req.method === 'HEAD') return 1;
  if (res.statusCode === 304) {
    res.complete = true;
    return 1;
  }
  return 0;
}

function responseKeepAlive(req) {
  const socket = req.socket;
  if (req.timeoutCb) {
    socket.setTimeout(0, req.timeoutCb);
    req.timeoutCb = null;
  }
  socket.removeListener('close', socketCloseListener);
  socket.removeListener('error', socketErrorListener);
  socket.removeListener('end', socketOnEnd);
  // The socket becomes free after the user's 'end' handlers have run.
  process.nextTick(emitFreeNT, req);
  req.destroyed = true;
  if (req.res) {
    // Destroying the response must not destroy the pooled socket.
    req.res.socket = null;
  }
}

function responseOnEnd() {
  const req = this.req;
  const socket = req.socket;
  if (socket) {
    if (req.timeoutCb) socket.removeListener('timeout', emitRequestTimeout);
    socket.removeListener('timeout', responseOnTimeout);
  }
  req._ended = true;
  if (!req.shouldKeepAlive) {
    if (socket.writable) {
      if (typeof socket.destroySoon === 'function') socket.destroySoon();
      else socket.end();
    }
  } else if (req.writableFinished && !this.aborted) {
    // Only a socket whose request was fully written goes back to the pool.
    responseKeepAlive(req);
  }
}

function responseOnTimeout() {
  const req = this._httpMessage;
  if (!req) return;
  const res = req.res;
  if (!res) return;
  res.emit('timeout');
}

function requestOnFinish() {
  const req = this;
  if (req.shouldKeepAlive && req._ended) responseKeepAlive(req);
}

function emitFreeNT(req) {
  req._closed = true;
  req.emit('close');
  if (req.socket) req.socket.emit('free');
}

function tickOnSocket(req, socket) {
  const lenient = req.insecureHTTPParser === undefined ? insecureByFlag : req.insecureHTTPParser;
  req.socket = socket;
  const parser = attachParser(socket, req, lenient);
  req.parser = parser;
  socket.parser = parser;
  socket._httpMessage = req;
  if (typeof req.maxHeadersCount === 'number') parser.maxHeaderPairs = req.maxHeadersCount << 1;
  parser.onIncoming = parserOnIncomingClient;
  parser.onMessageDone = onMessageDone;
  parser.onError = onParseError;
  parser.onUpgrade = onUpgrade;

  socket.on('error', socketErrorListener);
  if (isForeign(socket)) onForeignEnd(socket, (s) => socketOnEnd.call(s));
  else socket.on('end', socketOnEnd);
  socket.on('close', socketCloseListener);
  socket.on('drain', ondrain);

  if (req.timeout !== undefined || (req.agent && req.agent.options && req.agent.options.timeout)) {
    listenSocketTimeout(req);
  }
  req.emit('socket', socket);
}

function emitRequestTimeout() {
  const req = this._httpMessage;
  if (req) req.emit('timeout');
}

function listenSocketTimeout(req) {
  if (req.timeoutCb) return;
  // Cleaned up when the request ends.
  req.timeoutCb = emitRequestTimeout;
  if (req.socket) {
    req.socket.once('timeout', emitRequestTimeout);
  } else {
    req.on('socket', (socket) => {
      socket.once('timeout', emitRequestTimeout);
    });
  }
}

/** Called by the Agent (or directly) with the socket for this request. */
ClientRequest.prototype.onSocket = function onSocket(socket, err) {
  process.nextTick(onSocketNT, this, socket, err);
};

function onSocketNT(req, socket, err) {
  if (req.destroyed || err) {
    req.destroyed = true;
    const done = (req, err) => {
      if (!req.aborted && !err) err = new ConnResetException('socket hang up');
      if (err) req.emit('error', err);
      req._closed = true;
      req.emit('close');
    };
    if (socket) {
      if (!err && req.agent && !socket.destroyed) {
        socket.emit('free');
      } else {
        finished(socket.destroy(err || req[kError]), (er) => {
          if (er?.code === 'ERR_STREAM_PREMATURE_CLOSE') er = null;
          done(req, er || err);
        });
        return;
      }
    }
    done(req, err || req[kError]);
  } else {
    tickOnSocket(req, socket);
    req._flush();
  }
}

/** Calls `socket[method](...args)` once a socket is assigned and connected. */
ClientRequest.prototype._deferToConnect = function _deferToConnect(method, args) {
  const callSocketMethod = () => {
    if (method) this.socket[method](...args);
  };
  const onSocket = () => {
    if (this.socket.writable) callSocketMethod();
    else this.socket.once('connect', callSocketMethod);
  };
  if (!this.socket) this.once('socket', onSocket);
  else onSocket();
};

ClientRequest.prototype.setTimeout = function setTimeout(msecs, callback) {
  if (this._ended) return this;
  listenSocketTimeout(this);
  msecs = timerDuration(msecs, 'msecs');
  if (callback) this.once('timeout', callback);
  if (this.socket) setSocketTimeout(this.socket, msecs);
  else this.once('socket', (sock) => setSocketTimeout(sock, msecs));
  return this;
};

function setSocketTimeout(sock, msecs) {
  if (sock.connecting) {
    sock.once('connect', function() {
      sock.setTimeout(msecs);
    });
  } else {
    sock.setTimeout(msecs);
  }
}

ClientRequest.prototype.setNoDelay = function setNoDelay(noDelay) {
  this._deferToConnect('setNoDelay', [noDelay]);
};

ClientRequest.prototype.setSocketKeepAlive = function setSocketKeepAlive(enable, initialDelay) {
  this._deferToConnect('setKeepAlive', [enable, initialDelay]);
};

ClientRequest.prototype.clearTimeout = function clearTimeout(cb) {
  this.setTimeout(0, cb);
};

/** `http.request(url | options[, options][, callback])`. */
function request(url, options, cb) {
  return new ClientRequest(url, options, cb);
}

/** `http.get(...)`: a request that is ended at once. */
function get(url, options, cb) {
  const req = request(url, options, cb);
  req.end();
  return req;
}

/** Marks these as rshttp's own client (the benchmark checks it). */
request.rshttpNative = true;

module.exports = {
  ClientRequest,
  request,
  get,
};
