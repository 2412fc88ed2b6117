// Types of rshttp's public surface: Node 20's `http` module (from
// @types/node), every value and type it declares, since rshttp exports the
// same API.
import type { Duplex } from 'node:stream';
import type { Server } from 'node:http';

export * from 'node:http';

/**
 * The listener a server runs for each 'connection': called with a server as
 * `this` and a stream, it serves HTTP on that stream (Node exports it too).
 */
export declare function _connectionListener(this: Server, socket: Duplex): void;

/**
 * rshttp's own: the I/O driver for servers and clients made from now on in
 * this thread. `n` > 0 runs their sockets, parsing and timers on a pool of
 * I/O threads beside the JS thread (started with `n` threads if not running
 * yet; the first start decides); 0 runs them inline, in the JS thread's own
 * event loop (the default). Returns the number of I/O threads running (0
 * for inline). Also set by `RSHTTP_IO_THREADS=n` in the environment.
 */
export declare function setIoThreads(n: number): number;

declare module 'node:http' {
  interface ServerOptions {
    /**
     * rshttp only: this server's I/O driver (see `setIoThreads`): `n` > 0
     * the I/O threads, 0 inline; the thread's default when absent.
     */
    ioThreads?: number | undefined;
  }
}
