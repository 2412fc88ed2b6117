'use strict';
// `IncomingMessage`: a request as a Readable stream. Headers are kept as the
// raw [name, value, ...] list the core delivered; `headers`, `headersDistinct`
// and the trailer views are built from it only when first read.

const { Readable, finished } = require('stream');
const { lowerCaseName } = require('./http_common');

const kHeaders = Symbol('kHeaders');
const kHeadersDistinct = Symbol('kHeadersDistinct');
const kHeadersCount = Symbol('kHeadersCount');
const kTrailers = Symbol('kTrailers');
const kTrailersDistinct = Symbol('kTrailersDistinct');
const kTrailersCount = Symbol('kTrailersCount');

/** Fields of which Node keeps only the first occurrence. */
const SINGLE_VALUED = new Set([
  'content-type', 'content-length', 'user-agent', 'referer', 'host', 'authorization',
  'proxy-authorization', 'if-modified-since', 'if-unmodified-since', 'from', 'location',
  'max-forwards', 'retry-after', 'etag', 'last-modified', 'server', 'age', 'expires',
]);

/**
 * Resumes reading on the socket unless the server paused it. As in Node,
 * through the socket's `resume()` ('resume' is emitted when it was paused);
 * rshttp's sockets start reading again from there.
 */
function readStart(socket) {
  if (socket && !socket._paused && socket.readable) socket.resume();
}

/**
 * Node's parser runs the ticks a request handler queued before the message
 * completes (each parser callback is its own callback scope), so a read the
 * handler started (resume(), a 'data' or 'readable' listener) reaches
 * `_read` and marks the request as being consumed before it ends. rshttp
 * delivers the head and the end in one turn, after which `_read` is never
 * called: the read started so far is counted here, just before the end is
 * pushed, so a finished response does not dump a body the handler reads.
 */
function noteReadStarted(req) {
  if (req._consuming) return;
  const rs = req._readableState;
  if (rs.resumeScheduled || rs.readableListening) {
    rs.readingMore = false;
    req._consuming = true;
  }
}

/**
 * Stops reading on the socket: as in Node, through its `pause()`, which
 * emits 'pause' (rshttp's sockets stop reading there).
 */
function readStop(socket) {
  if (socket) socket.pause();
}

let lastReadableOptions = { highWaterMark: 16384 };

/** Readable options for a message on a socket with this high-water mark (reused). */
function readableOptions(highWaterMark) {
  if (lastReadableOptions.highWaterMark !== highWaterMark) lastReadableOptions = { highWaterMark };
  return lastReadableOptions;
}

/** An HTTP request (server side) or response (client side). */
class IncomingMessage extends Readable {
  constructor(socket) {
    super(socket ? readableOptions(socket.readableHighWaterMark) : undefined);
    this._readableState.readingMore = true;
    this.socket = socket;
    this.httpVersionMajor = null;
    this.httpVersionMinor = null;
    this.httpVersion = null;
    this.complete = false;
    this.rawHeaders = [];
    this.rawTrailers = [];
    this.joinDuplicateHeaders = false;
    this.aborted = false;
    this.upgrade = null;
    this.url = '';
    this.method = null;
    this.statusCode = null;
    this.statusMessage = null;
    this.client = socket;
    this._consuming = false;
    this._dumped = false;
    this[kHeaders] = null;
    this[kHeadersDistinct] = null;
    this[kHeadersCount] = 0;
    this[kTrailers] = null;
    this[kTrailersDistinct] = null;
    this[kTrailersCount] = 0;
  }

  get connection() {
    return this.socket;
  }
  set connection(val) {
    this.socket = val;
  }

  get headers() {
    if (!this[kHeaders]) this[kHeaders] = this._buildView(this.rawHeaders, this[kHeadersCount], this._addHeaderLine);
    return this[kHeaders];
  }
  set headers(val) {
    this[kHeaders] = val;
  }

  get headersDistinct() {
    if (!this[kHeadersDistinct]) {
      this[kHeadersDistinct] = this._buildView(this.rawHeaders, this[kHeadersCount], this._addHeaderLineDistinct);
    }
    return this[kHeadersDistinct];
  }
  set headersDistinct(val) {
    this[kHeadersDistinct] = val;
  }

  get trailers() {
    if (!this[kTrailers]) this[kTrailers] = this._buildView(this.rawTrailers, this[kTrailersCount], this._addHeaderLine);
    return this[kTrailers];
  }
  set trailers(val) {
    this[kTrailers] = val;
  }

  get trailersDistinct() {
    if (!this[kTrailersDistinct]) {
      this[kTrailersDistinct] = this._buildView(this.rawTrailers, this[kTrailersCount], this._addHeaderLineDistinct);
    }
    return this[kTrailersDistinct];
  }
  set trailersDistinct(val) {
    this[kTrailersDistinct] = val;
  }

  /**
   * `this.headers[name]` (`name` in lower case), read from the raw list
   * while the `headers` object is not built (or assigned) yet, so an
   * internal look-up does not build it.
   */
  _headerValue(name) {
    const view = this[kHeaders];
    if (view) return view[name];
    const raw = this.rawHeaders;
    const count = this[kHeadersCount];
    let box = null;
    for (let i = 0; i < count; i += 2) {
      const f = raw[i];
      if (f.length === name.length && lowerCaseName(f) === name) {
        box ||= {};
        this._addHeaderLine(f, raw[i + 1], box);
      }
    }
    return box === null ? undefined : box[name];
  }

  /** Builds a `headers`-style object from the first `count` raw entries with `add`. */
  _buildView(raw, count, add) {
    const dest = {};
    for (let n = 0; n < count; n += 2) add.call(this, raw[n], raw[n + 1], dest);
    return dest;
  }

  setTimeout(msecs, callback) {
    if (callback) this.on('timeout', callback);
    this.socket.setTimeout(msecs);
    return this;
  }

  _read(n) {
    if (!this._consuming) {
      this._readableState.readingMore = false;
      this._consuming = true;
    }
    if (this.socket && this.socket.readable) readStart(this.socket);
  }

  _destroy(err, cb) {
    if (!this.readableEnded || !this.complete) {
      this.aborted = true;
      this.emit('aborted');
    }
    if (this.socket && !this.socket.destroyed && this.aborted) {
      this.socket.destroy(err);
      const cleanup = finished(this.socket, (e) => {
        if (e?.code === 'ERR_STREAM_PREMATURE_CLOSE') e = null;
        cleanup();
        process.nextTick(onError, this, e || err, cb);
      });
    } else {
      process.nextTick(onError, this, err, cb);
    }
  }

  /** Stores header (or, once complete, trailer) lines; views are built lazily. */
  _addHeaderLines(headers, n) {
    if (headers && headers.length) {
      let dest;
      if (this.complete) {
        this.rawTrailers = headers;
        this[kTrailersCount] = n;
        dest = this[kTrailers];
      } else {
        this.rawHeaders = headers;
        this[kHeadersCount] = n;
        dest = this[kHeaders];
      }
      if (dest) {
        for (let i = 0; i < n; i += 2) this._addHeaderLine(headers[i], headers[i + 1], dest);
      }
    }
  }

  /** Adds one field to a `headers`-style object with Node's duplicate rules. */
  _addHeaderLine(field, value, dest) {
    field = lowerCaseName(field);
    if (field === 'set-cookie') {
      if (dest[field] !== undefined) dest[field].push(value);
      else dest[field] = [value];
    } else if (SINGLE_VALUED.has(field) && !this.joinDuplicateHeaders) {
      if (dest[field] === undefined) dest[field] = value;
    } else if (field === 'cookie') {
      if (typeof dest[field] === 'string') dest[field] += '; ' + value;
      else dest[field] = value;
    } else if (typeof dest[field] === 'string') {
      dest[field] += ', ' + value;
    } else {
      dest[field] = value;
    }
  }

  /** Adds one field to a `headersDistinct`-style object. */
  _addHeaderLineDistinct(field, value, dest) {
    field = lowerCaseName(field);
    if (!dest[field]) dest[field] = [value];
    else dest[field].push(value);
  }

  /** Discards the body so the connection can go on. */
  _dump() {
    if (!this._dumped) {
      this._dumped = true;
      this.removeAllListeners('data');
      this.resume();
    }
  }
}

function onError(self, error, cb) {
  if (self.listenerCount('error') === 0) cb();
  else cb(error);
}

module.exports = { IncomingMessage, noteReadStarted, readStart, readStop };
