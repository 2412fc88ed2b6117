// node:http client code written against rshttp from CommonJS TypeScript.
import http = require('rshttp');

const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
const options: http.RequestOptions = { host: '127.0.0.1', port: 8080, path: '/', agent };
const req: http.ClientRequest = http.request(options, (res: http.IncomingMessage) => {
  const code: number | undefined = res.statusCode;
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => console.log(code, chunk.length));
});
req.setHeader('Accept', 'text/plain');
req.end();
http.get('http://127.0.0.1:8080/', (res) => res.resume());
const size: number = http.maxHeaderSize;
const methods: string[] = http.METHODS;
http.globalAgent.destroy();
http.validateHeaderName('x-ok');
console.log(size, methods.length);

// @ts-expect-error: statusCode is a number, not a string
const wrong: string = new http.ServerResponse(new http.IncomingMessage(null as never)).statusCode;
