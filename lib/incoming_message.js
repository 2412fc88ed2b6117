'use strict';
// `IncomingMessage`: a request as a Readable stream. Headers are kept as the
// raw [name, value, ...] list the core delivered; `headers`, `headersDistinct`
// and the trailer views are built from it only when first read.

const { Readable, finished, getDefaultHighWaterMark } = require('stream');
const { lowerCaseName } = require('./http_common');
const { tickDrains } = require('./native');

const kHeaders = Symbol('kHeaders');
const kHeadersDistinct = Symbol('kHeadersDistinct');
const kHeadersCount = Symbol('kHeadersCount');
const kTrailers = Symbol('kTrailers');
const kTrailersDistinct = Symbol('kTrailersDistinct');
const kTrailersCount = Symbol('kTrailersCount');
/** The tick drain before which `pushEnd` said 'readable' early (-1: it did not). */
const kReadableSaidIn = Symbol('kReadableSaidIn');
/** Readable's 'end' tick (endReadableNT) is queued and has not run yet. */
const kEndQueued = Symbol('kEndQueued');

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

/**
 * Readable options for a message on a socket with this high-water mark
 * (reused); none for the default one, which Readable then takes without
 * looking up each of its options on an object (lookups that every kind of
 * stream in the process shares, so V8 cannot specialise them).
 */
function readableOptions(highWaterMark) {
  if (highWaterMark === getDefaultHighWaterMark(false)) return undefined;
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
    this[kReadableSaidIn] = -1;
    this[kEndQueued] = false;
  }

  /**
   * Readable's `read`, less its repeats of the 'end' tick. On an ended,
   * empty message every read() queues Readable's endReadableNT, and once
   * one is queued the later ones can only find 'end' said (or the stream
   * errored or closed) and do nothing: a response read to its end queues
   * four. So while one is pending, `read()` and `read(0)` do only the rest
   * of what they would there (read() clears emittedReadable) and return
   * null. `unshift`, which can make the pending tick find data and pass,
   * lets the next read queue another, as Readable would.
   */
  read(n) {
    const rs = this._readableState;
    if (rs.length === 0 && rs.ended && !rs.endEmitted) {
      if (this[kEndQueued] && (n === undefined || n === 0)) {
        if (n === undefined) rs.emittedReadable = false;
        return null;
      }
      // Every path of read() from here queues the tick first.
      this[kEndQueued] = true;
      return super.read(n);
    }
    const ret = super.read(n);
    // read() that took the last chunk of an ended message queued the tick
    // too (its "read past the end" check: NaN, read()'s own n, is never
    // the count it took).
    if (n === undefined && rs.length === 0 && rs.ended && !rs.endEmitted) this[kEndQueued] = true;
    return ret;
  }

  /** Readable's `unshift`; data put back un-queues the 'end' tick (see `read`). */
  unshift(chunk, encoding) {
    this[kEndQueued] = false;
    return super.unshift(chunk, encoding);
  }

  /**
   * Readable's `on`; and a 'readable' listener added by a tick queued
   * before the end was pushed early (`pushEnd`) hears the 'readable' it
   * would have heard had the end's 'readable' waited for its own tick.
   */
  on(ev, fn) {
    const out = super.on(ev, fn);
    if (ev === 'readable') sayReadableLate(this);
    return out;
  }

  /** EventEmitter's `prependListener`, with the same late 'readable' as `on`. */
  prependListener(ev, fn) {
    const out = super.prependListener(ev, fn);
    if (ev === 'readable') sayReadableLate(this);
    return out;
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

/**
 * `push(null)` for a message nobody reads or listens to: the 'readable'
 * Readable says for an end (heard by no listener) is said now rather than
 * on a tick of its own, as Readable does for an end pushed outside a read.
 * Only where the next ticks to run are `runTicks`' (a connection's events
 * in a batch): a 'readable' listener that a tick queued before then adds
 * hears it again (`on`).
 */
function pushEnd(req) {
  const rs = req._readableState;
  if (req._eventsCount === 0 && rs.flowing === null && rs.sync) {
    rs.sync = false;
    req[kReadableSaidIn] = tickDrains.count;
  }
  req.push(null);
}

/**
 * For a 'readable' listener just added: if pushEnd said the end's
 * 'readable' early, before the tick drain now running, it is said again on
 * a tick for this listener.
 */
function sayReadableLate(req) {
  if (req[kReadableSaidIn] !== tickDrains.count) return;
  req[kReadableSaidIn] = -1;
  process.nextTick(emitReadableLate, req);
}

/** Readable's emitReadable_ step: 'readable', then flowing data if any. */
function emitReadableLate(req) {
  const rs = req._readableState;
  if (!rs.destroyed && !rs.errored && (rs.length || rs.ended)) {
    req.emit('readable');
    rs.emittedReadable = false;
  }
  rs.needReadable = !rs.flowing && !rs.ended && rs.length <= rs.highWaterMark;
  while (rs.flowing && req.read() !== null);
}

/**
 * Whether `req` can be dumped by `dumpEnded`: ended with nothing buffered,
 * and neither read nor listened to for its data.
 */
function isEndedUnread(req) {
  const rs = req._readableState;
  return !req._dumped && rs.ended && rs.length === 0 && rs.flowing === null && !rs.readableListening &&
    !rs.resumeScheduled && !rs.endEmitted && !rs.destroyed && req.listenerCount('data') === 0;
}

/**
 * `req._dump()` for a message `isEndedUnread` accepts: Readable's resume(),
 * then its resume_, endReadableNT, destroy and 'close' ticks as they run on
 * an ended, empty stream, with the same state changes on the same ticks,
 * without `read()`'s general machinery, and the auto-destroy's ticks
 * without the destroy() call whose `_destroy` only passes on a tick. Each
 * step that finds a listener on `req`, or `req` changed (paused, read,
 * destroyed), hands over to Readable from there, so a listener added by
 * then hears what it would hear on node:http. This is resume()'s part; the
 * caller runs `resumeEnded` on the next tick (the server: in one tick with
 * the response's 'close', queued right after it in Node).
 */
function dumpEnded(req) {
  const rs = req._readableState;
  req._dumped = true;
  rs.flowing = true;
  rs.resumeScheduled = true;
}

/** Readable's resume_ tick for `dumpEnded`: read(0) finds the end, said on the next tick. */
function resumeEnded(req) {
  const rs = req._readableState;
  if (req._eventsCount !== 0 || rs.flowing !== true || rs.length !== 0 || rs.destroyed || rs.endEmitted) {
    if (!rs.reading) req.read(0);
    rs.resumeScheduled = false;
    req.emit('resume');
    while (rs.flowing && req.read() !== null);
    if (rs.flowing && !rs.reading) req.read(0);
    return;
  }
  rs.resumeScheduled = false;
  process.nextTick(endEnded, req);
}

/** Readable's endReadableNT for `dumpEnded`: 'end', then the auto-destroy. */
function endEnded(req) {
  const rs = req._readableState;
  if (rs.errored || rs.closeEmitted || rs.endEmitted || rs.length !== 0) return;
  rs.endEmitted = true;
  if (req._eventsCount !== 0) {
    req.emit('end');
    if (rs.autoDestroy) req.destroy();
  } else if (rs.autoDestroy) {
    rs.destroyed = true;
    process.nextTick(closeEnded, req);
  }
}

/** destroy()'s callback tick for `endEnded`: closed; 'close' on the tick after. */
function closeEnded(req) {
  req._readableState.closed = true;
  process.nextTick(emitClose, req);
}

/** destroy()'s last tick: 'close'. */
function emitClose(req) {
  const rs = req._readableState;
  rs.closeEmitted = true;
  if (rs.emitClose) req.emit('close');
}

IncomingMessage.prototype.addListener = IncomingMessage.prototype.on;

function onError(self, error, cb) {
  if (self.listenerCount('error') === 0) cb();
  else cb(error);
}

module.exports = {
  IncomingMessage, dumpEnded, isEndedUnread, noteReadStarted, pushEnd, readStart, readStop, resumeEnded,
};
