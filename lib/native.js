'use strict';
// The bridge to the Rust core: loads the addon, registers this environment's
// one event sink, decodes each packed batch of events and routes them to the
// connection or server they name. Also counts what holds the event loop open.

const binding = require('../binding.js');

/**
 * The constants the core shares with JS (src/binding/constants.rs): event
 * kinds, method names by index, the flag bits of message events and the
 * bits of `clientExpect`. Taken from the binding, never copied.
 */
const shared = binding.constants();
const EV = shared.events;
const EV_CONNECTION = EV.CONNECTION;
const EV_REQUEST = EV.REQUEST;
const EV_BODY = EV.BODY;
const EV_BODY_END = EV.BODY_END;
const EV_CLIENT_ERROR = EV.CLIENT_ERROR;
const EV_DRAIN = EV.DRAIN;
const EV_CLOSE = EV.CLOSE;
const EV_TIMEOUT = EV.TIMEOUT;
const EV_DATA = EV.DATA;
const EV_END = EV.END;
const EV_SERVER_ERROR = EV.SERVER_ERROR;
const EV_INJECTED = EV.INJECTED;
const EV_CONNECTED = EV.CONNECTED;
const EV_CONNECT_FAILED = EV.CONNECT_FAILED;
const EV_RESPONSE = EV.RESPONSE;
const EV_READ_COPY = EV.READ_COPY;
/** The highest kind this side decodes. */
const EV_LAST = Math.max(...Object.values(EV));
/** Bytes before an event's fields: kind (u8), id (u32), length (u32). */
const EVENT_HEADER = 9;

/** Method names by the index the core sends. */
const METHOD_NAMES = shared.methods;

/** Bits of REQUEST and RESPONSE events' flags byte. */
const FLAG_KEEP_ALIVE = shared.messageFlags.KEEP_ALIVE;
const FLAG_UPGRADE = shared.messageFlags.UPGRADE;
const FLAG_HAS_BODY = shared.messageFlags.HAS_BODY;

/** Open connections by id: objects with the `on*` handlers below. */
const connections = new Map();
/** Listening servers by listener id: objects with `onConnection(id, info)`. */
const listeners = new Map();

let refs = 0;
/** Holds the event loop open while something should. */
function ref() {
  if (refs++ === 0) binding.refSink(true);
}
/** Releases one hold taken by `ref()`. */
function unref() {
  if (--refs === 0) binding.refSink(false);
}

function u32(b, i) {
  return b[i] + b[i + 1] * 0x100 + b[i + 2] * 0x10000 + b[i + 3] * 0x1000000;
}

let pendingErrors = null;
function report(err) {
  (pendingErrors ||= []).push(err);
}

/** The batch being delivered (null between batches), its length and the read position in it. */
let b = null;
let batchEnd = 0;
let pos = 0;

function readU8() {
  return b[pos++];
}
function readU16() {
  pos += 2;
  return b[pos - 2] + b[pos - 1] * 256;
}
function readU32() {
  pos += 4;
  return u32(b, pos - 4);
}
/**
 * A length-prefixed field: a view into a batch of its own, a copy out of the
 * shared batch buffer (which the next batch reuses).
 */
function readBytes() {
  const len = readU32();
  pos += len;
  if (b !== batchBuffer) return b.subarray(pos - len, pos);
  if (len > SLAB_CHUNK_MAX) {
    const out = Buffer.allocUnsafe(len);
    b.copy(out, 0, pos - len, pos);
    return out;
  }
  // A view into the current slab, as node:http's chunks are views into the
  // socket's read buffer: no allocation of its own (a 4 KiB
  // Buffer.allocUnsafe is not pooled) and one copy.
  if (slab === null || slabUsed + len > SLAB_SIZE) {
    slab = Buffer.allocUnsafeSlow(SLAB_SIZE);
    slabUsed = 0;
  }
  const out = slab.subarray(slabUsed, slabUsed + len);
  slabUsed = (slabUsed + len + 7) & ~7;
  out.set(new Uint8Array(b.buffer, b.byteOffset + pos - len, len));
  return out;
}

/** Where readBytes copies chunks of up to SLAB_CHUNK_MAX bytes out of the shared batch buffer. */
const SLAB_SIZE = 64 * 1024;
const SLAB_CHUNK_MAX = 16 * 1024;
let slab = null;
let slabUsed = 0;
/** A length-prefixed field as a latin1 string. */
function readLatin1() {
  const len = readU32();
  pos += len;
  return b.latin1Slice(pos - len, pos);
}
/**
 * The strings the core interned (src/strings.rs): slot -> string, filled
 * and read in event order as the core wrote them.
 */
const strings = new Array(1024).fill('');

/** An interned latin1 string: plain, to keep in a slot, or a slot's. */
function readText() {
  const how = b[pos++];
  if (how === 2) return strings[readU16()];
  if (how === 1) {
    const slot = readU16();
    return (strings[slot] = readLatin1());
  }
  return readLatin1();
}

/** A count and that many (name, value) pairs, as a flat [name, value, ...] list. */
function readFields() {
  const n = readU32() * 2;
  const list = new Array(n);
  for (let k = 0; k < n; k++) list[k] = readText();
  return list;
}

/**
 * While a batch is being handled, sockets defer their writes, which then
 * leave together, one syscall per connection, at the end of the batch (with
 * what the ticks its events queued wrote: the dispatch loop runs them);
 * responses finished outside a batch are reported from a microtask.
 * `dirty`: writes wait for a flush; `scheduled`: the microtask is queued.
 */
const batchState = {
  active: false, dirty: false, scheduled: false, runningTicks: false, dispatching: false,
};

/** Called by a socket deferring a write. */
function deferWrite() {
  batchState.dirty = true;
  wantFlush();
}

/**
 * A write or a finished response waits for a flush: while the batch's
 * events are being dispatched (their ticks included, which the dispatch
 * loop runs itself), the loop flushes at its end; otherwise the microtask
 * does.
 */
function wantFlush() {
  if (!batchState.dispatching) scheduleFlush();
}

/** Queues the flush microtask unless it is queued already. */
function scheduleFlush() {
  if (!batchState.scheduled) {
    batchState.scheduled = true;
    queueMicrotask(flushBatch);
  }
}

/** Connections that finished a response since the last report (ids). */
const doneIds = new Uint32Array(256);
let doneCount = 0;

/**
 * Notes that connection `id` finished a response; the core hears of it
 * with the others of the batch, from the flush microtask.
 */
function responseDone(id) {
  doneIds[doneCount++] = id;
  if (doneCount === doneIds.length) reportDone();
  else wantFlush();
}

function reportDone() {
  binding.connResponsesDone(doneIds, doneCount);
  doneCount = 0;
}

function flushBatch() {
  batchState.scheduled = false;
  // Ticks run between two connections' events: the batch's end flushes.
  if (batchState.runningTicks) return;
  batchState.active = false;
  if (batchState.dirty) {
    batchState.dirty = false;
    binding.flushWrites();
  }
  if (doneCount !== 0) reportDone();
}

/** `dispatch`'s last connection id after a read's end: no connection's. */
const READ_DONE = -1;

/**
 * Decodes and delivers the batch's events in order. Node handles each
 * socket's read in a callback of its own, whose end runs the nextTick queue
 * and microtasks; so between two connections' events, what the first one's
 * handlers queued runs (`runTicks`) before the next connection's are seen.
 */
function dispatch() {
  batchState.active = true;
  batchState.dispatching = true;
  const end = batchEnd;
  let lastId = 0;
  while (pos < end) {
    const start = pos;
    const kind = readU8();
    const id = readU32();
    // Each event says its length: the next one starts there whatever this
    // one's handler did (threw half-way).
    const next = readU32() + pos;
    if (kind === 0 || kind > EV_LAST || next > end) {
      // Not an event this side knows, or one longer than the batch: what
      // follows cannot be trusted to be aligned, so the rest is dropped.
      badBatch(kind, start, end);
      pos = end;
      break;
    }
    if (id !== lastId) {
      if (lastId !== 0) runTicks();
      lastId = id;
    }
    const conn = connections.get(id);
    try {
      switch (kind) {
        case EV_REQUEST: {
          const method = METHOD_NAMES[readU8()];
          const minor = readU8();
          const flags = readU8();
          const url = readText();
          const raw = readFields();
          if (conn) conn.onRequest(method, url, minor, flags, raw);
          break;
        }
        case EV_RESPONSE: {
          const status = readU16();
          const minor = readU8();
          const flags = readU8();
          const reason = readText();
          const raw = readFields();
          if (conn) conn.onResponse(status, minor, flags, reason, raw);
          break;
        }
        case EV_CONNECTED: {
          const remoteAddress = readLatin1();
          const remotePort = readU16();
          const family = readU8();
          const localAddress = readLatin1();
          const localPort = readU16();
          if (conn) conn.onConnected({ remoteAddress, remotePort, family, localAddress, localPort });
          else binding.connDestroy(id);
          break;
        }
        case EV_CONNECT_FAILED: {
          const code = readLatin1();
          const errno = readU32();
          const address = readLatin1();
          const port = readU16();
          if (conn) {
            connections.delete(id);
            conn.onConnectFailed(code, errno, address, port);
          }
          break;
        }
        case EV_BODY: {
          const chunk = readBytes();
          if (conn) conn.onBody(chunk);
          break;
        }
        case EV_BODY_END: {
          const raw = readFields();
          if (conn) conn.onBodyEnd(raw);
          break;
        }
        case EV_CONNECTION: {
          const server = readU32();
          const remoteAddress = readLatin1();
          const remotePort = readU16();
          const family = readU8();
          const localAddress = readLatin1();
          const localPort = readU16();
          const l = listeners.get(server);
          if (l) {
            l.onConnection(id, { remoteAddress, remotePort, family, localAddress, localPort });
          } else {
            binding.connDestroy(id);
          }
          break;
        }
        case EV_CLIENT_ERROR: {
          const code = readLatin1();
          const reason = readLatin1();
          const parsed = readU32();
          const rawPacket = readBytes();
          if (conn) conn.onClientError(code, reason, parsed, rawPacket);
          break;
        }
        case EV_DATA: {
          const chunk = readBytes();
          if (conn) conn.onData(chunk);
          break;
        }
        case EV_READ_COPY: {
          const chunk = readBytes();
          if (conn && conn.onReadCopy) conn.onReadCopy(chunk);
          // The copy closes its read, as the socket's own 'data' listeners
          // run last in Node's read callback: the ticks they queued run
          // before the connection's next events (a later read's, which
          // the I/O threads may have put in the same batch).
          lastId = READ_DONE;
          break;
        }
        case EV_DRAIN:
          if (conn) conn.onDrain();
          break;
        case EV_TIMEOUT:
          if (conn) conn.onTimeout();
          break;
        case EV_END: {
          // 1: the end completed the request being read (see Reader::at_eof).
          const finished = readU8() === 1;
          if (conn) conn.onEnd(finished);
          break;
        }
        case EV_CLOSE: {
          const code = readLatin1();
          const bytesRead = readU32() + readU32() * 0x100000000;
          if (conn) {
            connections.delete(id);
            conn.onClose(code, bytesRead);
          }
          break;
        }
        case EV_INJECTED: {
          const total = readU32();
          if (conn && conn.onInjected) conn.onInjected(total);
          break;
        }
        case EV_SERVER_ERROR: {
          const code = readLatin1();
          const l = listeners.get(id);
          if (l) l.onAcceptError(code);
          break;
        }
      }
    } catch (err) {
      report(err);
    }
    pos = next;
  }
  // The last connection's ticks run here too, as between two connections,
  // rather than once this callback returns: what they write (a response
  // sent from a request's 'end') then leaves with the batch's other writes
  // (with I/O threads, in the one hand-over) instead of being written at
  // once on its own from the JS thread.
  if (lastId !== 0) runTicks();
  b = null;
  batchState.dispatching = false;
  // What the events and their ticks wrote, and the responses they finished,
  // leave now.
  if (batchState.dirty) {
    batchState.dirty = false;
    binding.flushWrites();
  }
  if (doneCount !== 0) reportDone();
  if (!batchState.scheduled) batchState.active = false;
  if (pendingErrors !== null) {
    const errs = pendingErrors;
    pendingErrors = null;
    for (const err of errs) process.nextTick(rethrow, err);
  }
}

/**
 * Reports a batch that stopped decoding at `at` (an unknown kind, or a
 * length past the batch's `end`): a bug in rshttp, never the peer's doing.
 * A warning, not an exception: the program's own work goes on.
 */
function badBatch(kind, at, end) {
  process.emitWarning(`rshttp: event batch not decodable at byte ${at} of ${end} (kind ${kind}); ` +
    'the rest of the batch is dropped. This is a bug in rshttp; please report it.',
  { code: 'ERR_RSHTTP_BAD_BATCH' });
}

/**
 * Runs the nextTick queue and microtasks now, between two connections'
 * events of one batch: Node handles each socket's read in a callback of its
 * own, whose end runs them. A tick that throws is raised at once as Node's
 * would be ('uncaughtException', which also resets the async context stack
 * the throw left behind), and the batch goes on.
 */
function runTicks() {
  batchState.runningTicks = true;
  try {
    process._tickCallback();
  } catch (err) {
    binding.raiseUncaught(err);
  } finally {
    batchState.runningTicks = false;
    tickDrains.count++;
  }
}

/**
 * How many times `runTicks` has drained the tick queue: what a connection's
 * events did can be told apart from what ticks queued before the drain that
 * follows them did (lib/incoming_message.js, pushEnd).
 */
const tickDrains = { count: 0 };

/**
 * Queues `fn` as a microtask that stands for one of Node's ticks: it runs
 * with the connection's other ticks (`runTicks`).
 */
function afterEvents(fn) {
  queueMicrotask(fn);
}

function rethrow(err) {
  throw err;
}

/**
 * What JS hands a virtual connection to parse: the core parses it
 * asynchronously, so this holds the event loop open until the core has
 * acknowledged (INJECTED) every byte, as a synchronous parser would have.
 */
class InjectedInput {
  constructor(id) {
    this.id = id;
    /** Bytes injected, and bytes the core has parsed (both mod 2^32). */
    this.injected = 0;
    this.parsed = 0;
    this.holding = false;
  }

  /** Hands `data` to the core. */
  inject(data) {
    this.injected = (this.injected + data.length) >>> 0;
    if (!this.holding) {
      this.holding = true;
      ref();
    }
    binding.connInject(this.id, data);
  }

  /** Whether the core has parsed every byte injected so far. */
  get allParsed() {
    return this.parsed === this.injected;
  }

  /** Records the core's acknowledgement; true once everything is parsed. */
  acknowledge(total) {
    this.parsed = total;
    if (!this.allParsed) return false;
    this.settle();
    return true;
  }

  /** Stops holding the event loop. */
  settle() {
    if (this.holding) {
      this.holding = false;
      unref();
    }
  }
}

/** Where the core copies each batch that fits (one per environment). */
const batchBuffer = Buffer.alloc(256 * 1024);
binding.setBatchBuffer(batchBuffer);

/**
 * Called by the driver after a turn of the core that queued events (and by
 * the I/O threads' wake-up): takes the pending batch and delivers it.
 */
function deliver() {
  const len = binding.takeBatch();
  if (len === 0) return;
  b = len <= batchBuffer.length ? batchBuffer : binding.takeLargeBatch();
  batchEnd = len;
  pos = 0;
  dispatch();
}

binding.initSink(deliver, binding.raiseUncaught);

module.exports = {
  afterEvents,
  // For tests: delivers a batch as if the core had (all of it).
  _dispatch(batch, len) {
    b = batch;
    batchEnd = len;
    pos = 0;
    dispatch();
  },
  EXPECT: shared.expect,
  FLAG_HAS_BODY,
  FLAG_KEEP_ALIVE,
  FLAG_UPGRADE,
  batchState,
  binding,
  deferWrite,
  responseDone,
  runTicks,
  tickDrains,
  InjectedInput,
  connections,
  listeners,
  ref,
  unref,
};
