'use strict';
// Seeded mutations of HTTP messages for the differential fuzzer: byte
// flips and insertions of the bytes and tokens parsers disagree on, line
// ending swaps, number swaps, header-name case, deletions, duplications,
// truncation and splices with another seed. The same seed gives the same
// cases on every machine.

/** mulberry32: a small seeded PRNG; returns floats in [0, 1). */
function prng(seed) {
  let a = seed >>> 0;
  return function next() {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const BYTES = [0x00, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0x22, 0x2c, 0x2f, 0x3a, 0x3b, 0x3d, 0x3f, 0x40,
  0x5c, 0x7f, 0x80, 0xff, 0x30, 0x39, 0x61, 0x41, 0x2d, 0x2b, 0x78, 0x23, 0x25, 0x7b, 0x01, 0x1f];

const TOKENS = ['\r\n', '\n', '\r', ' ', '\t', '\r\n\r\n', 'chunked', ', chunked', 'identity',
  'Transfer-Encoding: chunked\r\n', 'Content-Length: 5\r\n', 'Content-Length: 0\r\n', ';ext', ';e="q"',
  '0\r\n\r\n', '5\r\nhello\r\n', 'HTTP/1.1', 'HTTP/1.0', 'Connection: close\r\n', 'Connection: keep-alive\r\n',
  'Expect: 100-continue\r\n', 'Upgrade: h2c\r\nConnection: upgrade\r\n', 'Host: b\r\n', ' x', 'GET / HTTP/1.1\r\n',
  '%', '%00', '\\', '"', '#', '?', '*', 'http://h', ':'];

const NUMBERS = ['0', '1', '5', '-1', '+5', '00', ' 5', '5 ', '0x5', '99999999999999999999', 'ffffffffffffffff', '1e3', ''];

/** Mutation operators: each takes (bytes: string latin1, rand, other seed) and returns a string. */
const OPERATORS = {
  flip(s, r) {
    if (!s.length) return s;
    const i = Math.floor(r() * s.length);
    return s.slice(0, i) + String.fromCharCode(pick(BYTES, r)) + s.slice(i + 1);
  },
  insertByte(s, r) {
    const i = Math.floor(r() * (s.length + 1));
    return s.slice(0, i) + String.fromCharCode(pick(BYTES, r)) + s.slice(i);
  },
  insertToken(s, r) {
    const i = Math.floor(r() * (s.length + 1));
    return s.slice(0, i) + pick(TOKENS, r) + s.slice(i);
  },
  remove(s, r) {
    if (!s.length) return s;
    const i = Math.floor(r() * s.length);
    const n = 1 + Math.floor(r() * Math.min(8, s.length - i));
    return s.slice(0, i) + s.slice(i + n);
  },
  duplicate(s, r) {
    if (!s.length) return s;
    const i = Math.floor(r() * s.length);
    const n = 1 + Math.floor(r() * Math.min(24, s.length - i));
    return s.slice(0, i + n) + s.slice(i, i + n) + s.slice(i + n);
  },
  lineEnding(s, r) {
    const at = allIndexes(s, '\r\n');
    if (!at.length) return s;
    const i = pick(at, r);
    return s.slice(0, i) + pick(['\n', '\r', '\r\r\n', '\n\r', ' \r\n', '\t\r\n', '\r\n '], r) + s.slice(i + 2);
  },
  number(s, r) {
    const runs = [...s.matchAll(/[0-9a-fA-F]+/g)].filter((m) => /[0-9]/.test(m[0]));
    if (!runs.length) return s;
    const m = pick(runs, r);
    return s.slice(0, m.index) + pick(NUMBERS, r) + s.slice(m.index + m[0].length);
  },
  headerCase(s, r) {
    const names = [...s.matchAll(/\r\n([A-Za-z-]+):/g)];
    if (!names.length) return s;
    const m = pick(names, r);
    const name = m[1];
    const flipped = [...name].map((c) => (r() < 0.5 ? c.toUpperCase() : c.toLowerCase())).join('');
    return s.slice(0, m.index + 2) + flipped + s.slice(m.index + 2 + name.length);
  },
  truncate(s, r) {
    return s.slice(0, Math.floor(r() * s.length));
  },
  splice(s, r, other) {
    const i = Math.floor(r() * s.length);
    const j = Math.floor(r() * other.length);
    return s.slice(0, i) + other.slice(j);
  },
};

const NAMES = Object.keys(OPERATORS);

function pick(list, r) {
  return list[Math.floor(r() * list.length)];
}

function allIndexes(s, needle) {
  const out = [];
  for (let i = s.indexOf(needle); i !== -1; i = s.indexOf(needle, i + 1)) out.push(i);
  return out;
}

/**
 * The `n`th case of a run with `seed`: a seed message mutated 1-3 times.
 * Returns `{ input, seedIndex, ops }` (input a latin1 string).
 */
function makeCase(seeds, seed, n) {
  const r = prng((seed * 0x9e3779b1 + n * 0x85ebca6b) >>> 0);
  const seedIndex = Math.floor(r() * seeds.length);
  let input = seeds[seedIndex];
  const ops = [];
  const count = 1 + Math.floor(r() * 3);
  for (let k = 0; k < count; k++) {
    const op = pick(NAMES, r);
    ops.push(op);
    input = OPERATORS[op](input, r, pick(seeds, r));
  }
  return { input, seedIndex, ops, rand: r };
}

module.exports = { prng, makeCase, OPERATORS };
