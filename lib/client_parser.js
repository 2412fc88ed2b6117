'use strict';
// The client's response parser as the HTTP layer sees it: the Rust core
// parses, and a `ResponseParser` turns one socket's core events (head, body
// chunks, end of message, parse error) into the IncomingMessage and the
// callbacks Node's `_http_client` hangs on its parser (`onIncoming`, then
// message completion, upgrade or error). Sockets the core does not own
// (an Agent's createConnection returning its own Duplex) are read into a
// virtual core connection, so they parse the same way.

const {
  InjectedInput, binding, connections, EXPECT, FLAG_HAS_BODY, FLAG_KEEP_ALIVE, FLAG_UPGRADE,
} = require('./native');
const { IncomingMessage, readStart, readStop } = require('./incoming_message');
const { ClientSocket } = require('./client_socket');
const { keepHeaderLines } = require('./http_common');

/** Bits of `clientExpect` (from the binding's shared constants). */
const EXPECT_HEAD = EXPECT.HEAD;
const EXPECT_CONNECT = EXPECT.CONNECT;
const EXPECT_LENIENT = EXPECT.LENIENT;

const kVirtual = Symbol('kVirtual');

/** Freed parsers, reused as Node reuses its parser objects. */
const freeList = [];
const MAX_FREE = 1000;

/** Turns one socket's core events into a response for `req`. */
class ResponseParser {
  constructor(socket, req) {
    this.init(socket, req);
  }

  init(socket, req) {
    this.freed = false;
    this.socket = socket;
    this.outgoing = req;
    this.incoming = null;
    this.maxHeaderPairs = 2000;
    this.joinDuplicateHeaders = Boolean(req.joinDuplicateHeaders);
    /** parserOnIncomingClient(res, shouldKeepAlive), called with this parser. */
    this.onIncoming = null;
    /** Called after a final (non-1xx) response's body ended. */
    this.onMessageDone = null;
    /** Called with the response when the connection switches protocols. */
    this.onUpgrade = null;
    /** Called with a parse error. */
    this.onError = null;
  }

  onResponse(status, minor, flags, reason, raw) {
    const res = new IncomingMessage(this.socket);
    this.incoming = res;
    const major = flags >> 4;
    res.httpVersionMajor = major;
    res.httpVersionMinor = minor;
    res.httpVersion = major === 1 && minor === 1 ? '1.1' : `${major}.${minor}`;
    res.joinDuplicateHeaders = this.joinDuplicateHeaders;
    const max = this.maxHeaderPairs;
    keepHeaderLines(raw, max);
    res._addHeaderLines(raw, max > 0 && raw.length > max ? max : raw.length);
    res.statusCode = status;
    res.statusMessage = reason;
    res.upgrade = (flags & FLAG_UPGRADE) !== 0;
    this.onIncoming(res, (flags & FLAG_KEEP_ALIVE) !== 0);
    if (this.incoming !== res) return; // freed meanwhile (a double response)
    if (res.upgrade) {
      this.onUpgrade(res);
    } else if ((flags & FLAG_HAS_BODY) === 0) {
      this.onBodyEnd(null);
    }
  }

  onBody(chunk) {
    const res = this.incoming;
    if (res === null || res._dumped) return;
    if (!res.push(chunk)) readStop(this.socket);
  }

  onBodyEnd(rawTrailers) {
    const res = this.incoming;
    if (res === null) return;
    res.complete = true;
    if (rawTrailers && rawTrailers.length) {
      keepHeaderLines(rawTrailers, this.maxHeaderPairs);
      res._addHeaderLines(rawTrailers, rawTrailers.length);
    }
    res.push(null);
    readStart(this.socket);
    const status = res.statusCode;
    if (status >= 200 || status < 100 || status === 101) this.onMessageDone();
  }

  onParseError(code, reason, bytesParsed, rawPacket) {
    const err = new Error(`Parse Error: ${reason}`);
    err.bytesParsed = bytesParsed;
    err.code = code;
    err.reason = reason;
    err.rawPacket = rawPacket;
    this.onError(err);
  }

  /** Detaches from the socket and request (Node's freeParser). */
  free() {
    if (this.freed) return;
    this.freed = true;
    const socket = this.socket;
    if (socket && socket.parser === this) socket.parser = null;
    if (this.outgoing && this.outgoing.parser === this) this.outgoing.parser = null;
    this.socket = null;
    this.outgoing = null;
    this.incoming = null;
    this.onIncoming = null;
    if (freeList.length < MAX_FREE) freeList.push(this);
  }
}

/** Core events of a virtual connection, routed to the foreign socket's parser. */
class ForeignReader {
  constructor(socket, id) {
    this.socket = socket;
    this.id = id;
    this.input = new InjectedInput(id);
    /** Set while an upgrade waits for its head: `cb(head)`. */
    this.onHead = null;
    /** Bytes the stream emitted while an upgrade waited for its head. */
    this.held = null;
    /** Called (with the socket) once the core has seen the stream's end. */
    this.onStreamEnd = null;
    /** The core has delivered everything up to the stream's end. */
    this.ended = false;
    /** The stream is paused until the core has parsed what it was given. */
    this.waiting = false;
    /** Run after the end, once the events before it were handled. */
    this.afterEnd = [];
  }
  inject(data) {
    this.input.inject(typeof data === 'string' ? Buffer.from(data) : data);
  }
  onInjected(total) {
    if (this.input.acknowledge(total)) {
      // The events of what was injected are delivered: let the stream go on
      // (so its 'end' comes after them, as with a synchronous parser). Not
      // while an upgrade waits for its head: what the stream reads next is
      // the upgraded socket's, and stays in it for its new owner.
      if (this.waiting && this.onHead === null) {
        this.waiting = false;
        if (!this.socket.destroyed) this.socket.resume();
      }
    }
  }
  settle() {
    this.input.settle();
  }
  onResponse(status, minor, flags, reason, raw) {
    const p = this.socket.parser;
    if (p) p.onResponse(status, minor, flags, reason, raw);
  }
  onBody(chunk) {
    const p = this.socket.parser;
    if (p) p.onBody(chunk);
  }
  onBodyEnd(raw) {
    const p = this.socket.parser;
    if (p) p.onBodyEnd(raw);
  }
  onClientError(code, reason, parsed, rawPacket) {
    const p = this.socket.parser;
    if (p) p.onParseError(code, reason, parsed, rawPacket);
  }
  onData(head) {
    const fn = this.onHead;
    const held = this.held;
    this.onHead = null;
    this.held = null;
    close(this.socket);
    // The core's bytes after the response head, then any the stream
    // emitted meanwhile: all of it precedes what the stream still holds.
    if (fn) fn(held === null ? Buffer.from(head) : Buffer.concat([head, ...held]));
  }
  onEnd() {
    // As a socket's 'end' follows the last data in a later tick.
    this.ended = true;
    process.nextTick(() => {
      const socket = this.socket;
      // Released meanwhile (upgraded, or back in the pool): the stream's
      // end is no longer a request's.
      const attached = socket[kVirtual] === this;
      if (attached && this.onStreamEnd && !socket.destroyed) this.onStreamEnd(socket);
      const fns = this.afterEnd;
      this.afterEnd = [];
      for (const fn of fns) fn();
      if (attached && socket.destroyed) close(socket);
    });
  }
  onTimeout() {}
  onDrain() {}
  onClose() {
    this.settle();
  }
}

/**
 * Lets the socket's virtual connection go (the socket closed, switched
 * protocols, or went back to the pool: a later request makes a new one).
 */
function close(socket) {
  const reader = socket[kVirtual];
  if (!reader) return;
  socket[kVirtual] = null;
  socket.removeListener('data', reader.onSocketData);
  socket.removeListener('end', reader.onSocketEnd);
  socket.removeListener('close', reader.onSocketClose);
  socket.removeListener('free', reader.onSocketFree);
  binding.connDestroy(reader.id);
  reader.settle();
}

/** The virtual reader of a socket rshttp does not own, created on first use. */
function foreignReader(socket) {
  let reader = socket[kVirtual];
  if (reader) return reader;
  const id = binding.clientOpenVirtual();
  reader = new ForeignReader(socket, id);
  socket[kVirtual] = reader;
  connections.set(id, reader);
  reader.onSocketData = (d) => {
    if (reader.onHead !== null) {
      // Switching protocols: kept for the head, not parsed as HTTP.
      (reader.held ||= []).push(typeof d === 'string' ? Buffer.from(d) : d);
      return;
    }
    if (!socket.parser) return;
    reader.inject(d);
    if (!reader.waiting) {
      reader.waiting = true;
      socket.pause();
    }
  };
  reader.onSocketEnd = () => binding.connInjectEnd(id);
  socket.on('data', reader.onSocketData);
  socket.on('end', reader.onSocketEnd);
  // What was injected is still being parsed: end the input and let the
  // virtual connection go once the core has delivered it all.
  reader.onSocketClose = () => {
    if (reader.ended) close(socket);
    else binding.connInjectEnd(id);
  };
  socket.once('close', reader.onSocketClose);
  // Back in an Agent's pool, with its response parsed: nothing is left to
  // read for a request, and a socket may leave the pool without a 'close'
  // (a Duplex with emitClose: false), so the connection goes now. The
  // stream flows again if it was waiting for the core.
  reader.onSocketFree = () => {
    if (reader.afterEnd.length !== 0) return;
    close(socket);
    if (reader.waiting) {
      reader.waiting = false;
      if (!socket.destroyed) socket.resume();
    }
  };
  socket.on('free', reader.onSocketFree);
  return reader;
}

/**
 * Attaches a parser for `req`'s response to `socket` and tells the core how
 * to read it (HEAD, CONNECT, lenient, header size limit).
 */
function attachParser(socket, req, lenient) {
  let parser = freeList.pop();
  if (parser) parser.init(socket, req);
  else parser = new ResponseParser(socket, req);
  const bits = (req.method === 'HEAD' ? EXPECT_HEAD : 0) |
    (req.method === 'CONNECT' ? EXPECT_CONNECT : 0) | (lenient ? EXPECT_LENIENT : 0);
  const max = req.maxHeaderSize || 0;
  if (socket instanceof ClientSocket) {
    socket._expectResponse(bits, max);
  } else {
    const reader = foreignReader(socket);
    binding.clientExpect(reader.id, bits, max);
  }
  return parser;
}

/** Whether `socket` is read through a virtual connection. */
function isForeign(socket) {
  return !(socket instanceof ClientSocket);
}

/**
 * For a foreign socket whose input the core has not finished parsing:
 * runs `listener` on the socket once it has (if it is still a 'close'
 * listener then) and returns true. False when nothing is pending.
 */
function deferClose(socket, listener) {
  const reader = socket[kVirtual];
  if (!reader || reader.ended) return false;
  reader.afterEnd.push(() => {
    if (socket.listeners('close').includes(listener)) listener.call(socket);
  });
  return true;
}

/** For a foreign socket: `fn(socket)` runs when the core has seen its end. */
function onForeignEnd(socket, fn) {
  const reader = socket[kVirtual];
  if (reader) reader.onStreamEnd = fn;
}

/**
 * Hands the connection to the caller after an upgrade or CONNECT: `cb(head)`
 * receives the bytes that followed the response head.
 */
function switchToRaw(socket, cb) {
  if (socket instanceof ClientSocket) {
    socket.onData = function onHead(head) {
      delete socket.onData;
      cb(Buffer.from(head));
    };
    socket._switchToRaw();
  } else {
    const reader = socket[kVirtual];
    reader.onHead = cb;
    // The stream stays paused until the head is out (see onInjected).
    if (!reader.waiting) {
      reader.waiting = true;
      socket.pause();
    }
    binding.connUpgrade(reader.id, true);
  }
}

module.exports = { ResponseParser, attachParser, deferClose, isForeign, onForeignEnd, switchToRaw };
