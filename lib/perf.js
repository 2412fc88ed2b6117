'use strict';
// perf_hooks 'http' entries for rshttp's server and client, as Node's http
// module makes them: while a PerformanceObserver observes 'http', each
// server exchange gives an 'HttpRequest' entry (from the response's creation
// to its finish) and each client request an 'HttpClient' entry (from the
// request's finish to its response head), with `detail.req` and
// `detail.res`.
//
// Node makes these entries through perf_hooks internals. Here only the
// public surface is used:
// - which observers want 'http' is learnt by wrapping
//   PerformanceObserver#observe and #disconnect (installed once, when this
//   module loads), so that nothing is measured while none does;
// - an entry reaches them through `performance.mark()`, during which
//   PerformanceMark's `entryType` reads 'http' (an accessor on its
//   prototype for the length of the call): perf_hooks hands an entry to the
//   observers of its entryType, and keeps only 'mark' entries in the
//   timeline, so no 'mark' observer or `getEntries()` sees it. The entry
//   then keeps 'http', its duration and its detail as own properties.

const { performance, PerformanceObserver, PerformanceMark } = require('perf_hooks');

/** Whether some observer observes 'http' (read on the hot paths). */
const state = { observed: false };

/** Observers whose entry types include 'http'. */
const httpObservers = new Set();

/** Where a measured message keeps its entry's name, start and detail. */
const kPerf = Symbol('kPerf');

const proto = PerformanceObserver.prototype;
const originalObserve = proto.observe;
const originalDisconnect = proto.disconnect;

/** Records whether `observer` now observes 'http' after observe(options). */
function track(observer, options) {
  const { entryTypes, type } = options;
  if (Array.isArray(entryTypes)) {
    if (entryTypes.includes('http')) httpObservers.add(observer);
    else httpObservers.delete(observer);
  } else if (type === 'http') {
    httpObservers.add(observer);
  }
  state.observed = httpObservers.size > 0;
}

proto.observe = function observe(options = {}) {
  const result = Reflect.apply(originalObserve, this, [options]);
  if (options !== null && typeof options === 'object') track(this, options);
  return result;
};

proto.disconnect = function disconnect() {
  httpObservers.delete(this);
  state.observed = httpObservers.size > 0;
  return Reflect.apply(originalDisconnect, this, []);
};

function httpEntryType() {
  return 'http';
}

/** Hands an 'http' entry to the observers observing 'http'. */
function enqueue(name, startTime, duration, detail) {
  const markProto = PerformanceMark.prototype;
  Object.defineProperty(markProto, 'entryType', { configurable: true, get: httpEntryType });
  let entry;
  try {
    entry = performance.mark(name, { startTime });
  } finally {
    delete markProto.entryType;
  }
  Object.defineProperties(entry, {
    entryType: { value: 'http', enumerable: true },
    duration: { value: duration, enumerable: true },
    detail: { value: detail, enumerable: true },
    toJSON: {
      value: function toJSON() {
        return { name, entryType: 'http', startTime, duration, detail };
      },
    },
  });
}

/** Starts measuring `target` as entry `name` with `detail` (Node's startPerf). */
function startHttpEntry(target, name, detail) {
  target[kPerf] = { name, startTime: performance.now(), detail };
}

/** Ends what `startHttpEntry` started, adding `detail` (Node's stopPerf). */
function stopHttpEntry(target, detail) {
  const ctx = target[kPerf];
  if (ctx === undefined) return;
  target[kPerf] = undefined;
  if (!state.observed) return;
  enqueue(ctx.name, ctx.startTime, performance.now() - ctx.startTime, { ...ctx.detail, ...detail });
}

module.exports = { httpPerf: state, startHttpEntry, stopHttpEntry };
