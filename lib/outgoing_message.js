'use strict';

/**
 * `OutgoingMessage`: the common base of rshttp's `ServerResponse` (and of a
 * client request), with Node 20's API and wire behaviour: the header map,
 * the head serialisation (`_storeHeader`), body framing (Content-Length or
 * chunked, trailers), buffering until a socket is assigned, corking, and the
 * write/end/finish error and event semantics.
 *
 * It writes to `this.socket`, a `stream.Duplex` with net.Socket's writable
 * API (rshttp's native-backed socket, or a real `net.Socket`).
 *
 * Written as a function constructor (not a class) because libraries call
 * `http.OutgoingMessage.call(this)` / `http.ServerResponse.call(this, req)`.
 */

const EE = require('events');
const Stream = require('stream');
const util = require('util');
const { Buffer } = require('buffer');

const {
  codes: {
    ERR_HTTP_BODY_NOT_ALLOWED,
    ERR_HTTP_CONTENT_LENGTH_MISMATCH,
    ERR_HTTP_HEADERS_SENT,
    ERR_HTTP_TRAILER_INVALID,
    ERR_INVALID_ARG_TYPE,
    ERR_INVALID_ARG_VALUE,
    ERR_INVALID_CHAR,
    ERR_METHOD_NOT_IMPLEMENTED,
    ERR_STREAM_ALREADY_FINISHED,
    ERR_STREAM_CANNOT_PIPE,
    ERR_STREAM_DESTROYED,
    ERR_STREAM_NULL_VALUES,
    ERR_STREAM_WRITE_AFTER_END,
  },
} = require('./errors');
const {
  validateString,
  validateHeaderName,
  validateHeaderValue,
  checkInvalidHeaderChar,
} = require('./validators');
const {
  chunkExpression,
  connCloseExpression,
  dateLine,
  kCanWriteDirect,
  kWriteDirect,
  directEncoding,
  lowerCaseName,
} = require('./http_common');

const isUint8Array = util.types.isUint8Array;

/** Header map: lower-case name → [name as set, value]; null-prototype object. */
const kOutHeaders = Symbol('kOutHeaders');
/** Set when write() returned false, until 'drain' is emitted. */
const kNeedDrain = Symbol('kNeedDrain');
/** Set of lower-cased header names to be joined instead of repeated (server `uniqueHeaders`). */
const kUniqueHeaders = Symbol('kUniqueHeaders');
/** High-water mark used while no socket is assigned. */
const kHighWaterMark = Symbol('kHighWaterMark');
/** Throw ERR_HTTP_BODY_NOT_ALLOWED on body writes to HEAD/204/304 (server option). */
const kRejectNonStandardBodyWrites = Symbol('kRejectNonStandardBodyWrites');
const kCorked = Symbol('kCorked');
const kBytesWritten = Symbol('kBytesWritten');
const kErrored = Symbol('kErrored');

const nop = () => {};
const crlfBuf = Buffer.from('\r\n');

function defaultHighWaterMark() {
  return typeof Stream.getDefaultHighWaterMark === 'function' ?
    Stream.getDefaultHighWaterMark(false) : 16 * 1024;
}

function isCookieField(s) {
  return s.length === 6 && s.toLowerCase() === 'cookie';
}

function isContentDispositionField(s) {
  return s.length === 19 && s.toLowerCase() === 'content-disposition';
}

/**
 * Base class of outgoing HTTP messages.
 * @param {{ highWaterMark?: number, rejectNonStandardBodyWrites?: boolean }} [options]
 */
function OutgoingMessage(options) {
  Stream.call(this);

  // Data queued while this message is not (yet) the socket's current one.
  this.outputData = [];
  this.outputSize = 0;

  this.writable = true;
  this.destroyed = false;

  this._last = false;
  this.chunkedEncoding = false;
  this.shouldKeepAlive = true;
  this.maxRequestsOnConnectionReached = false;
  this._defaultKeepAlive = true;
  this.useChunkedEncodingByDefault = true;
  this.sendDate = false;
  this._removedConnection = false;
  this._removedContLen = false;
  this._removedTE = false;

  this.strictContentLength = false;
  this[kBytesWritten] = 0;
  this._contentLength = null;
  this._hasBody = true;
  this._trailer = '';
  this[kNeedDrain] = false;

  this.finished = false;
  this._headerSent = false;
  this[kCorked] = 0;
  this._closed = false;

  this.socket = null;
  this._header = null;
  this[kOutHeaders] = null;

  this._keepAliveTimeout = 0;

  this._onPendingData = nop;

  this[kErrored] = null;
  this[kHighWaterMark] = options?.highWaterMark ?? defaultHighWaterMark();
  this[kRejectNonStandardBodyWrites] = options?.rejectNonStandardBodyWrites ?? false;
}
Object.setPrototypeOf(OutgoingMessage.prototype, Stream.prototype);
Object.setPrototypeOf(OutgoingMessage, Stream);

function getter(name, get, set) {
  Object.defineProperty(OutgoingMessage.prototype, name, {
    __proto__: null, configurable: true, get, set,
  });
}

/** The error passed to destroy(), or null. */
getter('errored', function() { return this[kErrored]; });

/** True once 'close' has been emitted. */
getter('closed', function() { return this._closed; });

/** True once end() was called and everything reached the socket's buffer and the kernel. */
getter('writableFinished', function() {
  return this.finished && this.outputSize === 0 &&
    (!this.socket || this.socket.writableLength === 0);
});

getter('writableObjectMode', function() { return false; });

getter('writableLength', function() {
  return this.outputSize + (this.socket ? this.socket.writableLength : 0);
});

getter('writableHighWaterMark', function() {
  return this.socket ? this.socket.writableHighWaterMark : this[kHighWaterMark];
});

getter('writableCorked', function() {
  return (this.socket ? this.socket.writableCorked : 0) + this[kCorked];
});

getter('writableEnded', function() { return this.finished; });

getter('writableNeedDrain', function() {
  return !this.destroyed && !this.finished && this[kNeedDrain];
});

/** Legacy alias of `socket`. */
getter('connection',
       function() { return this.socket; },
       function(val) { this.socket = val; });

getter('_headers',
       util.deprecate(function() {
         return this.getHeaders();
       }, 'OutgoingMessage.prototype._headers is deprecated', 'DEP0066'),
       util.deprecate(function(val) {
         if (val == null) {
           this[kOutHeaders] = null;
         } else if (typeof val === 'object') {
           const headers = this[kOutHeaders] = { __proto__: null };
           for (const name of Object.keys(val)) {
             headers[name.toLowerCase()] = [name, val[name]];
           }
         }
       }, 'OutgoingMessage.prototype._headers is deprecated', 'DEP0066'));

getter('_headerNames',
       util.deprecate(function() {
         const headers = this[kOutHeaders];
         if (headers === null) return null;
         const out = { __proto__: null };
         for (const key of Object.keys(headers)) out[key] = headers[key][0];
         return out;
       }, 'OutgoingMessage.prototype._headerNames is deprecated', 'DEP0066'),
       util.deprecate(function(val) {
         if (typeof val !== 'object' || val === null) return;
         const headers = this[kOutHeaders];
         if (!headers) return;
         for (const key of Object.keys(val)) {
           const entry = headers[key];
           if (entry) entry[0] = val[key];
         }
       }, 'OutgoingMessage.prototype._headerNames is deprecated', 'DEP0066'));

Object.defineProperty(OutgoingMessage.prototype, 'headersSent', {
  __proto__: null,
  configurable: true,
  enumerable: true,
  get() { return !!this._header; },
});

/** Returns the headers as a plain object keyed by their original names. */
OutgoingMessage.prototype._renderHeaders = function _renderHeaders() {
  if (this._header) throw new ERR_HTTP_HEADERS_SENT('render');
  const map = this[kOutHeaders];
  const headers = {};
  if (map !== null) {
    for (const key of Object.keys(map)) headers[map[key][0]] = map[key][1];
  }
  return headers;
};

/** Corks the socket, or counts the cork until a socket is assigned. */
OutgoingMessage.prototype.cork = function cork() {
  if (this.socket) {
    this.socket.cork();
  } else {
    this[kCorked]++;
  }
};

/** Undoes one cork(). */
OutgoingMessage.prototype.uncork = function uncork() {
  if (this.socket) {
    this.socket.uncork();
  } else if (this[kCorked]) {
    this[kCorked]--;
  }
};

/** Sets the socket's idle timeout (now or once assigned); `callback` listens to 'timeout'. */
OutgoingMessage.prototype.setTimeout = function setTimeout(msecs, callback) {
  if (callback) this.on('timeout', callback);
  if (!this.socket) {
    this.once('socket', function socketSetTimeoutOnConnect(socket) {
      socket.setTimeout(msecs);
    });
  } else {
    this.socket.setTimeout(msecs);
  }
  return this;
};

/** Destroys the message by destroying its socket (now or once assigned). */
OutgoingMessage.prototype.destroy = function destroy(error) {
  if (this.destroyed) return this;
  this.destroyed = true;
  this[kErrored] = error;
  if (this.socket) {
    this.socket.destroy(error);
  } else {
    this.once('socket', function socketDestroyOnConnect(socket) {
      socket.destroy(error);
    });
  }
  return this;
};

/**
 * Writes body bytes, prefixing the stored head the first time (in the same
 * socket write when `data` is a utf8/latin1 string, like Node).
 */
OutgoingMessage.prototype._send = function _send(data, encoding, callback, byteLength) {
  if (!this._headerSent && this._header !== null) {
    if (typeof data === 'string' &&
        (encoding === 'utf8' || encoding === 'latin1' || !encoding)) {
      if (this.outputData.length === 0 && writesDirect(this) &&
          this.socket[kWriteDirect](data, encoding, this._header)) {
        // The two strings went to the socket as one write, never joined
        // (V8 would flatten `head + body` to encode it).
        this._headerSent = true;
        return afterDirectWrite(callback);
      }
      data = this._header + data;
    } else if (this.outputData.length === 0 && writesDirect(this) &&
               this.socket[kWriteDirect](data, encoding, this._header)) {
      // Head and body went straight to the socket together.
      this._headerSent = true;
      return afterDirectWrite(callback);
    } else {
      const header = this._header;
      this.outputData.unshift({ data: header, encoding: 'latin1', callback: null });
      this.outputSize += header.length;
      this._onPendingData(header.length);
    }
    this._headerSent = true;
  }
  return this._writeRaw(data, encoding, callback, byteLength);
};

/**
 * Writes to the socket when this message owns a writable socket, otherwise
 * queues into `outputData`. Returns the socket's (or the queue's)
 * backpressure signal.
 */
OutgoingMessage.prototype._writeRaw = function _writeRaw(data, encoding, callback, size) {
  const conn = this.socket;
  if (conn && conn.destroyed) {
    // The socket is gone; 'close' handling will clean up.
    return false;
  }

  if (typeof encoding === 'function') {
    callback = encoding;
    encoding = null;
  }

  if (conn && conn._httpMessage === this && conn.writable) {
    if (this.outputData.length) this._flushOutput(conn);
    if (conn[kWriteDirect] !== undefined && conn[kWriteDirect](data, encoding, null)) {
      return afterDirectWrite(callback);
    }
    return conn.write(data, encoding, callback);
  }

  this.outputData.push({ data, encoding, callback });
  this.outputSize += data.length;
  this._onPendingData(data.length);
  return this.outputSize < this[kHighWaterMark];
};

/**
 * Serialises the head: `firstLine` plus `headers` (the header map, an object,
 * a flat [k, v, ...] array or an array of [k, v] pairs), adding Date,
 * Connection/Keep-Alive and Content-Length/Transfer-Encoding as Node does.
 * Stores it in `this._header`; it is sent with the first body write.
 */
OutgoingMessage.prototype._storeHeader = function _storeHeader(firstLine, headers) {
  const state = {
    connection: false,
    contLen: false,
    te: false,
    date: false,
    expect: false,
    trailer: false,
    header: firstLine,
  };

  if (headers) {
    if (headers === this[kOutHeaders]) {
      for (const key in headers) {
        const entry = headers[key];
        processHeader(this, state, entry[0], entry[1], false);
      }
    } else if (Array.isArray(headers)) {
      if (headers.length && Array.isArray(headers[0])) {
        for (let i = 0; i < headers.length; i++) {
          processHeader(this, state, headers[i][0], headers[i][1], true);
        }
      } else {
        if (headers.length % 2 !== 0) {
          throw new ERR_INVALID_ARG_VALUE('headers', headers);
        }
        for (let i = 0; i < headers.length; i += 2) {
          processHeader(this, state, headers[i], headers[i + 1], true);
        }
      }
    } else {
      for (const key in headers) {
        if (Object.hasOwn(headers, key)) {
          processHeader(this, state, key, headers[key], true);
        }
      }
    }
  }

  let header = state.header;

  if (this.sendDate && !state.date) {
    header += dateLine();
  }

  // A 204/304 with a user-set chunked encoding gets no zero chunk, and the
  // connection is closed instead.
  if (this.chunkedEncoding && (this.statusCode === 204 || this.statusCode === 304)) {
    this.chunkedEncoding = false;
    this.shouldKeepAlive = false;
  }

  if (this._removedConnection) {
    // No Connection header is sent; keep-alive stays as decided.
    this._last = !this.shouldKeepAlive;
  } else if (!state.connection) {
    const sendKeepAlive = this.shouldKeepAlive &&
      (state.contLen || this.useChunkedEncodingByDefault || this.agent);
    if (sendKeepAlive && this.maxRequestsOnConnectionReached) {
      header += 'Connection: close\r\n';
    } else if (sendKeepAlive) {
      if (this._keepAliveTimeout && this._defaultKeepAlive) {
        header += keepAliveLines(Math.floor(this._keepAliveTimeout / 1000), this._maxRequestsPerSocket);
      } else {
        header += 'Connection: keep-alive\r\n';
      }
    } else {
      this._last = true;
      header += 'Connection: close\r\n';
    }
  }

  if (!state.contLen && !state.te) {
    if (!this._hasBody) {
      // No body: no framing header, and no terminating zero chunk.
      this.chunkedEncoding = false;
    } else if (!this.useChunkedEncodingByDefault) {
      this._last = true;
    } else if (!state.trailer && !this._removedContLen &&
               typeof this._contentLength === 'number') {
      header += 'Content-Length: ' + this._contentLength + '\r\n';
    } else if (!this._removedTE) {
      header += 'Transfer-Encoding: chunked\r\n';
      this.chunkedEncoding = true;
    } else {
      // Both framing headers removed by the user: the body runs until close.
      this._last = true;
    }
  }

  // Trailers need chunked framing.
  if (this.chunkedEncoding !== true && state.trailer) {
    throw new ERR_HTTP_TRAILER_INVALID();
  }

  this._header = header + '\r\n';
  this._headerSent = false;

  // The head normally waits for the first body chunk; with
  // `Expect: 100-continue` it goes out at once.
  if (state.expect) this._send('');
};

let keepAliveSeconds = -1;
let keepAliveMax = -1;
let keepAliveText = '';

/**
 * `Connection: keep-alive` and `Keep-Alive: timeout=N[, max=M]` lines; the
 * text is kept for the next response, which almost always has the same.
 */
function keepAliveLines(seconds, max) {
  if (seconds !== keepAliveSeconds || max !== keepAliveMax) {
    keepAliveSeconds = seconds;
    keepAliveMax = max;
    keepAliveText = `Connection: keep-alive\r\nKeep-Alive: timeout=${seconds}` +
      (~~max > 0 ? `, max=${max}` : '') + '\r\n';
  }
  return keepAliveText;
}

function processHeader(self, state, key, value, validate) {
  if (validate) validateHeaderName(key);

  // With a Content-Length, Content-Disposition is sent latin1-encoded
  // (RFC 6266 4.3), as Node does.
  if (isContentDispositionField(key) && self._contentLength) {
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        value[i] = Buffer.from(value[i], 'latin1');
      }
    } else {
      value = Buffer.from(value, 'latin1');
    }
  }

  if (Array.isArray(value)) {
    if ((value.length < 2 || !isCookieField(key)) &&
        (!self[kUniqueHeaders] || !self[kUniqueHeaders].has(key.toLowerCase()))) {
      // One header line per value.
      for (let i = 0; i < value.length; i++) {
        storeHeader(self, state, key, value[i], validate);
      }
      return;
    }
    value = value.join('; ');
  }
  storeHeader(self, state, key, value, validate);
}

function storeHeader(self, state, key, value, validate) {
  if (validate) validateHeaderValue(key, value);
  state.header += key + ': ' + value + '\r\n';
  matchHeader(self, state, key, value);
}

function matchHeader(self, state, field, value) {
  // Only names as long as one of the cases below are lower-cased.
  switch (field.length) {
    case 4: case 6: case 7: case 10: case 14: case 17: break;
    default: return;
  }
  field = lowerCaseName(field);
  switch (field) {
    case 'connection':
      state.connection = true;
      self._removedConnection = false;
      if (connCloseExpression.test(value)) {
        self._last = true;
      } else {
        self.shouldKeepAlive = true;
      }
      break;
    case 'transfer-encoding':
      state.te = true;
      self._removedTE = false;
      if (chunkExpression.test(value)) self.chunkedEncoding = true;
      break;
    case 'content-length':
      state.contLen = true;
      self._contentLength = +value;
      self._removedContLen = false;
      break;
    case 'date':
    case 'expect':
    case 'trailer':
      state[field] = true;
      break;
    case 'keep-alive':
      self._defaultKeepAlive = false;
      break;
  }
}

/**
 * Parses the server's `uniqueHeaders` option into a Set of lower-case names
 * (null when not an array).
 * @param {string[]|undefined} headers
 * @returns {Set<string>|null}
 */
function parseUniqueHeadersOption(headers) {
  if (!Array.isArray(headers)) return null;
  const unique = new Set();
  for (let i = 0; i < headers.length; i++) unique.add(headers[i].toLowerCase());
  return unique;
}

/** Sets (replaces) a header; the name's casing is kept for the wire. */
OutgoingMessage.prototype.setHeader = function setHeader(name, value) {
  if (this._header) throw new ERR_HTTP_HEADERS_SENT('set');
  validateHeaderName(name);
  validateHeaderValue(name, value);

  let headers = this[kOutHeaders];
  if (headers === null) this[kOutHeaders] = headers = { __proto__: null };
  headers[lowerCaseName(name)] = [name, value];
  return this;
};

/** Sets every header of a `Headers` or `Map` (set-cookie values kept apart). */
OutgoingMessage.prototype.setHeaders = function setHeaders(headers) {
  if (this._header) throw new ERR_HTTP_HEADERS_SENT('set');

  if (!headers || Array.isArray(headers) ||
      typeof headers.keys !== 'function' || typeof headers.get !== 'function') {
    throw new ERR_INVALID_ARG_TYPE('headers', ['Headers', 'Map'], headers);
  }

  // A Headers object would join cookies with commas; collect them instead.
  const cookies = [];
  for (const { 0: key, 1: value } of headers) {
    if (key === 'set-cookie') {
      if (Array.isArray(value)) {
        cookies.push(...value);
      } else {
        cookies.push(value);
      }
      continue;
    }
    this.setHeader(key, value);
  }
  if (cookies.length) this.setHeader('set-cookie', cookies);
  return this;
};

/** Adds value(s) to a header, turning it into an array if it already exists. */
OutgoingMessage.prototype.appendHeader = function appendHeader(name, value) {
  if (this._header) throw new ERR_HTTP_HEADERS_SENT('append');
  validateHeaderName(name);
  validateHeaderValue(name, value);

  const field = lowerCaseName(name);
  const headers = this[kOutHeaders];
  if (headers === null || !headers[field]) return this.setHeader(name, value);

  if (!Array.isArray(headers[field][1])) headers[field][1] = [headers[field][1]];
  const values = headers[field][1];
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) values.push(value[i]);
  } else {
    values.push(value);
  }
  return this;
};

/** Returns a header's value as set (case-insensitive name). */
OutgoingMessage.prototype.getHeader = function getHeader(name) {
  validateString(name, 'name');
  const headers = this[kOutHeaders];
  if (headers === null) return;
  const entry = headers[lowerCaseName(name)];
  return entry && entry[1];
};

/** Lower-case names of the headers set. */
OutgoingMessage.prototype.getHeaderNames = function getHeaderNames() {
  return this[kOutHeaders] !== null ? Object.keys(this[kOutHeaders]) : [];
};

/** Names of the headers set, with their original casing. */
OutgoingMessage.prototype.getRawHeaderNames = function getRawHeaderNames() {
  const map = this[kOutHeaders];
  if (map === null) return [];
  return Object.values(map).map((entry) => entry[0]);
};

/** Shallow copy of the headers, keyed by lower-case name, null prototype. */
OutgoingMessage.prototype.getHeaders = function getHeaders() {
  const headers = this[kOutHeaders];
  const ret = { __proto__: null };
  if (headers) {
    for (const key of Object.keys(headers)) ret[key] = headers[key][1];
  }
  return ret;
};

/** Whether a header is set (case-insensitive). */
OutgoingMessage.prototype.hasHeader = function hasHeader(name) {
  validateString(name, 'name');
  return this[kOutHeaders] !== null && !!this[kOutHeaders][lowerCaseName(name)];
};

/**
 * Removes a header; removing Connection, Content-Length, Transfer-Encoding or
 * Date also stops them from being generated.
 */
OutgoingMessage.prototype.removeHeader = function removeHeader(name) {
  validateString(name, 'name');
  if (this._header) throw new ERR_HTTP_HEADERS_SENT('remove');

  const key = lowerCaseName(name);
  switch (key) {
    case 'connection':
      this._removedConnection = true;
      break;
    case 'content-length':
      this._removedContLen = true;
      break;
    case 'transfer-encoding':
      this._removedTE = true;
      break;
    case 'date':
      this.sendDate = false;
      break;
  }
  if (this[kOutHeaders] !== null) delete this[kOutHeaders][key];
};

/** Subclasses build the head here (ServerResponse calls writeHead). */
OutgoingMessage.prototype._implicitHeader = function _implicitHeader() {
  throw new ERR_METHOD_NOT_IMPLEMENTED('_implicitHeader()');
};

/**
 * Writes a body chunk (string, Buffer or Uint8Array). Returns false when the
 * caller should wait for 'drain'.
 */
OutgoingMessage.prototype.write = function write(chunk, encoding, callback) {
  if (typeof encoding === 'function') {
    callback = encoding;
    encoding = null;
  }
  const ret = writeImpl(this, chunk, encoding, callback, false);
  if (!ret) this[kNeedDrain] = true;
  return ret;
};

function emitErrorNT(msg, err, callback) {
  callback(err);
  if (typeof msg.emit === 'function' && !msg.destroyed) msg.emit('error', err);
}

// Reports a write error on the next tick: to the callback, then as 'error'.
function onError(msg, err, callback) {
  if (msg.destroyed) return;
  process.nextTick(emitErrorNT, msg, err, callback);
}

function checksContentLength(msg) {
  return msg.strictContentLength &&
    msg._contentLength != null &&
    msg._hasBody &&
    !msg._removedContLen &&
    !msg.chunkedEncoding &&
    !msg.hasHeader('transfer-encoding');
}

function byteLengthOf(chunk, encoding) {
  return typeof chunk === 'string' ? Buffer.byteLength(chunk, encoding) : chunk.byteLength;
}

function writeImpl(msg, chunk, encoding, callback, fromEnd) {
  if (typeof callback !== 'function') callback = nop;

  if (chunk === null) {
    throw new ERR_STREAM_NULL_VALUES();
  } else if (typeof chunk !== 'string' && !isUint8Array(chunk)) {
    throw new ERR_INVALID_ARG_TYPE('chunk', ['string', 'Buffer', 'Uint8Array'], chunk);
  }

  let err;
  if (msg.finished) {
    err = new ERR_STREAM_WRITE_AFTER_END();
  } else if (msg.destroyed) {
    err = new ERR_STREAM_DESTROYED('write');
  }
  if (err) {
    if (!msg.destroyed) {
      onError(msg, err, callback);
    } else {
      process.nextTick(callback, err);
    }
    return false;
  }

  let len;

  if (msg.strictContentLength) {
    len ??= byteLengthOf(chunk, encoding);
    if (checksContentLength(msg) &&
        (fromEnd ?
          msg[kBytesWritten] + len !== msg._contentLength :
          msg[kBytesWritten] + len > msg._contentLength)) {
      throw new ERR_HTTP_CONTENT_LENGTH_MISMATCH(len + msg[kBytesWritten], msg._contentLength);
    }
    msg[kBytesWritten] += len;
  }

  if (!msg._header) {
    if (fromEnd) {
      // end(chunk) before any write: the body length is known.
      len ??= byteLengthOf(chunk, encoding);
      msg._contentLength = len;
    }
    msg._implicitHeader();
  }

  if (!msg._hasBody) {
    if (msg[kRejectNonStandardBodyWrites]) throw new ERR_HTTP_BODY_NOT_ALLOWED();
    // HEAD / 204 / 304: the body is silently dropped.
    process.nextTick(callback);
    return true;
  }

  if (!fromEnd && msg.socket && !msg.socket.writableCorked) {
    // Coalesce the writes of this tick into one socket write.
    msg.socket.cork();
    process.nextTick(uncorkNT, msg.socket);
  }

  let ret;
  if (msg.chunkedEncoding && chunk.length !== 0) {
    len ??= byteLengthOf(chunk, encoding);
    msg._send(len.toString(16), 'latin1', null);
    msg._send(crlfBuf, null, null);
    msg._send(chunk, encoding, null, len);
    ret = msg._send(crlfBuf, null, callback);
  } else {
    ret = msg._send(chunk, encoding, callback, len);
  }
  return ret;
}

function uncorkNT(conn) {
  conn.uncork();
}

/**
 * Sets the trailers sent after a chunked body (object or array of pairs);
 * names and values are validated.
 */
OutgoingMessage.prototype.addTrailers = function addTrailers(headers) {
  this._trailer = '';
  const keys = Object.keys(headers);
  const isArray = Array.isArray(headers);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    let field;
    let value;
    if (isArray) {
      field = headers[key][0];
      value = headers[key][1];
    } else {
      field = key;
      value = headers[key];
    }
    validateHeaderName(field, 'Trailer name');

    const isArrayValue = Array.isArray(value);
    if (isArrayValue && value.length > 1 &&
        (!this[kUniqueHeaders] || !this[kUniqueHeaders].has(field.toLowerCase()))) {
      for (let j = 0; j < value.length; j++) {
        if (checkInvalidHeaderChar(value[j])) {
          throw new ERR_INVALID_CHAR('trailer content', field);
        }
        this._trailer += field + ': ' + value[j] + '\r\n';
      }
    } else {
      if (isArrayValue) value = value.join('; ');
      if (checkInvalidHeaderChar(value)) {
        throw new ERR_INVALID_CHAR('trailer content', field);
      }
      this._trailer += field + ': ' + value + '\r\n';
    }
  }
};

function onFinish(msg) {
  if (msg && msg.socket && msg.socket._hadError) return;
  msg.emit('finish');
}

/**
 * After a direct write: calls `callback` back on the next tick, as a
 * Writable does for a write done at once; returns write()'s true.
 */
function afterDirectWrite(callback) {
  if (typeof callback === 'function' && callback !== nop) process.nextTick(callback);
  return true;
}

/** Whether `msg` owns a writable socket that can take direct writes. */
function writesDirect(msg) {
  const conn = msg.socket;
  return conn != null && conn[kWriteDirect] !== undefined && conn._httpMessage === msg &&
    conn.writable && !conn.destroyed;
}

/**
 * Corks `socket` so end()'s writes (head and last `chunk`) leave as one;
 * returns false, leaving it uncorked, when the socket will take them in one
 * direct write: short, and a Buffer or a latin1/UTF-8 string.
 */
function corkForEnd(socket, chunk, encoding) {
  if (!socket) return true;
  if (socket[kCanWriteDirect] !== undefined && socket[kCanWriteDirect]() &&
      (chunk == null || (chunk.length <= DIRECT_END_MAX &&
        (typeof chunk !== 'string' || directEncoding(encoding) !== null)))) {
    return false;
  }
  socket.cork();
  return true;
}

/**
 * The longest last chunk end() hands to a direct write: the socket takes
 * up to 16 KiB at once, head included (which is rarely past a few hundred
 * bytes; when it is, the two go in two writes, still in order).
 */
const DIRECT_END_MAX = 12 * 1024;

function fullyUncork(socket) {
  const state = socket._writableState;
  if (state && typeof state.corked === 'number') {
    state.corked = 1;
    socket.uncork();
  } else {
    while (socket.writableCorked) socket.uncork();
  }
}

/**
 * Ends the message, optionally with a last chunk; `callback` runs on
 * 'finish'. A second end() with a chunk reports ERR_STREAM_WRITE_AFTER_END.
 */
OutgoingMessage.prototype.end = function end(chunk, encoding, callback) {
  if (typeof chunk === 'function') {
    callback = chunk;
    chunk = null;
    encoding = null;
  } else if (typeof encoding === 'function') {
    callback = encoding;
    encoding = null;
  }

  // The socket took the writes directly (see corkForEnd).
  let direct = false;
  if (chunk) {
    if (this.finished) {
      onError(this, new ERR_STREAM_WRITE_AFTER_END(),
              typeof callback !== 'function' ? nop : callback);
      return this;
    }
    direct = !corkForEnd(this.socket, chunk, encoding);
    writeImpl(this, chunk, encoding, null, true);
  } else if (this.finished) {
    if (typeof callback === 'function') {
      if (!this.writableFinished) {
        this.on('finish', callback);
      } else {
        callback(new ERR_STREAM_ALREADY_FINISHED('end'));
      }
    }
    return this;
  } else if (!this._header) {
    direct = !corkForEnd(this.socket, null, null);
    this._contentLength = 0;
    this._implicitHeader();
  }

  if (typeof callback === 'function') this.once('finish', callback);

  if (checksContentLength(this) && this[kBytesWritten] !== this._contentLength) {
    throw new ERR_HTTP_CONTENT_LENGTH_MISMATCH(this[kBytesWritten], this._contentLength);
  }

  if (this._hasBody && this.chunkedEncoding) {
    this._send('0\r\n' + this._trailer + '\r\n', 'latin1', onFinish.bind(undefined, this));
  } else if (direct && this._headerSent && this.outputData.length === 0 &&
             writesDirect(this) && this.socket[kCanWriteDirect]()) {
    // Everything went straight to the socket: 'finish' follows on the next
    // tick, as the callback of an empty write would.
    process.nextTick(onFinish, this);
  } else if (!this._headerSent || this.writableLength || chunk) {
    this._send('', 'latin1', onFinish.bind(undefined, this));
  } else {
    process.nextTick(onFinish, this);
  }

  // Uncorks what end() (or a write this tick) corked.
  if (this.socket && !direct) fullyUncork(this.socket);
  this[kCorked] = 0;

  this.finished = true;

  // Everything is on the socket and this message is the socket's current
  // one: the server may move on to the next response.
  if (this.outputData.length === 0 && this.socket && this.socket._httpMessage === this) {
    this._finish();
  }

  return this;
};

/** Called once all data reached the socket: emits 'prefinish'. */
OutgoingMessage.prototype._finish = function _finish() {
  this.emit('prefinish');
};

/**
 * Flushes queued data to the assigned socket; then either signals the end
 * (`_finish`) or emits 'drain' if a write had returned false.
 */
OutgoingMessage.prototype._flush = function _flush() {
  const socket = this.socket;
  if (socket && socket.writable) {
    const ret = this._flushOutput(socket);
    if (this.finished) {
      this._finish();
    } else if (ret && this[kNeedDrain]) {
      this[kNeedDrain] = false;
      this.emit('drain');
    }
  }
};

/** Writes `outputData` to `socket` under one cork; returns the last write()'s result. */
OutgoingMessage.prototype._flushOutput = function _flushOutput(socket) {
  while (this[kCorked]) {
    this[kCorked]--;
    socket.cork();
  }

  const n = this.outputData.length;
  if (n <= 0) return undefined;

  const outputData = this.outputData;
  if (n === 1 && socket[kWriteDirect] !== undefined) {
    // One chunk (usually a whole request or response, head and body) goes
    // straight to the socket when it can take it; its callback follows on
    // the next tick, as a Writable's would.
    const { data, encoding, callback } = outputData[0];
    if (socket[kWriteDirect](data, encoding, null)) {
      this.outputData = [];
      this._onPendingData(-this.outputSize);
      this.outputSize = 0;
      return afterDirectWrite(callback);
    }
  }
  socket.cork();
  let ret;
  for (let i = 0; i < n; i++) {
    const { data, encoding, callback } = outputData[i];
    outputData[i].data = null;
    ret = socket.write(data, encoding, callback);
  }
  socket.uncork();

  this.outputData = [];
  this._onPendingData(-this.outputSize);
  this.outputSize = 0;
  return ret;
};

/** Builds the head if needed and sends it now. */
OutgoingMessage.prototype.flushHeaders = function flushHeaders() {
  if (!this._header) this._implicitHeader();
  this._send('');
};

/** An OutgoingMessage is write-only: emits ERR_STREAM_CANNOT_PIPE. */
OutgoingMessage.prototype.pipe = function pipe() {
  this.emit('error', new ERR_STREAM_CANNOT_PIPE());
};

OutgoingMessage.prototype[EE.captureRejectionSymbol] = function(err, event) {
  this.destroy(err);
};

module.exports = {
  OutgoingMessage,
  kOutHeaders,
  kNeedDrain,
  kUniqueHeaders,
  kHighWaterMark,
  kRejectNonStandardBodyWrites,
  kErrored,
  parseUniqueHeadersOption,
  validateHeaderName,
  validateHeaderValue,
};
