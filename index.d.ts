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
