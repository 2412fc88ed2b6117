'use strict';
// `ServerSocket`: the `req.socket`/`res.socket` of rshttp, a stream.Duplex
// over one native connection. Writes go straight to the socket from the JS
// thread; reads feed the HTTP layer, or, after an upgrade, the Duplex itself.

const net = require('net');
const util = require('util');
const { afterEvents, batchState, binding, connections, deferWrite } = require('./native');
const { ErrnoException, codes } = require('./errors');
const { kCanWriteDirect, kWriteDirect, directEncoding } = require('./http_common');
const { SocketHandle } = require('./handle');

const kId = Symbol('kId');
const kPendingCb = Symbol('kPendingCb');
const kRefed = Symbol('kRefed');
const kRaw = Symbol('kRaw');
const kTimeoutMs = Symbol('kTimeoutMs');
const kHandler = Symbol('kHandler');
const kInfo = Symbol('kInfo');
const kBytesRead = Symbol('kBytesRead');
const kReadStopped = Symbol('kReadStopped');
const kKeepAliveSet = Symbol('kKeepAliveSet');
const kOverLimit = Symbol('kOverLimit');
const kHandle = Symbol('kHandle');
const kDispatched = Symbol('kDispatched');
const kIsPipe = Symbol('kIsPipe');

/**
 * Whether the socket has a connection (open, or connecting): when net's
 * `_handle` would be set. A socket handed over raw is open too.
 */
function isOpen(socket) {
  return !socket.destroyed && (socket[kId] !== 0 || socket.connecting);
}

/** Closes the native connection: with an RST after `resetAndDestroy()`. */
function closeNative(socket) {
  if (socket.resetAndClosing) binding.connReset(socket[kId]);
  else binding.connDestroy(socket[kId]);
}

/** What a socket's `_handle` (lib/handle.js) reads of it. */
const socketOps = {
  id: (socket) => socket[kId],
  info: (socket) => socket[kInfo],
  reading: (socket) => !socket[kReadStopped],
  refed: (socket) => socket[kRefed],
  close: closeNative,
};

/** Node's socket error for a native code, e.g. `read ECONNRESET` (errno, code, syscall). */
function systemError(code, syscall) {
  for (const [errno, [name]] of util.getSystemErrorMap()) {
    if (name === code) return new ErrnoException(errno, syscall);
  }
  return Object.assign(new Error(`${syscall} ${code}`), { code, syscall });
}

/**
 * A `_writev` list that is one short latin1/UTF-8 string, optionally
 * followed by one short buffer (empty chunks aside): stores them in
 * `parts` and returns true; else false.
 */
function writeParts(chunks) {
  let head = null;
  let latin1 = false;
  let body = null;
  for (let i = 0; i < chunks.length; i++) {
    const { chunk, encoding } = chunks[i];
    if (chunk.length === 0) continue;
    if (head === null && typeof chunk === 'string') {
      const how = directEncoding(encoding);
      if (how === null) return false;
      latin1 = how === 'latin1';
      head = chunk;
    } else if (head !== null && body === null && typeof chunk !== 'string') {
      body = chunk;
    } else {
      return false;
    }
  }
  if (head === null || head.length + (body ? body.length : 0) > 16384) return false;
  parts.head = head;
  parts.latin1 = latin1;
  parts.body = body;
  return true;
}

/**
 * Chunks the core copied to an unconsumed socket (`onReadCopy`): the parser
 * has had them already, so the HTTP layer's own 'data' listener skips them.
 */
const readCopies = new WeakSet();

/** Whether `chunk` is a copy of bytes the core parsed (see `readCopies`). */
function isReadCopy(chunk) {
  return readCopies.has(chunk);
}

/**
 * Adding a 'data' or 'readable' listener to a socket in HTTP mode
 * "unconsumes" it, as Node's server does: from then on the listener gets
 * the bytes the socket reads, besides the parser (`parser.unconsume`).
 */
function maybeUnconsume(socket, event) {
  if (event !== 'data' && event !== 'readable') return;
  const parser = socket.parser;
  if (parser !== null && typeof parser.unconsume === 'function') parser.unconsume();
}

/** What `writeParts` found (one object, reused). */
const parts = { head: '', latin1: false, body: null };

/** One accepted connection, as net.Socket looks to HTTP code. */
class ServerSocket extends net.Socket {
  constructor(id, info, handler, options) {
    super({ allowHalfOpen: true, highWaterMark: options?.highWaterMark });
    /** The handle object once made (see `_handle`), or null once closed. */
    this[kHandle] = undefined;
    this[kId] = id;
    this[kPendingCb] = null;
    /** A direct write went past the core's queue limit; cleared on drain. */
    this[kOverLimit] = false;
    this[kRefed] = true;
    this[kRaw] = false;
    this[kTimeoutMs] = 0;
    this[kHandler] = handler;
    this[kInfo] = info;
    /** Bytes read once the connection closed (the core counts until then). */
    this[kBytesRead] = -1;
    /** Bytes handed to the core (net's `_bytesDispatched`). */
    this[kDispatched] = 0;
    this[kReadStopped] = false;
    this[kKeepAliveSet] = undefined;
    this.server = null;
    this.parser = null;
    this._httpMessage = null;
    this._paused = false;
    this.connecting = false;
    this.timeout = undefined;
    // The core's connection holds the event loop by libuv's rule (while it
    // reads or has writes pending), with this socket's ref on top.
    if (id) connections.set(id, this);
  }

  /** The native connection id. */
  get _rshttpId() {
    return this[kId];
  }

  get remoteAddress() {
    return this[kInfo].family ? this[kInfo].remoteAddress : undefined;
  }
  get remotePort() {
    return this[kInfo].family ? this[kInfo].remotePort : undefined;
  }
  get remoteFamily() {
    const f = this[kInfo].family;
    return f === 4 ? 'IPv4' : f === 6 ? 'IPv6' : undefined;
  }
  // The local address is gone once destroyed, as net's (which asks the
  // handle); the remote one stays, as net's cached copy usually does.
  get localAddress() {
    return this[kInfo].family && !this.destroyed ? this[kInfo].localAddress : undefined;
  }
  get localPort() {
    return this[kInfo].family && !this.destroyed ? this[kInfo].localPort : undefined;
  }
  get localFamily() {
    return this.destroyed ? undefined : this.remoteFamily;
  }

  /**
   * net's libuv handle: an object (lib/handle.js, made on first read) while
   * the socket is open or connecting, null before and once destroyed, and
   * null once handed over raw (so TLS can wrap the socket; see
   * SocketHandle). Assignable, as net's is.
   */
  get _handle() {
    const h = this[kHandle];
    if (h !== undefined) return h;
    if (!isOpen(this) || this[kRaw]) return null;
    return (this[kHandle] = new SocketHandle(this, socketOps));
  }
  set _handle(value) {
    this[kHandle] = value;
  }

  /** Whether this is a unix-domain socket (not TCP). */
  [kIsPipe]() {
    return !this[kInfo].family;
  }

  /**
   * Closes the connection with an RST instead of a FIN (net's
   * `resetAndDestroy`); once connected if still connecting. Throws
   * ERR_INVALID_HANDLE_TYPE on a unix-domain socket; a closed socket is
   * destroyed with ERR_SOCKET_CLOSED.
   */
  resetAndDestroy() {
    if (!isOpen(this)) {
      this.destroy(new codes.ERR_SOCKET_CLOSED());
    } else {
      if (this[kIsPipe]()) throw new codes.ERR_INVALID_HANDLE_TYPE();
      if (this.connecting) this.once('connect', () => this._reset());
      else this._reset();
    }
    return this;
  }

  get bytesWritten() {
    return this[kDispatched] + this.writableLength;
  }

  get _bytesDispatched() {
    return this[kDispatched];
  }

  get bytesRead() {
    const n = this[kBytesRead];
    if (n >= 0) return n;
    return this[kId] === 0 ? 0 : binding.connBytesRead(this[kId]);
  }

  get bufferSize() {
    return isOpen(this) ? this.writableLength : undefined;
  }

  get pending() {
    return !isOpen(this) || this.connecting;
  }

  get readyState() {
    if (this.destroyed) return 'closed';
    if (this.readable && this.writable) return 'open';
    if (this.readable) return 'readOnly';
    if (this.writable) return 'writeOnly';
    return 'closed';
  }

  address() {
    if (this.destroyed) return {};
    if (this.localAddress === undefined) return this[kInfo].localAddress ? this[kInfo].localAddress : {};
    return { address: this.localAddress, family: this.localFamily, port: this.localPort };
  }

  _write(chunk, encoding, cb) {
    if (typeof chunk === 'string') chunk = Buffer.from(chunk, encoding);
    this[kDispatched] += chunk.length;
    this._afterWrite(binding.connWrite(this[kId], chunk), cb);
  }

  _writev(chunks, cb) {
    if (batchState.active) {
      // A response written while a batch is handled: usually one string
      // (head and body), or a head string and a body buffer. The binding
      // encodes the string straight into the connection's queue (no Buffer
      // made for it), and the response leaves with the connection's others.
      if (writeParts(chunks)) {
        const { head, latin1, body } = parts;
        parts.head = '';
        parts.body = null;
        deferWrite();
        // Twice the bytes written, plus 1 when past the queue's limit.
        const r = binding.connWriteDeferredString(this[kId], head, latin1, body);
        if (r < 0) return cb(systemError('EPIPE', 'write'));
        return this._afterWrite(this._countWritten(r), cb);
      }
    }
    // Empty chunks (an end() after the body) are dropped; what remains is
    // usually one buffer, written without building an array for the binding.
    const list = [];
    for (let i = 0; i < chunks.length; i++) {
      const { chunk, encoding } = chunks[i];
      if (chunk.length === 0) continue;
      const buf = typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk;
      this[kDispatched] += buf.length;
      list.push(buf);
    }
    if (list.length === 0) return cb();
    if (list.length === 1 && batchState.active && list[0].length <= 16384) {
      // Inside a batch: written with the connection's other responses.
      deferWrite();
      return this._afterWrite(binding.connWriteDeferred(this[kId], list[0]), cb);
    }
    const queued = list.length === 1 ? binding.connWrite(this[kId], list[0]) :
      list.length === 2 ? binding.connWrite2(this[kId], list[0], list[1]) :
      binding.connWritev(this[kId], list);
    this._afterWrite(queued, cb);
  }

  /**
   * Whether a write may skip the Writable: nothing buffered, corked or in
   * flight there, the core's queue under its limit, and write paths not
   * replaced by the user.
   */
  [kCanWriteDirect]() {
    return this._writev === ownWritev && writableIdle(this);
  }

  /**
   * Writes a short string or buffer straight into the core's queue (see
   * kCanWriteDirect), after `head` (a string, or null) if given: latin1
   * before a buffer, in a string's own encoding before a string,
   * counting bytesWritten; false if it did not. Inside a batch the write
   * leaves with the batch's others; otherwise at once.
   */
  [kWriteDirect](data, encoding, head) {
    if (data.length > 16384 || !this[kCanWriteDirect]()) return false;
    const now = !batchState.active;
    let r;
    if (head !== null) {
      if (head.length > 16384) return false;
      if (typeof data === 'string') {
        // Head and body in the body's encoding, as Node writes `head + body`.
        const how = directEncoding(encoding);
        if (how === null) return false;
        if (!now) deferWrite();
        r = binding.connWriteDeferredStrings(this[kId], head, data, how === 'latin1', now);
      } else {
        if (!now) deferWrite();
        r = binding.connWriteDeferredString(this[kId], head, true, data, now);
      }
      if (r < 0) return false;
    } else if (typeof data === 'string') {
      const how = directEncoding(encoding);
      if (how === null) return false;
      if (data.length === 0) return true;
      if (!now) deferWrite();
      r = binding.connWriteDeferredString(this[kId], data, how === 'latin1', null, now);
      if (r < 0) return false;
    } else {
      if (data.length === 0) return true;
      if (!now) deferWrite();
      const queued = binding.connWriteDeferred(this[kId], data, now);
      if (queued < 0) return false;
      r = data.length * 2 + (queued > 0 ? 1 : 0);
    }
    if (this._countWritten(r) === 1) {
      // Past the limit: later writes take the Writable (which waits for
      // drain) until the core has written the queue out.
      this[kOverLimit] = binding.connWantDrain(this[kId]);
    }
    return true;
  }

  /**
   * Counts the bytes a string write reported (`r`: twice the bytes, plus 1
   * when past the core's queue limit) and returns that last bit.
   */
  _countWritten(r) {
    const over = r % 2;
    this[kDispatched] += (r - over) / 2;
    return over;
  }

  _afterWrite(queued, cb) {
    if (queued === 0) return cb();
    if (queued < 0) return cb(systemError('EPIPE', 'write'));
    if (binding.connWantDrain(this[kId])) {
      this[kPendingCb] = cb;
    } else {
      cb();
    }
  }

  _final(cb) {
    binding.connEnd(this[kId]);
    cb();
  }

  _read() {
    if (this[kRaw]) this._readStart();
  }

  _destroy(err, cb) {
    // The count stays readable once the core has forgotten the connection.
    if (this[kBytesRead] < 0) this[kBytesRead] = this.bytesRead;
    const handler = this[kHandler];
    if (handler.onDestroy !== undefined) handler.onDestroy(this);
    const handle = this[kHandle];
    this[kHandle] = null;
    const pending = this[kPendingCb];
    if (pending) {
      this[kPendingCb] = null;
      pending(err);
    }
    cb(err);
    // As net: a handle made (or set) is closed, and 'close' follows its
    // callback; after cb, so an 'error' it scheduled comes first.
    if (handle instanceof SocketHandle) {
      handle.close(() => this._emitClose(!!err));
    } else {
      closeNative(this);
      this._emitClose(!!err);
    }
  }

  /** Emits 'close' once destroyed (a tick later for accepted sockets). */
  _emitClose(hadError) {
    process.nextTick(() => this.emit('close', hadError));
  }

  /** Ends the writable side, then destroys once it has flushed. */
  destroySoon() {
    if (this.writable) this.end();
    if (this.writableFinished) this.destroy();
    else this.once('finish', () => this.destroy());
  }

  setTimeout(ms, cb) {
    if (typeof ms !== 'number') ms = Number(ms);
    if (!Number.isFinite(ms) || ms < 0) {
      throw new codes.ERR_OUT_OF_RANGE('msecs', 'a non-negative finite number', ms);
    }
    this.timeout = ms;
    if (cb) {
      if (ms === 0) this.removeListener('timeout', cb);
      else this.once('timeout', cb);
    }
    if (!this.destroyed && (ms !== 0 || this[kTimeoutMs] !== 0)) {
      this[kTimeoutMs] = ms;
      binding.connSetTimeout(this[kId], ms);
    }
    return this;
  }

  setNoDelay(on = true) {
    if (!this.destroyed) binding.connSetNoDelay(this[kId], !!on);
    return this;
  }

  setKeepAlive(on = false, delay = 0) {
    // The Agent sets the same probes each time a socket returns to the
    // pool: only a change reaches the socket.
    const d = ~~(delay / 1) || 0;
    const key = on ? d : -1;
    if (!this.destroyed && this[kKeepAliveSet] !== key) {
      this[kKeepAliveSet] = key;
      binding.connSetKeepAlive(this[kId], !!on, d);
    }
    return this;
  }

  ref() {
    if (!this[kRefed]) {
      this[kRefed] = true;
      this._applyRef();
    }
    return this;
  }

  unref() {
    if (this[kRefed]) {
      this[kRefed] = false;
      this._applyRef();
    }
    return this;
  }

  /**
   * Readable#pause(); in HTTP mode reading from the connection stops too,
   * as Node's consumed socket stops its handle on 'pause'.
   */
  pause() {
    super.pause();
    if (!this[kRaw]) this._readStop();
    return this;
  }

  /**
   * Readable#resume(), and reading from the connection starts again; in
   * HTTP mode not while the server paused the socket for its responses
   * (then it pauses again, as Node's 'resume' listener does).
   */
  resume() {
    super.resume();
    if (this._paused && !this[kRaw]) return this.pause();
    this._readStart();
    return this;
  }

  /** Tells the core whether reading holds the event loop (the socket's ref). */
  _applyRef() {
    if (this[kId] !== 0 && !this.destroyed) binding.connRef(this[kId], this[kRefed]);
  }

  /** Stops reading from the connection (HTTP backpressure). */
  _readStop() {
    if (!this[kReadStopped] && !this.destroyed) {
      this[kReadStopped] = true;
      binding.connPause(this[kId], true);
    }
  }

  /** Resumes reading from the connection. */
  _readStart() {
    if (this[kReadStopped] && !this.destroyed) {
      this[kReadStopped] = false;
      binding.connPause(this[kId], false);
    }
  }

  on(event, listener) {
    super.on(event, listener);
    maybeUnconsume(this, event);
    return this;
  }

  addListener(event, listener) {
    super.addListener(event, listener);
    maybeUnconsume(this, event);
    return this;
  }

  prependListener(event, listener) {
    super.prependListener(event, listener);
    maybeUnconsume(this, event);
    return this;
  }

  /**
   * A chunk the core read and parsed, copied for the socket's own 'data'
   * listeners once unconsumed: it goes through the Readable side as any
   * read would (the HTTP layer's listener skips it, see `readCopies`).
   */
  onReadCopy(chunk) {
    readCopies.add(chunk);
    if (!this.destroyed) {
      this.push(chunk);
    } else if (this.readableFlowing) {
      // Destroyed while its parse events were handled (a parse error): in
      // Node the parser is one listener of the same 'data' emission, so
      // the listeners after it still get the chunk.
      this.emit('data', chunk);
    }
  }

  /** Switches to raw mode: bytes from now on are this Duplex's data. */
  _switchToRaw() {
    this[kRaw] = true;
    this[kHandle] = null;
    binding.connUpgrade(this[kId], true);
  }

  // Native events, called by lib/native.js.
  onRequest(method, url, minor, flags, raw) {
    this[kHandler].onRequest(this, method, url, minor, flags, raw);
  }
  onResponse(status, minor, flags, reason, raw) {
    this[kHandler].onResponse(this, status, minor, flags, reason, raw);
  }
  onBody(chunk) {
    this[kHandler].onBody(this, chunk);
  }
  onBodyEnd(rawTrailers) {
    this[kHandler].onBodyEnd(this, rawTrailers);
  }
  onClientError(code, reason, bytesParsed, rawPacket) {
    this[kHandler].onClientError(this, code, reason, bytesParsed, rawPacket);
  }
  onData(chunk) {
    if (!this.push(chunk)) this._readStop();
  }
  onDrain() {
    this[kOverLimit] = false;
    const cb = this[kPendingCb];
    if (cb) {
      this[kPendingCb] = null;
      cb();
    }
  }
  onTimeout() {
    this.emit('timeout');
  }
  onEnd(finished) {
    if (this[kRaw]) {
      this.push(null);
      if (this.readableLength === 0) this.read(0);
    }
    else {
      // Node sees EOF in a later read callback than the data before it, so
      // what that data scheduled with nextTick (a request's 'end') runs first.
      // `finished`: the end also completed the request (a body that runs
      // until close), which the handler does as its 'end' handling starts.
      afterEvents(() => this[kHandler].onEnd(this, finished));
    }
  }
  onClose(code, bytesRead) {
    if (bytesRead !== undefined && bytesRead > this[kBytesRead]) this[kBytesRead] = bytesRead;
    const pending = this[kPendingCb];
    if (pending) {
      this[kPendingCb] = null;
      pending(code ? systemError(code, 'write') : null);
    }
    if (!this.destroyed) {
      if (code) this.destroy(systemError(code, 'read'));
      else this.destroy();
    }
  }
}

/** The write paths a direct write stands in for (see kCanWriteDirect). */
const baseWrite = ServerSocket.prototype.write;
const ownWritev = ServerSocket.prototype._writev;

/**
 * Whether nothing is buffered, corked or in flight in `socket`'s Writable,
 * the core's queue is under its limit, and `write` is not replaced: a
 * direct write keeps order (the caller checks `_writev` is its class's own).
 */
function writableIdle(socket) {
  if (socket[kOverLimit]) return false;
  const ws = socket._writableState;
  return ws.length === 0 && ws.corked === 0 && !ws.ending && !ws.destroyed &&
    !ws.errored && socket.write === baseWrite;
}

module.exports = {
  ServerSocket,
  isReadCopy,
  systemError,
  // For ClientSocket (lib/client_socket.js), which extends ServerSocket.
  kId,
  kInfo,
  kHandler,
  kRefed,
  kTimeoutMs,
  kIsPipe,
  writableIdle,
};
