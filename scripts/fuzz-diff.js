#!/usr/bin/env node
'use strict';
// npm run fuzz:diff: differential fuzzing of rshttp against node:http.
//
//   node scripts/fuzz-diff.js [--seed S] [--cases N] [--client-cases M]
//                             [--jobs J] [--examples K] [--no-minimise]
//
// 1. The request-smuggling classics (scripts/fuzz/corpus.js), each against
//    every parser variant (default, insecureHTTPParser, joinDuplicateHeaders).
// 2. N mutated requests (seeded: the same S and N give the same cases),
//    sent whole or in pieces, to node:http and rshttp running the same echo
//    handler; the whole answer is compared byte for byte, Date masked.
// 3. M mutated responses, read by node:http's client and by rshttp's (a
//    quarter of them with insecureHTTPParser).
// A differing case is run twice more: if node:http's own answers differ
// between runs, the input is timing-dependent in Node itself and the case
// is listed apart ("node disagrees with itself"), not counted. The others
// are grouped by what each side answered, and up to K per group are printed
// minimised. Exits 1 if any counted case differs.

const { makeCase, prng } = require('./fuzz/mutate');
const corpus = require('./fuzz/corpus');
const engine = require('./fuzz/diff');

function parseArgs(argv) {
  const o = { seed: 1, cases: 500, clientCases: undefined, jobs: 16, examples: 3, minimise: true };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=');
    const val = () => Number(inline ?? argv[++i]);
    switch (flag) {
      case '--seed': o.seed = val(); break;
      case '--cases': o.cases = val(); break;
      case '--client-cases': o.clientCases = val(); break;
      case '--jobs': o.jobs = val(); break;
      case '--examples': o.examples = val(); break;
      case '--no-minimise': o.minimise = false; break;
      default: throw new Error(`fuzz-diff: unknown option ${argv[i]}`);
    }
  }
  if (o.clientCases === undefined) o.clientCases = Math.ceil(o.cases / 2);
  return o;
}

/** Runs `fn` over `items` with at most `jobs` in flight; keeps order. */
async function pool(items, jobs, fn) {
  const out = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(jobs, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  }));
  return out;
}

/** Server-side cases: the fixed classics, then seeded mutations. */
function serverCases(o) {
  const fixed = [];
  for (const [name, input] of Object.entries(corpus.smuggling)) {
    for (const variant of Object.keys(engine.VARIANTS)) fixed.push({ name: `${name} (${variant})`, input, variant });
  }
  const seeds = [...corpus.requests, ...Object.values(corpus.smuggling)];
  const variants = Object.keys(engine.VARIANTS);
  const mutated = [];
  for (let n = 0; n < o.cases; n++) {
    const c = makeCase(seeds, o.seed, n);
    const r = c.rand;
    const variant = r() < 0.7 ? 'default' : variants[1 + Math.floor(r() * (variants.length - 1))];
    const pieces = [];
    if (r() < 0.3) {
      for (let k = 1 + Math.floor(r() * 3); k > 0; k--) pieces.push(1 + Math.floor(r() * Math.max(1, c.input.length / 3)));
    }
    mutated.push({ name: `seed ${o.seed} case ${n} (${c.ops.join('+')}, ${variant})`, input: c.input, variant, pieces });
  }
  return { fixed, mutated };
}

function clientCases(o) {
  const out = [];
  for (const [i, input] of corpus.responses.entries()) out.push({ name: `response ${i}`, input });
  for (let n = 0; n < o.clientCases; n++) {
    const c = makeCase(corpus.responses, o.seed + 7919, n);
    const r = prng(o.seed + n);
    const method = r() < 0.1 ? 'HEAD' : 'GET';
    // A quarter of the responses are read with insecureHTTPParser.
    const insecure = r() < 0.25;
    out.push({
      name: `seed ${o.seed} response case ${n} (${c.ops.join('+')}, ${method}${insecure ? ', insecure' : ''})`,
      input: c.input, method, insecure,
    });
  }
  return out;
}

/** How many times a differing case is run again to see whether Node agrees with itself. */
const RERUNS = 2;

/**
 * Splits differing results into `counted` and `nodeUnstable`: each is run
 * `RERUNS` more times; where node:http's answers differ between runs (its
 * first answer included), Node is nondeterministic for that input and the
 * case cannot be compared. A case whose rshttp answer matched in some run
 * while Node's did not change stays counted, marked intermittent.
 */
async function recheck(diffs, again) {
  const counted = [];
  const nodeUnstable = [];
  for (const d of diffs) {
    const runs = [d];
    for (let k = 0; k < RERUNS; k++) runs.push(await again(d));
    const nodeAnswers = [...new Set(runs.map((r) => r.node))];
    if (nodeAnswers.length > 1) nodeUnstable.push({ ...d, nodeAnswers });
    else counted.push({ ...d, intermittent: runs.some((r) => r.same) });
  }
  return { counted, nodeUnstable };
}

/**
 * A case's bytes for the report: JSON, cut short past `max` characters,
 * and the pieces it is written in, if more than one.
 */
function shown(input, pieces, max = 400) {
  const s = JSON.stringify(input);
  const text = s.length <= max ? s : `${s.slice(0, max)}... (${input.length} bytes)`;
  return pieces && pieces.length ? `${text} in pieces of ${pieces.join(', ')} and the rest` : text;
}

/** Groups differing results by what each side answered. */
function groupBy(results, key) {
  const groups = new Map();
  for (const r of results) {
    const k = key(r);
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k).push(r);
  }
  return groups;
}

/**
 * Runs the whole comparison; resolves to `{ server, client }` difference
 * lists (counted ones) and `{ serverUnstable, clientUnstable }` (cases where
 * node:http disagreed with itself).
 */
async function run(o, log = console.log) {
  const servers = await engine.startServers();
  const responder = await engine.startResponder();
  try {
    const { fixed, mutated } = serverCases(o);
    const clients = clientCases(o);
    const check = (c) => engine.runServerCase(servers.pairs, c).then((r) => ({ ...c, ...r }));
    const fixedResults = await pool(fixed, o.jobs, check);
    const mutatedResults = await pool(mutated, o.jobs, check);
    const clientResults = await pool(clients, o.jobs,
      (c) => engine.runClientCase(responder, c).then((r) => ({ ...c, ...r })));

    const runServer = (c) => engine.runServerCase(servers.pairs, c);
    const runClient = (c) => engine.runClientCase(responder, c);
    const server = await recheck([...fixedResults, ...mutatedResults].filter((r) => !r.same), runServer);
    const client = await recheck(clientResults.filter((r) => !r.same), runClient);
    const serverDiffs = server.counted;
    const clientDiffs = client.counted;
    const unstable = (list) => (list.length ? ` (+${list.length} where node disagrees with itself)` : '');
    log(`fuzz:diff seed ${o.seed}: server ${fixed.length} fixed + ${mutated.length} mutated cases, ` +
      `${serverDiffs.length} differ${unstable(server.nodeUnstable)}; ` +
      `client ${clients.length} cases, ${clientDiffs.length} differ${unstable(client.nodeUnstable)}`);

    const report = async (diffs, key, rerun) => {
      for (const [k, list] of groupBy(diffs, key)) {
        log(`\n  ${list.length} x ${k}`);
        for (const d of list.slice(0, o.examples)) {
          let input = d.input;
          if (o.minimise) {
            // Shrink while the case still differs in the same way.
            input = await engine.minimise(d.input, async (candidate) => {
              const r = await rerun({ ...d, input: candidate });
              return !r.same && key(r) === k;
            });
          }
          const again = await rerun({ ...d, input });
          log(`    ${d.name}${d.intermittent ? ' (intermittent: some runs agreed)' : ''}` +
            `\n      input   ${shown(input, d.pieces)}` +
            `\n      node    ${JSON.stringify(again.node).slice(0, 300)}\n      rshttp  ${JSON.stringify(again.rshttp).slice(0, 300)}`);
        }
      }
    };
    await report(serverDiffs, (d) => `node ${engine.statusSummary(d.node)} / rshttp ${engine.statusSummary(d.rshttp)}`,
      runServer);
    await report(clientDiffs, (d) => `client: node ${JSON.parse(d.node).events.join(',')} / rshttp ${JSON.parse(d.rshttp).events.join(',')}`,
      runClient);
    const listUnstable = (list, summary) => {
      for (const d of list.slice(0, o.examples)) {
        log(`\n  node disagrees with itself: ${d.name}\n      input   ${shown(d.input, d.pieces)}` +
          `\n      node    ${d.nodeAnswers.map(summary).join(' | ')}`);
      }
    };
    listUnstable(server.nodeUnstable, engine.statusSummary);
    listUnstable(client.nodeUnstable, (a) => JSON.parse(a).events.join(','));
    return {
      server: serverDiffs, client: clientDiffs,
      serverUnstable: server.nodeUnstable, clientUnstable: client.nodeUnstable,
    };
  } finally {
    await servers.close();
    await responder.close();
  }
}

module.exports = { run, parseArgs, recheck };

if (require.main === module) {
  run(parseArgs(process.argv.slice(2))).then(({ server, client }) => {
    process.exitCode = server.length + client.length ? 1 : 0;
  }, (err) => {
    console.error(err);
    process.exitCode = 2;
  });
}
