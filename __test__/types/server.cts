// A node:http server written against rshttp from CommonJS TypeScript.
import http = require('rshttp');
import { createServer, IncomingMessage, ServerResponse, STATUS_CODES } from 'rshttp';

const server: http.Server = createServer({ keepAliveTimeout: 5000 }, (req: IncomingMessage, res: ServerResponse) => {
  const headers: http.IncomingHttpHeaders = req.headers;
  res.setHeader('Content-Type', 'text/plain');
  res.writeHead(200, STATUS_CODES[200], { 'X-Length': String(headers['content-length'] ?? 0) });
  res.end(`${req.method} ${req.url}\n`);
});
server.headersTimeout = 10_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address && typeof address === 'object') console.log(address.port);
  server.close();
});
http._connectionListener.call(server, new (require('node:stream').PassThrough)());

// @ts-expect-error: a port is not a request listener (fails if the types are `any`)
createServer(8080);

// rshttp's own: the I/O driver, for every server and per server.
const ioThreads: number = http.setIoThreads(0);
createServer({ ioThreads: 2 }, (_req, res) => res.end()).close();
// @ts-expect-error: a thread count is a number
http.setIoThreads('2');
