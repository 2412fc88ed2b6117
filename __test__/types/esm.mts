// The ES module surface: named imports and the default import.
import http, {
  createServer, request, get, Agent, globalAgent, maxHeaderSize, METHODS, STATUS_CODES,
  _connectionListener, setIoThreads,
} from 'rshttp';
import type { IncomingMessage, OutgoingHttpHeaders, Server } from 'rshttp';

const server: Server = createServer((req: IncomingMessage, res) => {
  const headers: OutgoingHttpHeaders = { 'content-type': 'text/plain' };
  res.writeHead(200, headers).end(STATUS_CODES[200]);
});
server.listen(0);
const same: typeof createServer = http.createServer;
const agent: Agent = globalAgent;
request({ agent, method: METHODS[0] }).end();
get('http://127.0.0.1/', (res) => res.resume());
const n: number = maxHeaderSize;
console.log(same === createServer, n, typeof _connectionListener);

// @ts-expect-error: request() takes options or a URL, not a number
request(42);

const threads: number = setIoThreads(0);
