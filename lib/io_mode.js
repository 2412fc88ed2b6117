'use strict';
// Which I/O driver runs rshttp's sockets (src/binding/io_mode.rs):
//
// - inline (the default): sockets in the JS thread's own event loop, one
//   wake-up per request; the lowest latency on one core.
// - the I/O threads: sockets, parsing, body framing, timers and queued
//   writes on a pool of N threads beside the JS thread, which only runs
//   handlers; one process uses more than one core.
//
// Chosen with RSHTTP_IO_THREADS=N in the environment (read once, here),
// `rshttp.setIoThreads(n)` (servers and clients made afterwards), or per
// server with `createServer({ ioThreads: n })`. 0 means inline. The pool
// is started once per process, with the thread count first asked for.

const { binding } = require('./native');
const { validateInteger } = require('./validators');

/** Most I/O threads one may ask for. */
const MAX_IO_THREADS = 1024;

/**
 * `rshttp.setIoThreads(n)`: the driver for servers and clients made from
 * now on in this thread (n > 0: the I/O threads, started with n threads if
 * not running yet; 0: inline). Returns the number of I/O threads running
 * (0 for inline).
 */
function setIoThreads(n) {
  validateInteger(n, 'n', 0, MAX_IO_THREADS);
  return binding.setIoThreads(n);
}

/**
 * Validates a server's `ioThreads` option and starts the I/O threads it
 * asks for; returns the value for the core's listen options.
 */
function serverIoThreads(value) {
  if (value === undefined) return undefined;
  validateInteger(value, 'options.ioThreads', 0, MAX_IO_THREADS);
  if (value > 0) binding.ioThreadsStart(value);
  return value;
}

const fromEnv = process.env.RSHTTP_IO_THREADS;
if (fromEnv !== undefined && fromEnv !== '') {
  const n = Number(fromEnv);
  if (Number.isInteger(n) && n >= 0 && n <= MAX_IO_THREADS) {
    binding.setIoThreads(n);
  } else {
    process.emitWarning(`RSHTTP_IO_THREADS=${fromEnv} is not a thread count (0 to ${MAX_IO_THREADS}); ` +
      'rshttp runs inline', { code: 'RSHTTP_IO_THREADS' });
  }
}

module.exports = { setIoThreads, serverIoThreads, MAX_IO_THREADS };
