'use strict';
// The differential fuzzer's own rules (scripts/fuzz-diff.js): how a
// differing case is sorted once it has been run again.

const test = require('node:test');
const assert = require('node:assert');
const { recheck } = require('../scripts/fuzz-diff');

/** A rerun function answering from `answers` in turn. */
function replay(answers) {
  let n = 0;
  return async () => answers[n++];
}

test('a case where node:http disagrees with itself is set apart, not counted', async () => {
  const first = { name: 'c', node: 'A', rshttp: 'B', same: false };
  const r = await recheck([first], replay([{ node: 'B', rshttp: 'B', same: true }, { node: 'A', rshttp: 'B', same: false }]));
  assert.deepStrictEqual(r.counted, []);
  assert.deepStrictEqual(r.nodeUnstable.map((d) => d.nodeAnswers), [['A', 'B']]);
});

test('a difference Node repeats is counted, marked intermittent if rshttp sometimes agreed', async () => {
  const first = { name: 'c', node: 'A', rshttp: 'B', same: false };
  const steady = await recheck([first], replay([{ node: 'A', rshttp: 'B', same: false }, { node: 'A', rshttp: 'B', same: false }]));
  assert.strictEqual(steady.counted.length, 1);
  assert.strictEqual(steady.counted[0].intermittent, false);
  const flaky = await recheck([first], replay([{ node: 'A', rshttp: 'A', same: true }, { node: 'A', rshttp: 'B', same: false }]));
  assert.strictEqual(flaky.counted.length, 1);
  assert.strictEqual(flaky.counted[0].intermittent, true);
  assert.deepStrictEqual(flaky.nodeUnstable, []);
});
