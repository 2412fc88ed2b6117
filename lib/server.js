'use strict';
// `Server`: Node's http.Server over the Rust core. The core accepts and
// parses; this file holds Node's per-connection HTTP logic (response queue
// for pipelining, keep-alive, Expect, upgrades, client errors, timeouts).

const net = require('net');
const dns = require('dns');
const {
  InjectedInput, binding, connections, listeners, responseDone, runTicks, FLAG_HAS_BODY, FLAG_KEEP_ALIVE,
  FLAG_UPGRADE,
} = require('./native');
const nativeRefs = require('./native');
const { serverIoThreads } = require('./io_mode');
const { ServerSocket, isReadCopy } = require('./socket');
const { ServerHandle } = require('./handle');
const {
  listenDescriptor, listenHandle, takeOverHandle, listensThroughCluster, createAcceptor, closeAcceptor, chmodSocket,
} = require('./handoff');
const {
  IncomingMessage, dumpEnded, isEndedUnread, noteReadStarted, pushEnd, readStart, readStop, resumeEnded,
} = require('./incoming_message');
const { ServerResponse, emitCloseNT, kSocketCloseHandled, onServerResponseClose } = require('./server_response');
const { kUniqueHeaders, parseUniqueHeadersOption } = require('./outgoing_message');
const { continueExpression, keepHeaderLines, STATUS_CODES } = require('./http_common');
const { codes, ConnResetException, UVExceptionWithHostPort, nativeIoError } = require('./errors');
const { validateInteger, validateBoolean, validateObject, validatePort } = require('./validators');

const kIncomingMessage = Symbol('IncomingMessage');
const kServerResponse = Symbol('ServerResponse');
const kListener = Symbol('kListener');
const kAddress = Symbol('kAddress');
const kRefed = Symbol('kRefed');
const kSockets = Symbol('kSockets');
const kConn = Symbol('kConn');
const kReq = Symbol('kReq');
const kResponseOptions = Symbol('kResponseOptions');
const kCoreTimeouts = Symbol('kCoreTimeouts');
const kHandle = Symbol('kHandle');
const kAcceptor = Symbol('kAcceptor');
const kGivenHandle = Symbol('kGivenHandle');

// Node 20 lets an idle keep-alive socket live this much past the
// keepAliveTimeout it advertises (HTTP_SERVER_KEEP_ALIVE_TIMEOUT_BUFFER), so
// a client reusing it just before the advertised end does not race a close.
const KEEP_ALIVE_TIMEOUT_BUFFER = 1000;

/** The idle time the core allows between requests (0: none, as in Node). */
function keepAliveSocketTimeout(keepAliveTimeout) {
  return keepAliveTimeout > 0 ? keepAliveTimeout + KEEP_ALIVE_TIMEOUT_BUFFER : 0;
}

/**
 * Passes the server's timeouts to the core when they changed since it last
 * did: Node reads headersTimeout, requestTimeout and keepAliveTimeout
 * afresh, so setting them after listen() (common for keepAliveTimeout)
 * takes effect, on open connections too.
 */
function syncTimeouts(server) {
  const sent = server[kCoreTimeouts];
  if (sent === undefined || (sent[0] === server.headersTimeout && sent[1] === server.requestTimeout &&
      sent[2] === server.keepAliveTimeout)) {
    return;
  }
  sent[0] = server.headersTimeout;
  sent[1] = server.requestTimeout;
  sent[2] = server.keepAliveTimeout;
  if (server[kListener] != null) {
    binding.serverSetTimeouts(server[kListener], Number(sent[0]) || 0, Number(sent[1]) || 0,
      keepAliveSocketTimeout(Number(sent[2]) || 0));
  }
}

const badRequestResponse = Buffer.from(`HTTP/1.1 400 ${STATUS_CODES[400]}\r\nConnection: close\r\n\r\n`, 'ascii');
const requestTimeoutResponse = Buffer.from(`HTTP/1.1 408 ${STATUS_CODES[408]}\r\nConnection: close\r\n\r\n`, 'ascii');
const headerFieldsTooLargeResponse = Buffer.from(`HTTP/1.1 431 ${STATUS_CODES[431]}\r\nConnection: close\r\n\r\n`, 'ascii');
const chunkExtensionsTooLargeResponse = Buffer.from(`HTTP/1.1 413 ${STATUS_CODES[413]}\r\nConnection: close\r\n\r\n`, 'ascii');

/** Default cap on header lines handed to JS (Node's parser limit). */
const MAX_HEADER_PAIRS = 2000;

/** Node's parser.maxHeaderPairs for `server`'s connections: entries, not fields. */
function maxHeaderPairs(server) {
  return typeof server.maxHeadersCount === 'number' ? server.maxHeadersCount << 1 : MAX_HEADER_PAIRS;
}

function noop() {}

const HAS_HOST = 1;
const HAS_EXPECT = 2;

/**
 * Which of Host and Expect the raw header list (first `n` entries) has, as
 * HAS_* bits, in one pass (the usual spellings compared before lower-casing).
 */
function rawHostExpect(raw, n) {
  let bits = 0;
  for (let i = 0; i < n; i += 2) {
    const f = raw[i];
    if (f.length === 4) {
      if (f === 'Host' || f === 'host' || f.toLowerCase() === 'host') bits |= HAS_HOST;
    } else if (f.length === 6) {
      if (f === 'Expect' || f === 'expect' || f.toLowerCase() === 'expect') bits |= HAS_EXPECT;
    }
  }
  return bits;
}

/** Validates and stores the HTTP options of `createServer`. */
function storeHTTPOptions(options) {
  this[kIncomingMessage] = options.IncomingMessage || IncomingMessage;
  this[kServerResponse] = options.ServerResponse || ServerResponse;

  const maxHeaderSize = options.maxHeaderSize;
  if (maxHeaderSize !== undefined) validateInteger(maxHeaderSize, 'maxHeaderSize', 0);
  this.maxHeaderSize = maxHeaderSize;

  const insecureHTTPParser = options.insecureHTTPParser;
  if (insecureHTTPParser !== undefined) validateBoolean(insecureHTTPParser, 'options.insecureHTTPParser');
  this.insecureHTTPParser = insecureHTTPParser;

  const requestTimeout = options.requestTimeout;
  if (requestTimeout !== undefined) {
    validateInteger(requestTimeout, 'requestTimeout', 0);
    this.requestTimeout = requestTimeout;
  } else {
    this.requestTimeout = 300_000;
  }

  const headersTimeout = options.headersTimeout;
  if (headersTimeout !== undefined) {
    validateInteger(headersTimeout, 'headersTimeout', 0);
    this.headersTimeout = headersTimeout;
  } else {
    this.headersTimeout = Math.min(60_000, this.requestTimeout);
  }

  if (this.requestTimeout > 0 && this.headersTimeout > 0 && this.headersTimeout > this.requestTimeout) {
    throw new codes.ERR_OUT_OF_RANGE('headersTimeout', '<= requestTimeout', headersTimeout);
  }

  const keepAliveTimeout = options.keepAliveTimeout;
  if (keepAliveTimeout !== undefined) {
    validateInteger(keepAliveTimeout, 'keepAliveTimeout', 0);
    this.keepAliveTimeout = keepAliveTimeout;
  } else {
    this.keepAliveTimeout = 5_000;
  }

  const connectionsCheckingInterval = options.connectionsCheckingInterval;
  if (connectionsCheckingInterval !== undefined) {
    validateInteger(connectionsCheckingInterval, 'connectionsCheckingInterval', 0);
    this.connectionsCheckingInterval = connectionsCheckingInterval;
  } else {
    this.connectionsCheckingInterval = 30_000;
  }

  const requireHostHeader = options.requireHostHeader;
  if (requireHostHeader !== undefined) {
    validateBoolean(requireHostHeader, 'options.requireHostHeader');
    this.requireHostHeader = requireHostHeader;
  } else {
    this.requireHostHeader = true;
  }

  const joinDuplicateHeaders = options.joinDuplicateHeaders;
  if (joinDuplicateHeaders !== undefined) validateBoolean(joinDuplicateHeaders, 'options.joinDuplicateHeaders');
  this.joinDuplicateHeaders = joinDuplicateHeaders;

  const rejectNonStandardBodyWrites = options.rejectNonStandardBodyWrites;
  if (rejectNonStandardBodyWrites !== undefined) {
    validateBoolean(rejectNonStandardBodyWrites, 'options.rejectNonStandardBodyWrites');
    this.rejectNonStandardBodyWrites = rejectNonStandardBodyWrites;
  } else {
    this.rejectNonStandardBodyWrites = false;
  }
}

/** An HTTP server: `http.Server`. */
function Server(options, requestListener) {
  if (!(this instanceof Server)) return new Server(options, requestListener);
  if (typeof options === 'function') {
    requestListener = options;
    options = {};
  } else if (options == null) {
    options = {};
  } else {
    validateObject(options, 'options');
  }
  storeHTTPOptions.call(this, options);
  net.Server.call(this, {
    allowHalfOpen: true,
    noDelay: options.noDelay ?? true,
    keepAlive: options.keepAlive,
    keepAliveInitialDelay: options.keepAliveInitialDelay,
    highWaterMark: options.highWaterMark,
  });
  this[kListener] = null;
  /** The `_handle` object once made while listening (see `_handle`). */
  this[kHandle] = undefined;
  this[kAddress] = null;
  this[kRefed] = true;
  this[kSockets] = new Set();
  this[kResponseOptions] = undefined;
  this._rshttpOptions = options;
  if (requestListener) this.on('request', requestListener);
  this.httpAllowHalfOpen = false;
  this.on('connection', connectionListener);
  this.timeout = 0;
  this.maxHeadersCount = null;
  this.maxRequestsPerSocket = 0;
  this[kUniqueHeaders] = parseUniqueHeadersOption(options.uniqueHeaders);
}
Object.setPrototypeOf(Server.prototype, net.Server.prototype);
Object.setPrototypeOf(Server, net.Server);

Object.defineProperty(Server.prototype, 'listening', {
  configurable: true,
  enumerable: true,
  get() {
    return this[kListener] !== null;
  },
});

/**
 * net's listening handle: an object (lib/handle.js, made on first read)
 * while the server listens, null otherwise. Packages test it to tell a
 * listening server (supertest closes only those). Assignable, as net's is.
 */
Object.defineProperty(Server.prototype, '_handle', {
  configurable: true,
  enumerable: true,
  get() {
    const h = this[kHandle];
    if (h !== undefined) return h;
    if (this[kListener] === null) return null;
    // A cluster worker's server: the handle the cluster gave its acceptor.
    if (this[kAcceptor]) return this[kAcceptor]._handle;
    return (this[kHandle] = new ServerHandle(this, serverOps));
  },
  set(value) {
    this[kHandle] = value;
  },
});

/** What a server's `_handle` (lib/handle.js) reads of it. */
const serverOps = {
  id: (server) => server[kListener],
  refed: (server) => server[kRefed],
  stop: stopListening,
};

/** Stops accepting (open connections go on); no-op when not listening. */
function stopListening(server) {
  if (server[kListener] === null) return;
  const id = server[kListener];
  binding.serverClose(id);
  listeners.delete(id);
  server[kListener] = null;
  server[kHandle] = undefined;
  const given = server[kGivenHandle];
  if (given) {
    // A handle listen() was given is the server's, and closes with it.
    server[kGivenHandle] = null;
    given.close();
  }
  const acceptor = server[kAcceptor];
  if (acceptor) {
    // The acceptor's handle held the loop, not the core's listener.
    server[kAcceptor] = null;
    closeAcceptor(acceptor);
  } else if (server[kRefed]) {
    nativeRefs.unref();
  }
}

/** Parses listen()'s many forms into an options object and a callback. */
function normalizeListenArgs(args) {
  let cb = typeof args[args.length - 1] === 'function' ? args[args.length - 1] : null;
  if (cb) args = args.slice(0, -1);
  const first = args[0];
  const opts = {};
  if (first !== null && typeof first === 'object') {
    Object.assign(opts, first);
  } else if (typeof first === 'string' && first.length > 0 && !/^[0-9]+$/.test(first)) {
    opts.path = first;
    if (typeof args[1] === 'number') opts.backlog = args[1];
  } else {
    if (first !== undefined) opts.port = first;
    if (typeof args[1] === 'string') {
      opts.host = args[1];
      if (typeof args[2] === 'number') opts.backlog = args[2];
    } else if (typeof args[1] === 'number') {
      opts.backlog = args[1];
    }
  }
  return [opts, cb];
}

Server.prototype.listen = function listen(...args) {
  const fd = listenDescriptor(args[0]);
  const [opts, cb] = normalizeListenArgs(args);
  if (cb) this.once('listening', cb);
  if (this[kListener] !== null) throw new codes.ERR_SERVER_ALREADY_LISTEN();
  if (fd !== undefined) {
    // A handle or net.Server is listened on as given; `{ fd }` in a cluster
    // worker names the primary's descriptor, as in net.
    const plainFd = args[0].fd === fd && !args[0]._handle && !args[0].handle && typeof args[0].getsockname !== 'function';
    if (plainFd && listensThroughCluster(opts)) {
      listenWithAcceptor(this, opts);
      return this;
    }
    this._rshttpBind({ fd, backlog: opts.backlog });
    const handle = listenHandle(args[0]);
    if (handle && this[kListener] !== null) {
      // The core accepts from a duplicate of the descriptor; what libuv
      // still accepts on the handle is served by the core too.
      const id = this[kListener];
      this[kGivenHandle] = handle;
      takeOverHandle(handle, (clientFd) => binding.serverAdopt(id, clientFd), (err) => this.emit('error', err));
    }
    return this;
  }
  if ((opts.port !== undefined && opts.port !== null || opts.path !== undefined) && listensThroughCluster(opts)) {
    listenWithAcceptor(this, opts);
    return this;
  }
  if (opts.path !== undefined && opts.port === undefined) {
    this._rshttpBind({ path: String(opts.path), backlog: opts.backlog,
      readableAll: opts.readableAll, writableAll: opts.writableAll });
    return this;
  }
  if (opts.port !== undefined && opts.port !== null || !('path' in opts)) {
    const port = opts.port === undefined || opts.port === null ? 0 : validatePort(opts.port, 'options.port');
    const host = opts.host;
    const ipv6Only = !!opts.ipv6Only;
    if (host === undefined || host === null || host === '' || net.isIP(host)) {
      this._rshttpBind({ host: host || undefined, port, backlog: opts.backlog, ipv6Only });
    } else {
      dns.lookup(host, (err, address) => {
        if (err) {
          this.emit('error', err);
          return;
        }
        this._rshttpBind({ host: address, port, backlog: opts.backlog, ipv6Only });
      });
    }
    return this;
  }
  throw new codes.ERR_INVALID_ARG_VALUE('options', opts, 'must have the property "port" or "path"');
};

/** The core's settings for this server's connections. */
Server.prototype._rshttpConfig = function config() {
  const o = this._rshttpOptions;
  return {
    maxHeaderSize: this.maxHeaderSize || require('node:http').maxHeaderSize,
    insecureHttpParser: this.insecureHTTPParser ?? insecureByFlag,
    headersTimeout: this.headersTimeout,
    requestTimeout: this.requestTimeout,
    keepAliveTimeout: keepAliveSocketTimeout(this.keepAliveTimeout),
    noDelay: o.noDelay ?? true,
    keepAlive: !!o.keepAlive,
    keepAliveInitialDelay: o.keepAliveInitialDelay,
    ioThreads: serverIoThreads(o.ioThreads),
  };
};

Server.prototype._rshttpBind = function bind(target) {
  const config = {
    ...this._rshttpConfig(),
    host: target.host,
    port: target.port,
    path: target.path,
    fd: target.fd,
    ipv6Only: target.ipv6Only,
    backlog: typeof target.backlog === 'number' ? target.backlog : undefined,
  };
  let result;
  try {
    try {
      result = binding.listen(config);
    } catch (e) {
      if (target.host === undefined && /^EAFNOSUPPORT/.test(e.message)) {
        result = binding.listen({ ...config, host: '0.0.0.0' });
      } else {
        throw e;
      }
    }
  } catch (e) {
    const ioError = nativeIoError(e);
    if (ioError === null) {
      // Not an OS error: a contained internal error (a panic in the core).
      if (e.code === 'GenericFailure') e.code = 'ERR_INTERNAL_ASSERTION';
      process.nextTick(() => this.emit('error', e));
      return;
    }
    const { code, syscall, errno } = ioError;
    const address = target.path ?? (target.host ?? '::');
    const err = new UVExceptionWithHostPort(-Number(errno) || -5, syscall || 'listen', address, target.path ? undefined : target.port);
    if (code && err.code !== code) err.code = code;
    process.nextTick(() => this.emit('error', err));
    return;
  }
  if (target.path !== undefined) {
    try {
      chmodSocket(target.path, target.readableAll, target.writableAll);
    } catch (err) {
      binding.serverClose(result.id);
      process.nextTick(() => this.emit('error', err));
      return;
    }
  }
  if (target.fd !== undefined && result.family === '') target.path = result.address;
  this[kListener] = result.id;
  this[kHandle] = undefined;
  this[kCoreTimeouts] = [config.headersTimeout, config.requestTimeout, this.keepAliveTimeout];
  this[kAddress] = target.path !== undefined ?
    target.path :
    { address: result.address, family: result.family, port: result.port };
  this._connectionKey = target.path !== undefined ? `-1:${target.path}:0` : `${result.family === 'IPv6' ? 6 : 4}:${result.address}:${result.port}`;
  listeners.set(result.id, this);
  if (this[kRefed]) nativeRefs.ref();
  process.nextTick(() => {
    if (this[kListener] === result.id) this.emit('listening');
  });
};

Server.prototype.address = function address() {
  return this[kAddress] && this[kListener] !== null ? this[kAddress] : null;
};

Server.prototype.close = function close(cb) {
  this.closeIdleConnections();
  if (typeof cb === 'function') {
    if (this[kListener] === null) {
      this.once('close', function onClose() {
        cb(new codes.ERR_SERVER_NOT_RUNNING());
      });
    } else {
      this.once('close', cb);
    }
  }
  stopListening(this);
  this._emitCloseIfDrained();
  return this;
};

Server.prototype._emitCloseIfDrained = function _emitCloseIfDrained() {
  if (this[kListener] !== null || this._connections) return;
  process.nextTick(() => this.emit('close'));
};

Server.prototype.ref = function ref() {
  if (!this[kRefed]) {
    this[kRefed] = true;
    if (this[kAcceptor]) this[kAcceptor].ref();
    else if (this[kListener] !== null) nativeRefs.ref();
  }
  return this;
};

Server.prototype.unref = function unref() {
  if (this[kRefed]) {
    this[kRefed] = false;
    if (this[kAcceptor]) this[kAcceptor].unref();
    else if (this[kListener] !== null) nativeRefs.unref();
  }
  return this;
};

/**
 * Listens in a cluster worker as node:http's server does, through a
 * net.Server that follows the cluster protocol (lib/handoff.js); the core
 * serves each connection it accepts.
 */
function listenWithAcceptor(server, opts) {
  let result;
  try {
    result = binding.listen({ ...server._rshttpConfig(), handoff: true });
  } catch (e) {
    process.nextTick(() => server.emit('error', e));
    return;
  }
  const id = result.id;
  const acceptor = createAcceptor(server, (fd) => binding.serverAdopt(id, fd), (cb) => server.close(() => cb()));
  server[kAcceptor] = acceptor;
  server[kListener] = id;
  server[kHandle] = undefined;
  server[kCoreTimeouts] = [server.headersTimeout, server.requestTimeout, server.keepAliveTimeout];
  listeners.set(id, server);
  acceptor.once('listening', () => {
    if (server[kAcceptor] !== acceptor) return;
    server[kAddress] = acceptor.address();
    server._connectionKey = acceptor._connectionKey;
    server.emit('listening');
  });
  acceptor.on('error', (err) => {
    if (server[kAcceptor] !== acceptor) return;
    stopListening(server);
    server.emit('error', err);
  });
  if (!server[kRefed]) acceptor.unref();
  acceptor.listen(opts);
}

/**
 * Calls `cb(null, count)` a tick later with the number of open
 * connections; as net, a `cb` that is not a function throws
 * ERR_INVALID_ARG_TYPE (from process.nextTick).
 */
Server.prototype.getConnections = function getConnections(cb) {
  process.nextTick(cb, null, this._connections);
  return this;
};

Server.prototype.closeAllConnections = function closeAllConnections() {
  for (const socket of [...this[kSockets]]) socket.destroy();
};

Server.prototype.closeIdleConnections = function closeIdleConnections() {
  for (const socket of [...this[kSockets]]) {
    const state = socket[kConn];
    if (state && state.incomingQueue.length === 0 && !socket._httpMessage && !binding.connInMessage(state.connId)) {
      socket.destroy();
    }
  }
};

Server.prototype.setTimeout = function setTimeout(msecs, callback) {
  this.timeout = msecs;
  if (callback) this.on('timeout', callback);
  return this;
};

Server.prototype[require('events').captureRejectionSymbol] = function(err, event, ...args) {
  if (event === 'request') {
    const res = args[1];
    if (!res.headersSent && !res.writableEnded) {
      for (const name of res.getHeaderNames()) res.removeHeader(name);
      res.statusCode = 500;
      res.end(STATUS_CODES[500]);
    } else {
      res.destroy();
    }
  } else {
    net.Server.prototype[Symbol.for('nodejs.rejection')].call(this, err, event, ...args);
  }
};

/** Called by lib/native.js for each accepted connection. */
Server.prototype.onConnection = function onConnection(id, info) {
  if (this.maxConnections && this._connections >= this.maxConnections) {
    binding.connDestroy(id);
    this.emit('drop', {
      localAddress: info.localAddress, localPort: info.localPort, localFamily: info.family === 6 ? 'IPv6' : 'IPv4',
      remoteAddress: info.remoteAddress, remotePort: info.remotePort, remoteFamily: info.family === 6 ? 'IPv6' : 'IPv4',
    });
    return;
  }
  syncTimeouts(this);
  const state = new HttpConnection(this, id);
  const socket = new ServerSocket(id, info, state, { highWaterMark: this._rshttpOptions.highWaterMark });
  state.socket = socket;
  socket[kConn] = state;
  // net's back reference from an accepted socket to its server.
  socket._server = this;
  this._connections++;
  this[kSockets].add(socket);
  this.emit('connection', socket);
};

Server.prototype.onAcceptError = function onAcceptError(code) {
  this.emit('error', Object.assign(new Error(`accept ${code}`), { code, syscall: 'accept' }));
};

function connectionListener(socket) {
  const state = socket[kConn] || adoptSocket(this, socket);
  socket.server = this;
  // Bytes that reach the socket's readable side in HTTP mode (pushed by JS
  // into an accepted socket, or everything a foreign stream reads) are
  // parsed by the core.
  socket.on('data', state.onSocketData);
  socket.parser = state;
  if (this.timeout && typeof socket.setTimeout === 'function') socket.setTimeout(this.timeout);
  socket.on('timeout', socketOnTimeout);
  socket.on('error', socketOnError);
  socket.on('close', state.onClose);
  // The response on the socket closes with it: Node adds this listener in
  // each assignSocket(); here it stays for the connection.
  socket.on('close', onServerResponseClose);
  socket[kSocketCloseHandled] = true;
  socket.on('drain', state.onDrain);
  socket.setEncoding = socketSetEncoding;
  socket._paused = false;
}

/**
 * A stream rshttp did not accept (a net.Socket or any Duplex emitted as
 * 'connection'): the core parses what it reads through a virtual
 * connection, and responses are written to the stream itself.
 */
function adoptSocket(server, socket) {
  const state = new HttpConnection(server, binding.openVirtual(server._rshttpConfig()));
  state.foreign = true;
  state.socket = socket;
  socket[kConn] = state;
  const events = new ForeignEvents(state);
  connections.set(state.connId, events);
  // The core parses injected bytes asynchronously: hold the event loop only
  // until it has parsed everything handed to it, as a JS parser would.
  state.onSocketData = (data) => events.inject(data);
  // The stream's end and close are handled once the core has parsed what
  // the stream gave before them, as they would follow a synchronous
  // parser's work (with I/O threads the parse is a hand-over away).
  socket.on('end', () => events.afterParsed(() => state.onEnd(socket)));
  socket.on('close', () => events.afterParsed(() => {
    binding.connDestroy(state.connId);
    events.settle();
    server[kSockets].delete(socket);
  }));
  server[kSockets].add(socket);
  return state;
}

/** Routes a virtual connection's core events to its HTTP state and stream. */
class ForeignEvents {
  constructor(state) {
    this.state = state;
    this.input = new InjectedInput(state.connId);
    /** What waits for the core to parse everything injected so far. */
    this.waiting = [];
    /** The core has closed the virtual connection: nothing more is parsed. */
    this.closed = false;
  }
  inject(data) {
    if (!this.closed) this.input.inject(data);
  }
  /** Runs `fn` now if the core has parsed everything injected, else once it has (or closed). */
  afterParsed(fn) {
    if (this.closed || this.input.allParsed) fn();
    else this.waiting.push(fn);
  }
  onInjected(total) {
    if (this.input.acknowledge(total)) this.runWaiting();
  }
  runWaiting() {
    const fns = this.waiting;
    if (fns.length === 0) return;
    this.waiting = [];
    for (const fn of fns) fn();
  }
  settle() {
    this.input.settle();
  }
  onRequest(method, url, minor, flags, raw) {
    this.state.onRequest(this.state.socket, method, url, minor, flags, raw);
  }
  onBody(chunk) {
    this.state.onBody(this.state.socket, chunk);
  }
  onBodyEnd(raw) {
    this.state.onBodyEnd(this.state.socket, raw);
  }
  onClientError(code, reason, parsed, rawPacket) {
    this.state.onClientError(this.state.socket, code, reason, parsed, rawPacket);
  }
  onData(head) {
    const socket = this.state.socket;
    binding.connDestroy(this.state.connId);
    if (socket.onData) socket.onData(head);
  }
  onTimeout() {
    this.state.socket.emit('timeout');
  }
  onDrain() {}
  onEnd() {}
  onClose() {
    this.closed = true;
    this.settle();
    this.runWaiting();
  }
}

function socketSetEncoding() {
  throw new codes.ERR_HTTP_SOCKET_ENCODING();
}

/** Whether the process runs with `--insecure-http-parser`. */
const insecureByFlag = process.execArgv.includes('--insecure-http-parser') ||
  /(^|\s)--insecure-http-parser(\s|$)/.test(process.env.NODE_OPTIONS || '');

/** Node's per-connection HTTP state, driven by the core's events. */
class HttpConnection {
  constructor(server, connId) {
    this.server = server;
    /** The core's connection (accepted or virtual) that parses for this socket. */
    this.connId = connId;
    this.socket = null;
    this.onSocketData = (data) => {
      if (!this.unconsumed || !isReadCopy(data)) binding.connInject(this.connId, data);
    };
    /** The socket's own 'data' listeners get its bytes too (see `unconsume`). */
    this.unconsumed = false;
    /** A stream rshttp did not accept (see `adoptSocket`). */
    this.foreign = false;
    /** The socket's 'close' and 'drain' listeners (removed on an upgrade). */
    this.onClose = () => this.onSocketClose();
    this.onDrain = () => this.onSocketDrain();
    /** Requests whose responses are not finished, oldest first. */
    this.incomingQueue = [];
    /** Responses waiting for the socket, oldest first. */
    this.outgoing = [];
    this.outgoingData = 0;
    this.requestsCount = 0;
    /** The request last received (Node's `parser.incoming`). */
    this.incoming = null;
    this.parsing = false;
    /** Each response's `_onPendingData`: bytes it queued before its turn. */
    this.onPendingData = (delta) => {
      this.outgoingData += delta;
      this.onSocketDrain();
    };
  }

  /**
   * Whether the core reads this connection's socket itself, as Node's
   * parser consumes an accepted socket's handle: not a foreign stream, nor
   * a socket whose own 'data' listeners get its bytes. Then runTicks
   * follows each batch of its events, as Node's callback scopes would.
   */
  get readsOwnSocket() {
    return !this.foreign && !this.unconsumed;
  }

  onRequest(socket, method, url, minor, flags, raw) {
    const server = this.server;
    const req = new server[kIncomingMessage](socket);
    // The flags' high nibble is the major version (0.9 and 2.0 parse too).
    const major = flags >> 4;
    req.httpVersionMajor = major;
    req.httpVersionMinor = minor;
    req.httpVersion = major === 1 && minor === 1 ? '1.1' : `${major}.${minor}`;
    req.joinDuplicateHeaders = !!server.joinDuplicateHeaders;
    req.url = url;
    req.method = method;
    req.upgrade = (flags & FLAG_UPGRADE) !== 0;
    // As Node: rawHeaders holds the batches its parser kept, req.headers
    // the first maxHeadersCount fields of them.
    const maxPairs = maxHeaderPairs(server);
    keepHeaderLines(raw, maxPairs);
    const n = maxPairs > 0 && raw.length > maxPairs ? maxPairs : raw.length;
    req._addHeaderLines(raw, n);
    const hasBody = (flags & FLAG_HAS_BODY) !== 0;
    this.incoming = req;
    this.parsing = hasBody;
    const keepAlive = (flags & FLAG_KEEP_ALIVE) !== 0;

    if (req.upgrade) {
      req.upgrade = method === 'CONNECT' || server.listenerCount('upgrade') > 0;
      if (req.upgrade) {
        this.startUpgrade(socket, req);
        return;
      }
      binding.connUpgrade(this.connId, false);
    }
    this.parserOnIncoming(socket, req, keepAlive, raw, n);
    if (!hasBody) this.finishMessage(req, null);
  }

  startUpgrade(socket, req) {
    const server = this.server;
    const eventName = req.method === 'CONNECT' ? 'connect' : 'upgrade';
    this.incoming = null;
    // The socket leaves HTTP as in Node: HTTP's listeners go, the parser
    // is freed (socket.parser is null in the 'upgrade' and 'connect'
    // handlers).
    socket.removeListener('close', this.onClose);
    socket.removeListener('close', onServerResponseClose);
    socket.removeListener('drain', this.onDrain);
    socket.removeListener('timeout', socketOnTimeout);
    socket.removeListener('error', socketOnError);
    delete socket.setEncoding;
    socket[kConn] = null;
    if (socket.parser === this) this.free();
    socket.parser = null;
    if (server.listenerCount(eventName) === 0) {
      socket.destroy();
      return;
    }
    socket.removeListener('data', this.onSocketData);
    socket.onData = function onHead(head) {
      delete socket.onData;
      req.complete = true;
      req.push(null);
      socket.readableFlowing = null;
      server.emit(eventName, req, socket, head);
    };
    if (typeof socket._switchToRaw === 'function') socket._switchToRaw();
    else binding.connUpgrade(this.connId, true);
  }

  parserOnIncoming(socket, req, keepAlive, raw, n) {
    const server = this.server;
    this.incomingQueue.push(req);
    if (!socket._paused) {
      const ws = socket._writableState;
      if (ws.needDrain || this.outgoingData >= socket.writableHighWaterMark) {
        socket._paused = true;
        readStop(socket);
      }
    }
    syncTimeouts(server);
    const res = new server[kServerResponse](req, responseOptions(server, socket));
    res._keepAliveTimeout = server.keepAliveTimeout;
    res._maxRequestsPerSocket = server.maxRequestsPerSocket;
    res._onPendingData = this.onPendingData;
    res.shouldKeepAlive = keepAlive;
    res[kUniqueHeaders] = server[kUniqueHeaders];
    if (socket._httpMessage) this.outgoing.push(res);
    else res.assignSocket(socket);
    res[kConn] = this;
    res[kReq] = req;
    res.on('finish', resOnFinish);

    let handled = false;
    if (req.httpVersionMajor === 1 && req.httpVersionMinor === 1) {
      const has = rawHostExpect(raw, n);
      if (server.requireHostHeader && (has & HAS_HOST) === 0) {
        res.writeHead(400, ['Connection', 'close']);
        res.end();
        return;
      }
      const limitSet = typeof server.maxRequestsPerSocket === 'number' && server.maxRequestsPerSocket > 0;
      if (limitSet) {
        this.requestsCount++;
        res.maxRequestsOnConnectionReached = server.maxRequestsPerSocket <= this.requestsCount;
      }
      if (limitSet && server.maxRequestsPerSocket < this.requestsCount) {
        handled = true;
        server.emit('dropRequest', req, socket);
        res.writeHead(503);
        res.end();
      } else if ((has & HAS_EXPECT) !== 0) {
        handled = true;
        if (continueExpression.test(req.headers.expect)) {
          res._expect_continue = true;
          if (server.listenerCount('checkContinue') > 0) {
            server.emit('checkContinue', req, res);
          } else {
            res.writeContinue();
            server.emit('request', req, res);
          }
        } else if (server.listenerCount('checkExpectation') > 0) {
          server.emit('checkExpectation', req, res);
        } else {
          res.writeHead(417);
          res.end();
        }
      }
    }
    if (!handled) server.emit('request', req, res);
  }

  finishMessage(req, rawTrailers) {
    this.parsing = false;
    if (req) {
      noteReadStarted(req);
      req.complete = true;
      if (rawTrailers && rawTrailers.length) {
        // Node keeps whole batches of trailers too, and no further cut.
        keepHeaderLines(rawTrailers, maxHeaderPairs(this.server));
        req._addHeaderLines(rawTrailers, rawTrailers.length);
      }
      if (this.readsOwnSocket) pushEnd(req);
      else req.push(null);
    }
    readStart(this.socket);
  }

  onBody(socket, chunk) {
    const req = this.incoming;
    if (req && !req._dumped) {
      if (!req.push(chunk)) readStop(socket);
    }
    // Node's parser hands each body piece to JS through MakeCallback, which
    // runs the nextTick queue and microtasks when it returns (its head and
    // message-complete callbacks do not): what a request's 'data' or 'end'
    // scheduled runs before the parser goes on with the rest of the read,
    // so a response to an earlier pipelined request can be written before
    // a parse error later in the same read. `runTicks` runs them here, with
    // the batch's writes still deferred, and raises a tick's exception as
    // Node would. Not when Node's parser runs from a JS call (a foreign
    // stream, or a socket with its own 'data' listeners), where that
    // callback is nested and runs nothing.
    if (this.readsOwnSocket) runTicks();
  }

  onBodyEnd(socket, rawTrailers) {
    this.finishMessage(this.incoming, rawTrailers);
  }

  onClientError(socket, code, reason, bytesParsed, rawPacket) {
    // Node reads nothing more from a socket it accepted once it is
    // destroyed (no read, no 'end', no request timeout for it). On the I/O
    // threads the core can read and report before it hears of the destroy.
    // A stream Node did not read itself (foreign, or with 'data' listeners)
    // may still hand the parser what it had buffered, and Node reports
    // that (test-http-server-multiple-client-error.js).
    if (socket.destroyed && this.readsOwnSocket) return;
    let err;
    if (code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      err = new codes.ERR_HTTP_REQUEST_TIMEOUT();
    } else if (code === 'HPE_INVALID_EOF_STATE') {
      // The end of stream came mid-message: Node's error from parser.finish()
      // has no reason in its message, 0 bytes parsed and no rawPacket.
      err = new Error('Parse Error');
      err.bytesParsed = 0;
      err.code = code;
      err.reason = reason;
    } else {
      // Node's own order of the fields (bytesParsed, code, reason, rawPacket).
      err = new Error(`Parse Error: ${reason}`);
      err.bytesParsed = bytesParsed;
      err.code = code;
      err.reason = reason;
      err.rawPacket = rawPacket;
    }
    socketOnError.call(socket, err);
  }

  /**
   * The peer ended its side (Node's socketOnEnd). `finished`: that completed
   * the request being read, a body that runs until close; Node's
   * `parser.finish()` completes it here, so its 'end' (a tick later) finds
   * the socket already ended unless the server allows half-open sockets,
   * and the response is never sent.
   */
  onEnd(socket, finished) {
    if (finished) this.finishMessage(this.incoming, null);
    if (!this.server.httpAllowHalfOpen) {
      if (socket.writable) socket.end();
    } else if (this.outgoing.length) {
      this.outgoing[this.outgoing.length - 1]._last = true;
    } else if (socket._httpMessage) {
      socket._httpMessage._last = true;
    } else if (socket.writable) {
      socket.end();
    }
  }

  onSocketDrain() {
    const socket = this.socket;
    const needPause = this.outgoingData > socket.writableHighWaterMark;
    if (socket._paused && !needPause) {
      socket._paused = false;
      readStart(socket);
    }
    const msg = socket._httpMessage;
    if (msg && !msg.finished && msg.writableNeedDrain && msg.writableLength === 0) {
      const { kNeedDrain } = require('./outgoing_message');
      msg[kNeedDrain] = false;
      msg.emit('drain');
    }
  }

  /**
   * Node's parser goes back to its pool here (`parser.free()`, once, when
   * the socket closes); this state holds nothing to give back, but code
   * that watches `socket.parser.free` sees the same call.
   */
  free() {}

  /**
   * Node's parser.unconsume(): a 'data' or 'readable' listener was added to
   * the accepted socket, which from now on gets the bytes it reads (the
   * core sends a copy of each chunk after parsing it, as Node's parser runs
   * before the listeners added later).
   */
  unconsume() {
    if (this.unconsumed) return;
    this.unconsumed = true;
    binding.connUnconsume(this.connId);
  }

  /**
   * The accepted socket is being destroyed (ServerSocket#_destroy): the
   * server stops counting it there, as net.Server does.
   */
  onDestroy(socket) {
    const server = this.server;
    if (!server[kSockets].delete(socket)) return;
    server._connections--;
    if (server[kListener] === null) server._emitCloseIfDrained();
  }

  /** As Node's parser `close()`: nothing to release (the core connection closes with its socket). */
  close() {}

  onSocketClose() {
    if (this.socket.parser === this) this.free();
    this.socket.parser = null;
    while (this.incomingQueue.length) this.incomingQueue.shift().destroy(new ConnResetException('aborted'));
    while (this.outgoing.length) this.outgoing.shift().destroy(new ConnResetException('aborted'));
  }

  resOnFinish(req, res) {
    const socket = this.socket;
    this.incomingQueue.shift();
    let dumpingEnded = false;
    if (!req._consuming && !req._readableState.resumeScheduled) {
      dumpingEnded = isEndedUnread(req);
      if (dumpingEnded) dumpEnded(req);
      else req._dump();
    }
    res.detachSocket(socket);
    if (this.incoming === req) {
      // Forgotten (so it can be collected) once ended, as in Node; a request
      // the core has read to its end is of no further use to this state
      // either (timeouts, body and end events are for an incomplete one),
      // so it needs no 'end' listener for that.
      if (req.readableEnded || req.complete) this.incoming = null;
      else req.on('end', clearIncoming);
    }
    // Node's dump queues the request's resume step, then this the
    // response's 'close': back to back, so one tick can run both.
    if (dumpingEnded) process.nextTick(resumeThenClose, req, res);
    else process.nextTick(emitCloseNT, res);
    responseDone(this.connId);
    if (res._last) {
      if (typeof socket.destroySoon === 'function') socket.destroySoon();
      else socket.end();
    } else if (this.outgoing.length !== 0) {
      const m = this.outgoing.shift();
      if (m) m.assignSocket(socket);
    }
  }
}

/**
 * The options each ServerResponse is built with; one object per server,
 * rebuilt only when what it holds changes.
 */
function responseOptions(server, socket) {
  const hwm = socket.writableHighWaterMark;
  const reject = server.rejectNonStandardBodyWrites;
  let opts = server[kResponseOptions];
  if (opts === undefined || opts.highWaterMark !== hwm || opts.rejectNonStandardBodyWrites !== reject) {
    opts = { highWaterMark: hwm, rejectNonStandardBodyWrites: reject };
    server[kResponseOptions] = opts;
  }
  return opts;
}

/**
 * A response's 'finish' listener (the server's, added before the handler
 * runs): one function for all, the connection found on the response.
 */
function resOnFinish() {
  this[kConn].resOnFinish(this[kReq], this);
}

/**
 * The ticks of a dumped request's resume step and its response's 'close',
 * in that order (the 'close' even if a 'resume' listener throws).
 */
function resumeThenClose(req, res) {
  try {
    resumeEnded(req);
  } finally {
    emitCloseNT(res);
  }
}

/**
 * A request's 'end' listener once its response finished: the connection
 * forgets it (so it can be collected), unless a newer one came since.
 */
function clearIncoming() {
  const state = this.socket && this.socket.parser;
  if (state && state.incoming === this) state.incoming = null;
}

function socketOnTimeout() {
  const state = this[kConn];
  const req = state && state.incoming;
  const reqTimeout = req && !req.complete && req.emit('timeout', this);
  const res = this._httpMessage;
  const resTimeout = res && res.emit('timeout', this);
  const serverTimeout = this.server.emit('timeout', this);
  if (!reqTimeout && !resTimeout && !serverTimeout) this.destroy();
}

function socketOnError(e) {
  this.removeListener('error', socketOnError);
  if (this.listenerCount('error') === 0) this.on('error', noop);
  if (!this.server.emit('clientError', e, this)) {
    if (this.writable && (!this._httpMessage || !this._httpMessage._headerSent)) {
      let response;
      switch (e.code) {
        case 'HPE_HEADER_OVERFLOW': response = headerFieldsTooLargeResponse; break;
        case 'HPE_CHUNK_EXTENSIONS_OVERFLOW': response = chunkExtensionsTooLargeResponse; break;
        case 'ERR_HTTP_REQUEST_TIMEOUT': response = requestTimeoutResponse; break;
        default: response = badRequestResponse; break;
      }
      this.write(response);
    }
    this.destroy(e);
  }
}

/** `http.createServer([options][, requestListener])`. */
function createServer(options, requestListener) {
  return new Server(options, requestListener);
}

module.exports = {
  Server,
  createServer,
  connectionListener,
  storeHTTPOptions,
  kIncomingMessage,
  kServerResponse,
};
