'use strict';
// Writes the cargo-fuzz seed corpora (fuzz/seeds/<target>/) from the
// differential fuzzer's corpus (scripts/fuzz/corpus.js): each seed is a
// flags byte (strict and lenient) and a request, a response, or the body
// of a chunked request.
//   node fuzz/make-seeds.js
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const { requests, smuggling, responses } = require('../scripts/fuzz/corpus');

function write(target, flags, text) {
  const dir = path.join(__dirname, 'seeds', target);
  fs.mkdirSync(dir, { recursive: true });
  const bytes = Buffer.concat([Buffer.from([flags]), Buffer.from(text, 'latin1')]);
  const name = crypto.createHash('sha1').update(bytes).digest('hex').slice(0, 16);
  fs.writeFileSync(path.join(dir, name), bytes);
}

const allRequests = [...requests, ...Object.values(smuggling)];
for (const r of allRequests) {
  for (const flags of [0, 1]) {
    write('request_head', flags, r);
    const head = r.indexOf('\r\n\r\n');
    if (/transfer-encoding:\s*chunked/i.test(r) && head !== -1) write('chunked_body', flags | 6, r.slice(head + 4));
  }
}
for (const r of responses) for (const flags of [0, 1, 4]) write('response_head', flags, r);
