'use strict';
// `ClientSocket`: the socket of an rshttp client request, a net.Socket whose
// connection lives in the Rust core. JS resolves the host (dns.lookup or the
// `lookup` option, every address so IPv6/IPv4 fallback works as Node's
// autoSelectFamily does); the core connects, writes, and parses responses,
// which reach the request attached to the socket (`socket.parser`).

const dns = require('dns');
const net = require('net');
const { binding, connections, ref, unref } = require('./native');
const { ServerSocket, kId, kInfo, kIsPipe, kRefed, kTimeoutMs, writableIdle } = require('./socket');
const { kCanWriteDirect } = require('./http_common');
const { AbortError, ExceptionWithHostPort, codes, nativeIoError } = require('./errors');
const { validateAbortSignal, validateFunction, validatePort, validateString } = require('./validators');

const { ERR_INVALID_ADDRESS_FAMILY, ERR_INVALID_IP_ADDRESS, ERR_INVALID_ARG_TYPE } = codes;

const kConnectTimer = Symbol('kConnectTimer');
const kOnConnect = Symbol('kOnConnect');
/** `_expectResponse`'s bits told before the core had the connection. */
const kPendingExpect = Symbol('kPendingExpect');
const kNoDelay = Symbol('kNoDelay');
const kKeepAlive = Symbol('kKeepAlive');
const kPipe = Symbol('kPipe');
const kConnectHold = Symbol('kConnectHold');

/** The request whose response ended in the batch being delivered. */
const kDoneRequest = Symbol('kDoneRequest');

const NO_INFO = { family: 0, remoteAddress: '', remotePort: 0, localAddress: '', localPort: 0 };

/** A parent that is connecting: net.Socket#connect returns at once for its child. */
const CONNECTING_PARENT = { connecting: true, _parent: null };

/**
 * Calls `net.Socket.prototype.connect` (as it is now, wrapped or not) on
 * `socket` with the normalized arguments, as Node's HTTP client does through
 * net.createConnection, so code that watches it (tracing agents patch it)
 * sees rshttp's connections. net's own connect registers the callback for
 * 'connect' and, seeing a connecting `_parent` (set for the call), returns
 * without opening a handle of its own: the core does the connecting.
 */
function announceConnect(socket, normalized) {
  socket._parent = CONNECTING_PARENT;
  try {
    net.Socket.prototype.connect.call(socket, normalized);
  } finally {
    socket._parent = null;
  }
}

/**
 * Core events of a client connection, handed on to the request's response
 * parser (`socket.parser`); with no parser (a pooled socket) a response is
 * unexpected and ends the connection.
 */
const clientEvents = {
  onResponse(socket, status, minor, flags, reason, raw) {
    if (socket.parser) {
      socket.parser.onResponse(status, minor, flags, reason, raw);
    } else {
      // A response nobody asked for: the socket goes, and what follows it
      // is no request's business.
      socket[kDoneRequest] = null;
      socket.destroy();
    }
  },
  onBody(socket, chunk) {
    if (socket.parser) socket.parser.onBody(chunk);
  },
  onBodyEnd(socket, raw) {
    if (socket.parser) socket.parser.onBodyEnd(raw);
  },
  onClientError(socket, code, reason, parsed, rawPacket) {
    if (socket.parser) {
      socket.parser.onParseError(code, reason, parsed, rawPacket);
      return;
    }
    // Bytes read together with a complete response that cannot follow it
    // (llhttp fails them in the same execute(), before the parser is let
    // go): the error is that request's, as with node:http.
    const req = socket[kDoneRequest];
    socket.destroy();
    if (req && !req.socket?._hadError) {
      const err = new Error(`Parse Error: ${reason}`);
      Object.assign(err, { bytesParsed: parsed, code, reason, rawPacket });
      if (req.socket) req.socket._hadError = true;
      req.emit('error', err);
    }
  },
};

/** A client TCP or unix-domain connection owned by the Rust core. */
class ClientSocket extends ServerSocket {
  constructor(options = {}) {
    super(0, NO_INFO, clientEvents, options);
    this.allowHalfOpen = Boolean(options.allowHalfOpen);
    this.connecting = false;
    this[kConnectTimer] = null;
    this[kOnConnect] = null;
    this[kPendingExpect] = null;
    this[kNoDelay] = undefined;
    this[kKeepAlive] = undefined;
    this[kPipe] = false;
    // Nothing holds the event loop until the core is connecting (a lookup
    // that never answers does not keep the process alive, as in net); then
    // this hold, while it connects (unless unref'd); once connected, the
    // core's connection holds it by libuv's rule.
    this[kConnectHold] = false;
    // The HTTP layer takes what is read; the stream side only ends.
    this.resume();
  }

  /** A unix-domain connection (`connect({ path })`), known before it is connected. */
  [kIsPipe]() {
    return this[kPipe];
  }

  get readyState() {
    if (this.connecting) return 'opening';
    return super.readyState;
  }

  /**
   * net.Socket#connect(options[, listener]) (or net's other forms, or
   * their normalized array) for TCP and unix paths.
   */
  connect(...args) {
    const normalized = Array.isArray(args[0]) ? args[0] : net._normalizeArgs(args);
    const options = normalized[0];
    announceConnect(this, normalized);
    this.connecting = true;
    if (options.signal) this._watchSignal(options.signal);
    if (options.timeout) this.setTimeout(options.timeout);
    if (options.noDelay !== undefined) this[kNoDelay] = Boolean(options.noDelay);
    if (options.keepAlive) this[kKeepAlive] = [true, options.keepAliveInitialDelay || 0];
    if (options.path) {
      validateString(options.path, 'options.path');
      this[kPipe] = true;
      this._startNative({ path: options.path }, options.path, 0);
      return this;
    }
    const host = options.host || 'localhost';
    let port = options.port;
    if (port !== undefined) {
      if (typeof port !== 'number' && typeof port !== 'string') {
        throw new ERR_INVALID_ARG_TYPE('options.port', ['number', 'string'], port);
      }
      validatePort(port);
    }
    port |= 0;
    const { localAddress, localPort } = options;
    if (localAddress && !net.isIP(localAddress)) throw new ERR_INVALID_IP_ADDRESS(localAddress);
    if (localPort !== undefined && localPort !== null) validatePort(localPort, 'options.localPort');
    if (options.lookup != null) validateFunction(options.lookup, 'options.lookup');
    const start = (addresses) => this._startNative({
      addresses, port, localAddress, localPort: localPort || 0, noDelay: this[kNoDelay] ?? false,
    }, addresses[0], port);

    const family = net.isIP(host);
    if (family) {
      process.nextTick(() => {
        if (this.connecting && !this.destroyed) start([host]);
      });
      return this;
    }
    const lookup = options.lookup || dns.lookup;
    const fam = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : (options.family | 0);
    const dnsOptions = { family: fam === 4 || fam === 6 ? fam : options.family, hints: options.hints || 0 };
    if (fam !== 4 && fam !== 6) {
      if (dnsOptions.hints === 0) dnsOptions.hints = dns.ADDRCONFIG;
      dnsOptions.all = true;
    }
    lookup(host, dnsOptions, (err, address, addressType) => {
      let list;
      if (!err) {
        list = Array.isArray(address) ? address : [{ address, family: addressType }];
        if (list.length === 0) err = Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND', syscall: 'getaddrinfo', hostname: host });
      }
      if (err) {
        this.emit('lookup', err, undefined, undefined, host);
        if (this.connecting) process.nextTick(() => this.destroy(err));
        return;
      }
      const first = list[0];
      this.emit('lookup', null, first.address, first.family, host);
      if (!this.connecting || this.destroyed) return;
      for (const a of list) {
        if (!net.isIP(a.address)) return this.destroy(new ERR_INVALID_IP_ADDRESS(a.address));
        if (a.family !== 4 && a.family !== 6 && a.family !== 'IPv4' && a.family !== 'IPv6') {
          return this.destroy(new ERR_INVALID_ADDRESS_FAMILY(a.family, host, port));
        }
      }
      start(list.map((a) => a.address));
    });
    return this;
  }

  /** Destroys the socket with an AbortError when `signal` aborts (net's `signal` option). */
  _watchSignal(signal) {
    validateAbortSignal(signal, 'options.signal');
    const onAbort = () => this.destroy(new AbortError(undefined, { cause: signal.reason }));
    if (signal.aborted) {
      process.nextTick(onAbort);
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    this.once('close', () => signal.removeEventListener('abort', onAbort));
  }

  /** Asks the core to connect; `address`/`port` name the target in errors. */
  _startNative(target, address, port) {
    let id;
    try {
      id = binding.clientConnect(target);
    } catch (e) {
      const ioError = nativeIoError(e);
      // Not an I/O error: a contained internal error (a panic in the core).
      const code = ioError ? ioError.code : (e.code === 'GenericFailure' ? 'ERR_INTERNAL_ASSERTION' : e.code);
      const err = Object.assign(new Error(`connect ${code} ${address}`), { code, syscall: 'connect', address, port });
      process.nextTick(() => this.destroy(err));
      return;
    }
    this[kId] = id;
    connections.set(id, this);
    this._holdConnect(this[kRefed]);
    const expect = this[kPendingExpect];
    if (expect !== null) {
      this[kPendingExpect] = null;
      binding.clientExpect(id, expect[0], expect[1]);
    }
  }

  _applyRef() {
    if (this.connecting) this._holdConnect(this[kRefed] && this[kId] !== 0);
    else super._applyRef();
  }

  /** Holds the event loop while connecting (`on`), or stops. */
  _holdConnect(on) {
    if (this[kConnectHold] === on) return;
    this[kConnectHold] = on;
    if (on) ref();
    else unref();
  }

  // Core events (lib/native.js).
  onEnd() {
    // The readable side ends now, so 'end' comes before a 'close' that
    // follows in the same batch.
    this.push(null);
    this.read(0);
  }

  onClose(code, bytesRead) {
    // A clean close after the peer's end: what was read is still to be
    // consumed; the socket closes once it has been ('end'), as net's does.
    const rs = this._readableState;
    if (!code && !this.destroyed && rs.ended && !rs.endEmitted) {
      this.once('end', () => super.onClose(code, bytesRead));
      return;
    }
    super.onClose(code, bytesRead);
  }

  onConnected(info) {
    this[kInfo] = info;
    this.connecting = false;
    this._holdConnect(false);
    if (!this[kRefed]) binding.connRef(this[kId], false);
    this._clearConnectTimer();
    if (this[kTimeoutMs]) binding.connSetTimeout(this[kId], this[kTimeoutMs]);
    if (this[kKeepAlive]) binding.connSetKeepAlive(this[kId], true, this[kKeepAlive][1]);
    if (this[kNoDelay] !== undefined) binding.connSetNoDelay(this[kId], this[kNoDelay]);
    const pending = this[kOnConnect];
    this[kOnConnect] = null;
    this[kPendingExpect] = null;
    if (pending) for (const fn of pending) fn();
    this.emit('connect');
    this.emit('ready');
  }

  onConnectFailed(code, errno, address, port) {
    this.connecting = false;
    // libuv's error numbers are the negated errno values on Linux; errno 0
    // is a connect the core failed itself (a contained internal error).
    const err = errno === 0 ?
      Object.assign(new Error(`connect ${code}`), { code, syscall: 'connect' }) :
      new ExceptionWithHostPort(-errno, 'connect', address, port);
    this._holdConnect(false);
    this.destroy(err);
  }

  /** Runs `fn` once connected (now if already). */
  _whenConnected(fn) {
    if (!this.connecting) return fn();
    (this[kOnConnect] ||= []).push(fn);
  }

  _write(chunk, encoding, cb) {
    if (this.connecting) return this._whenConnected(() => super._write(chunk, encoding, cb));
    super._write(chunk, encoding, cb);
  }

  _writev(chunks, cb) {
    if (this.connecting) return this._whenConnected(() => super._writev(chunks, cb));
    super._writev(chunks, cb);
  }

  /**
   * Direct writes (ServerSocket's kWriteDirect) once connected: a request
   * on a pooled connection leaves without going through the Writable.
   */
  [kCanWriteDirect]() {
    return !this.connecting && this[kId] !== 0 && this._writev === clientWritev && writableIdle(this);
  }

  _final(cb) {
    if (this.connecting) return this._whenConnected(() => super._final(cb));
    super._final(cb);
  }

  _destroy(err, cb) {
    this._clearConnectTimer();
    const id = this[kId];
    if (this.connecting || id === 0) {
      this.connecting = false;
      if (id !== 0) {
        binding.clientCancel(id);
        connections.delete(id);
      }
      this._holdConnect(false);
    }
    super._destroy(err, cb);
  }

  /** 'close' comes in a later turn, as after net's handle close callback. */
  _emitClose(hadError) {
    setImmediate(() => this.emit('close', hadError));
  }

  setTimeout(ms, cb) {
    super.setTimeout(ms, cb);
    if (this.connecting || this[kId] === 0) {
      this[kTimeoutMs] = this.timeout;
      this._clearConnectTimer();
      if (this.timeout > 0) {
        this[kConnectTimer] = setTimeout(() => {
          this[kConnectTimer] = null;
          this.emit('timeout');
        }, this.timeout);
        this[kConnectTimer].unref();
      }
    }
    return this;
  }

  _clearConnectTimer() {
    if (this[kConnectTimer]) {
      clearTimeout(this[kConnectTimer]);
      this[kConnectTimer] = null;
    }
  }

  setNoDelay(on = true) {
    if (this.connecting || this[kId] === 0) this[kNoDelay] = Boolean(on);
    else super.setNoDelay(on);
    return this;
  }

  setKeepAlive(on = false, delay = 0) {
    if (this.connecting || this[kId] === 0) this[kKeepAlive] = on ? [true, ~~(delay / 1) || 0] : undefined;
    else super.setKeepAlive(on, delay);
    return this;
  }

  /** How the core reads the next response: HEAD/CONNECT/lenient bits, head size limit. */
  _expectResponse(bits, maxHeaderSize) {
    // Told at once once the core has the connection (even while it
    // connects: a server may answer before JS hears it is connected).
    if (this[kId] !== 0) {
      binding.clientExpect(this[kId], bits, maxHeaderSize);
      return;
    }
    // Not connecting yet (a name being looked up): told as it starts.
    this[kPendingExpect] = [bits, maxHeaderSize];
  }
}

/**
 * `net.createConnection(options[, connectListener])` for the HTTP client:
 * a ClientSocket connecting as options say. Also accepts (port[, host]) and
 * (path) like net.
 */
function createConnection(options, listener, extra) {
  if (typeof options !== 'object' || options === null) {
    if (typeof options === 'string' && !/^\d+$/.test(options)) options = { path: options };
    else options = { port: options, host: typeof listener === 'string' ? listener : undefined };
    if (typeof listener !== 'function') listener = extra;
  }
  const socket = new ClientSocket(options);
  return socket.connect(options, listener);
}

/** The write path a direct write stands in for (see kCanWriteDirect). */
const clientWritev = ClientSocket.prototype._writev;

module.exports = { ClientSocket, createConnection, kDoneRequest };
