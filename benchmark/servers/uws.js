'use strict';
// The uWebSockets.js reference server (a peer column in the hello, latency,
// post-echo and pipelined scenarios), written with uWS's own API, not
// node:http's. It answers as hello.js and echo.js do:
//
//   node uws.js hello   any request -> 200 "Hello, World!", Content-Type text/plain
//   node uws.js echo    the request body read in full and sent back,
//                       Content-Type application/json
//
// uWS is taken from benchmark/peers (an optional dependency there; see
// ../README.md). It is loaded from its native binary only: a build that can
// only offer its JavaScript fallback (UWS_USE_FALLBACK, or no binary for this
// Node ABI) exits with "SKIP <reason>" so the harness reports the column as
// skipped rather than measuring something else.
//
// Response bytes, compared with node:http's for the same program: the same
// status line, body, Content-Type and Content-Length, and the same
// Connection: keep-alive and Keep-Alive: timeout=5 (written here by hand),
// but in uWS's order (the headers we write, then Date, then uWS's own
// "uWebSockets: 20" mark, then Content-Length), and with that mark as one
// header more (17 bytes a response), which uWS.js's published builds always
// write.
// BENCH_PORT as for the other servers; prints "READY <port>".
const path = require('path');

const mode = process.argv[2] || process.env.BENCH_UWS_MODE || 'hello';
const port = Number(process.env.BENCH_PORT || 0);

function skip(why) {
  process.stdout.write(`SKIP ${why}\n`);
  process.exit(4);
}

let uWS;
try {
  const peers = path.join(__dirname, '..', 'peers');
  // The package prints a warning and returns its fallback when its binary
  // does not load; refuse the fallback outright.
  process.env.UWS_USE_FALLBACK = '';
  const warn = console.warn;
  console.warn = () => {};
  try {
    uWS = require(require.resolve('@trufflesuite/uws-js-unofficial', { paths: [peers] }));
  } finally {
    console.warn = warn;
  }
} catch (e) {
  skip(`uWebSockets.js not installed (${e.code || e.message})`);
}
// Its binary is binaries/uws_<platform>_<arch>_<abi>.node (other .node files,
// such as the prebuilt bufferutil its fallback's ws loads, do not count).
if (!Object.keys(require.cache).some((f) => /[\\/]uws_[^\\/]*\.node$/.test(f))) {
  skip(`uWebSockets.js has no native binary for ${process.platform}-${process.arch} ABI ${process.versions.modules} (only its JavaScript fallback)`);
}

const HELLO = Buffer.from('Hello, World!');

// The headers node:http adds on its own to a keep-alive answer.
function keepAlive(res) {
  return res.writeHeader('Connection', 'keep-alive').writeHeader('Keep-Alive', 'timeout=5');
}

const app = uWS.App();

if (mode === 'hello') {
  app.any('/*', (res) => {
    res.cork(() => {
      keepAlive(res.writeStatus('200 OK').writeHeader('Content-Type', 'text/plain')).end(HELLO);
    });
  });
} else if (mode === 'echo') {
  app.any('/*', (res) => {
    let aborted = false;
    const chunks = [];
    res.onAborted(() => { aborted = true; });
    res.onData((ab, isLast) => {
      // uWS reuses the ArrayBuffer after the callback: copy it.
      chunks.push(Buffer.from(new Uint8Array(ab)));
      if (!isLast || aborted) return;
      const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
      res.cork(() => {
        keepAlive(res.writeStatus('200 OK').writeHeader('Content-Type', 'application/json')).end(body);
      });
    });
  });
} else {
  process.stderr.write(`uws.js: unknown mode ${mode} (hello or echo)\n`);
  process.exit(2);
}

app.listen('127.0.0.1', port, (token) => {
  if (!token) {
    process.stderr.write(`uws.js: cannot listen on 127.0.0.1:${port}\n`);
    process.exit(3);
  }
  process.stdout.write(`READY ${uWS.us_socket_local_port(token) || port}\n`);
});
process.on('SIGTERM', () => process.exit(0));
