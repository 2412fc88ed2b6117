'use strict';
// perf_hooks 'http' entries, checked on node:http and rshttp alike: while a
// PerformanceObserver observes 'http', a server exchange gives an
// 'HttpRequest' entry and a client request an 'HttpClient' entry, with the
// request and response in `detail`; observers of 'mark' and the timeline do
// not see them, and nothing is recorded once the observer disconnects.

const { test } = require('node:test');
const assert = require('node:assert');
const { once } = require('node:events');
const { PerformanceObserver, performance } = require('node:perf_hooks');
const nodeHttp = require('node:http');
const rshttp = require('..');

const T = { timeout: 20_000 };
const IMPLS = [['node:http', nodeHttp], ['rshttp', rshttp]];

/** One POST from `http`'s client to `http`'s server. */
async function exchange(http) {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.setHeader('x-answer', '42');
      res.writeHead(201);
      res.end('made');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = server.address().port;
  const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/things', agent: false });
  req.setHeader('x-ask', 'q');
  req.end('body');
  const [res] = await once(req, 'response');
  res.resume();
  await once(res, 'end');
  await new Promise((resolve) => server.close(resolve));
}

/** What is compared of an entry. */
function shape(entry) {
  const { req, res } = entry.detail;
  return {
    name: entry.name,
    entryType: entry.entryType,
    times: [typeof entry.startTime, entry.duration >= 0],
    req: {
      method: req.method,
      url: req.url,
      ask: req.headers['x-ask'],
    },
    res: { statusCode: res.statusCode, statusMessage: res.statusMessage, answer: res.headers['x-answer'] },
  };
}

for (const [name, http] of IMPLS) {
  test(`${name}: an 'http' observer gets an HttpRequest and an HttpClient entry per exchange`, T, async () => {
    const entries = [];
    const marks = [];
    const obs = new PerformanceObserver((list) => entries.push(...list.getEntries()));
    const markObs = new PerformanceObserver((list) => marks.push(...list.getEntries()));
    obs.observe({ type: 'http' });
    markObs.observe({ entryTypes: ['mark'] });
    const marksBefore = performance.getEntriesByType('mark').length;
    try {
      await exchange(http);
      // Observers are called from a setImmediate after the entry.
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      obs.disconnect();
      markObs.disconnect();
    }
    const got = entries.map(shape).sort((a, b) => a.name.localeCompare(b.name));
    assert.deepStrictEqual(got, [
      {
        name: 'HttpClient',
        entryType: 'http',
        times: ['number', true],
        // (Node's client entry names the host without the port.)
        req: { method: 'POST', url: 'http://127.0.0.1/things', ask: 'q' },
        res: { statusCode: 201, statusMessage: 'Created', answer: '42' },
      },
      {
        name: 'HttpRequest',
        entryType: 'http',
        times: ['number', true],
        req: { method: 'POST', url: '/things', ask: 'q' },
        res: { statusCode: 201, statusMessage: 'Created', answer: '42' },
      },
    ]);
    assert.deepStrictEqual(marks, []);
    assert.strictEqual(performance.getEntriesByType('mark').length, marksBefore);
  });

  test(`${name}: no 'http' entries once the observer disconnected`, T, async () => {
    const entries = [];
    const obs = new PerformanceObserver((list) => entries.push(...list.getEntries()));
    obs.observe({ entryTypes: ['http'] });
    obs.disconnect();
    await exchange(http);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepStrictEqual(entries, []);
  });
}
