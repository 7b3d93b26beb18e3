import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EntryWeights } from '../../src/node/entry-weights.js';

function weights(list: [index: number, weight: number][]): EntryWeights {
  const w = new EntryWeights();
  for (const [i, n] of list) w.record(i, n);
  return w;
}

test('since: the commands applied after an index; an entry without commands weighs one', () => {
  const w = weights([[1, 1], [2, 64], [3, 0], [4, 10]]);
  assert.is(w.since(0), 76);
  assert.is(w.since(1), 75);
  assert.is(w.since(2), 11);
  assert.is(w.since(4), 0);
  assert.is(w.since(9), 0);
});

test('since: entries below the tracked ones (applied before a restart, or forgotten) weigh one each', () => {
  const w = weights([[101, 50], [102, 50]]);
  assert.is(w.since(90), 10 + 100);
  w.forgetThrough(101);
  assert.is(w.since(100), 1 + 50, 'a forgotten entry counts as one');
  assert.is(w.since(101), 50);
});

test('entriesHolding: the entries ending at an index that hold about that many commands', () => {
  const w = weights([[1, 1], [2, 1], [3, 60], [4, 60], [5, 60]]);
  assert.is(w.entriesHolding(5, 100), 1, 'a second batch would pass 100');
  assert.is(w.entriesHolding(5, 120), 2);
  assert.is(w.entriesHolding(5, 30), 1, 'at least one entry');
  assert.is(w.entriesHolding(5, 0), 0);
  assert.is(w.entriesHolding(2, 5), 2, 'below the first tracked entry there is nothing (index 1 is the log start)');
  const single = weights(Array.from({ length: 10 }, (_, i): [number, number] => [i + 1, 1]));
  assert.is(single.entriesHolding(10, 4), 4, 'one command per entry: as many entries as commands');
});

test('entriesHolding: untracked entries below the tracked ones count one each, never below index 1', () => {
  const w = weights([[51, 1], [52, 1]]);
  assert.is(w.entriesHolding(52, 10), 10);
  assert.is(w.entriesHolding(52, 100), 52);
});

test('forgetThrough bounds what is tracked; reset forgets everything', () => {
  const w = weights(Array.from({ length: 100 }, (_, i): [number, number] => [i + 1, 3]));
  w.forgetThrough(90);
  assert.is(w.size, 10);
  assert.is(w.since(95), 15);
  w.reset();
  assert.is(w.size, 0);
  assert.is(w.since(95), 0);
  w.record(201, 5);
  assert.is(w.since(200), 5);
});

test.run();
