// rshttp as an ES module: `import http from 'rshttp'` is the very object
// `require('rshttp')` returns, and every name node:http exports is a named
// export (taken from that object when this module loads, as Node's own
// builtin exports are).
import http from './index.js';

export default http;
export const {
  _connectionListener,
  METHODS,
  STATUS_CODES,
  Agent,
  ClientRequest,
  IncomingMessage,
  OutgoingMessage,
  Server,
  ServerResponse,
  createServer,
  validateHeaderName,
  validateHeaderValue,
  get,
  request,
  setMaxIdleHTTPParsers,
  maxHeaderSize,
  globalAgent,
  // rshttp's own (lib/io_mode.js).
  setIoThreads,
} = http;
