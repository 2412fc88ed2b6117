'use strict';

/**
 * `ServerResponse`: the response half of an HTTP server exchange, as Node
 * 20's `http.ServerResponse`. Built on `OutgoingMessage`; the server creates
 * one per request, assigns it the connection's socket when it is first in
 * the connection's response queue, and listens for 'finish'.
 */

const {
  codes: {
    ERR_HTTP_HEADERS_SENT,
    ERR_HTTP_INVALID_STATUS_CODE,
    ERR_HTTP_SOCKET_ASSIGNED,
    ERR_INVALID_ARG_VALUE,
    ERR_INVALID_CHAR,
  },
} = require('./errors');
const {
  validateObject,
  validateLinkHeaderValue,
  checkInvalidHeaderChar,
} = require('./validators');
const { STATUS_CODES, chunkExpression } = require('./http_common');
const {
  OutgoingMessage,
  kOutHeaders,
} = require('./outgoing_message');
const { httpPerf, startHttpEntry, stopHttpEntry } = require('./perf');

/**
 * @param {{ method: string, httpVersionMajor: number, httpVersionMinor: number,
 *           headers: object }} req the request being answered
 * @param {{ highWaterMark?: number, rejectNonStandardBodyWrites?: boolean }} [options]
 */
function ServerResponse(req, options) {
  OutgoingMessage.call(this, options);

  if (req.method === 'HEAD') this._hasBody = false;

  this.req = req;
  this.sendDate = true;
  this._sent100 = false;
  this._expect_continue = false;

  if (httpPerf.observed) {
    startHttpEntry(this, 'HttpRequest', { req: { method: req.method, url: req.url, headers: req.headers } });
  }

  if (req.httpVersionMajor < 1 || req.httpVersionMinor < 1) {
    // HTTP/1.0 clients only get chunked bodies if they asked for them.
    this.useChunkedEncodingByDefault = chunkExpression.test(req.headers.te);
    this.shouldKeepAlive = false;
  }
}
Object.setPrototypeOf(ServerResponse.prototype, OutgoingMessage.prototype);
Object.setPrototypeOf(ServerResponse, OutgoingMessage);

ServerResponse.prototype.statusCode = 200;
ServerResponse.prototype.statusMessage = undefined;

/** Emits 'prefinish' once all data reached the socket. */
ServerResponse.prototype._finish = function _finish() {
  if (httpPerf.observed) {
    stopHttpEntry(this, {
      res: {
        statusCode: this.statusCode,
        statusMessage: this.statusMessage,
        headers: typeof this.getHeaders === 'function' ? this.getHeaders() : {},
      },
    });
  }
  OutgoingMessage.prototype._finish.call(this);
};

/**
 * Marks the response closed and emits 'close' once (Node's emitCloseNT). The
 * server calls it on the next tick after 'finish'; it also runs when the
 * socket closes under the response.
 * @param {ServerResponse} res
 */
function emitCloseNT(res) {
  if (!res._closed) {
    res.destroyed = true;
    res._closed = true;
    res.emit('close');
  }
}

/**
 * Set on sockets whose server listens for 'close' with
 * `onServerResponseClose` once for the whole connection (rshttp's server
 * does), so a response need not add and remove the listener itself.
 */
const kSocketCloseHandled = Symbol('kSocketCloseHandled');

// Socket 'close' listener; `this` is the socket. A stale call after
// detachSocket() finds no _httpMessage and does nothing.
function onServerResponseClose() {
  if (this._httpMessage) emitCloseNT(this._httpMessage);
}

/** Attaches the connection's socket and flushes what was queued. */
ServerResponse.prototype.assignSocket = function assignSocket(socket) {
  if (socket._httpMessage) throw new ERR_HTTP_SOCKET_ASSIGNED();
  socket._httpMessage = this;
  if (socket[kSocketCloseHandled] !== true) socket.on('close', onServerResponseClose);
  this.socket = socket;
  this.emit('socket', socket);
  this._flush();
};

/** Releases the socket (the server calls this on 'finish'). */
ServerResponse.prototype.detachSocket = function detachSocket(socket) {
  if (socket._httpMessage !== this) {
    throw new Error('detachSocket: socket is not attached to this response');
  }
  if (socket[kSocketCloseHandled] !== true) socket.removeListener('close', onServerResponseClose);
  socket._httpMessage = null;
  this.socket = null;
};

/** Sends an interim `100 Continue`. */
ServerResponse.prototype.writeContinue = function writeContinue(cb) {
  this._writeRaw('HTTP/1.1 100 Continue\r\n\r\n', 'ascii', cb);
  this._sent100 = true;
};

/** Sends an interim `102 Processing`. */
ServerResponse.prototype.writeProcessing = function writeProcessing(cb) {
  this._writeRaw('HTTP/1.1 102 Processing\r\n\r\n', 'ascii', cb);
};

/**
 * Sends an interim `103 Early Hints` with a validated `Link` header (from
 * `hints.link`, string or array) and the other `hints` as headers.
 */
ServerResponse.prototype.writeEarlyHints = function writeEarlyHints(hints, cb) {
  let head = 'HTTP/1.1 103 Early Hints\r\n';

  validateObject(hints, 'hints');

  if (hints.link === null || hints.link === undefined) return;

  const link = validateLinkHeaderValue(hints.link);
  if (link.length === 0) return;

  head += 'Link: ' + link + '\r\n';
  for (const key of Object.keys(hints)) {
    if (key !== 'link') head += key + ': ' + hints[key] + '\r\n';
  }
  head += '\r\n';

  this._writeRaw(head, 'ascii', cb);
};

/** Builds the head from `statusCode` and the headers set so far. */
ServerResponse.prototype._implicitHeader = function _implicitHeader() {
  this.writeHead(this.statusCode);
};

/**
 * `writeHead(statusCode[, statusMessage][, headers])`. `headers` is an
 * object, a flat `[name, value, ...]` array, or (when no header was set
 * with setHeader) an array of `[name, value]` pairs. Returns `this`.
 */
ServerResponse.prototype.writeHead = function writeHead(statusCode, reason, obj) {
  if (this._header) throw new ERR_HTTP_HEADERS_SENT('write');

  const originalStatusCode = statusCode;
  statusCode |= 0;
  if (statusCode < 100 || statusCode > 999) {
    throw new ERR_HTTP_INVALID_STATUS_CODE(originalStatusCode);
  }

  if (typeof reason === 'string') {
    this.statusMessage = reason;
  } else {
    if (!this.statusMessage) this.statusMessage = STATUS_CODES[statusCode] || 'unknown';
    obj ??= reason;
  }
  this.statusCode = statusCode;

  let headers;
  if (this[kOutHeaders]) {
    // Headers were set with setHeader(): merge the writeHead() ones in.
    if (Array.isArray(obj)) {
      if (obj.length % 2 !== 0) throw new ERR_INVALID_ARG_VALUE('headers', obj);
      for (let i = 0; i < obj.length; i += 2) {
        const k = obj[i];
        if (k) this.setHeader(k, obj[i + 1]);
      }
    } else if (obj) {
      for (const k of Object.keys(obj)) {
        if (k) this.setHeader(k, obj[k]);
      }
    }
    headers = this[kOutHeaders];
  } else {
    headers = obj;
  }

  if (checkInvalidHeaderChar(this.statusMessage)) throw new ERR_INVALID_CHAR('statusMessage');

  const statusLine = statusLineOf(statusCode, this.statusMessage);

  if (statusCode === 204 || statusCode === 304 || (statusCode >= 100 && statusCode <= 199)) {
    // These responses never carry a body.
    this._hasBody = false;
  }

  // A client that expected 100 Continue but got a final status may send the
  // body anyway: do not reuse the connection.
  if (this._expect_continue && !this._sent100) this.shouldKeepAlive = false;

  this._storeHeader(statusLine, headers);
  return this;
};

/** Status lines with the standard reason phrase, by code, built once each. */
const statusLines = new Map();

/** `HTTP/1.1 <code> <message>\r\n`. */
function statusLineOf(statusCode, message) {
  if (message !== STATUS_CODES[statusCode]) return `HTTP/1.1 ${statusCode} ${message}\r\n`;
  let line = statusLines.get(statusCode);
  if (line === undefined) {
    line = `HTTP/1.1 ${statusCode} ${message}\r\n`;
    statusLines.set(statusCode, line);
  }
  return line;
}

/** Deprecated alias of writeHead (DEP0063, documentation-only). */
ServerResponse.prototype.writeHeader = ServerResponse.prototype.writeHead;

module.exports = {
  ServerResponse,
  emitCloseNT,
  kSocketCloseHandled,
  onServerResponseClose,
  STATUS_CODES,
};
