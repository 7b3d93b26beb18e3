import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { applyServeV8Flags, SERVE_V8_FLAGS } from '../../src/node/serve-v8-flags.js';

test('the flags a node runs with include a lower interrupt budget', () => {
  const budget = SERVE_V8_FLAGS.find((f) => f.startsWith('--interrupt-budget='));
  assert.ok(budget, 'SERVE_V8_FLAGS sets --interrupt-budget');
  const value = Number(budget!.split('=')[1]);
  assert.ok(value > 0 && value < 67584, `below V8's default of 67584, got ${value}`);
});

test('the flags a node runs with keep the heap V8 grew when the node goes idle', () => {
  assert.ok(SERVE_V8_FLAGS.includes('--no-memory-reducer'));
});

test('a node started with the flags (or its own value of one) gets nothing set at run time', () => {
  assert.equal(applyServeV8Flags([...SERVE_V8_FLAGS]), []);
  assert.equal(applyServeV8Flags(['--interrupt-budget=100000', '--memory_reducer', '--max-old-space-size=512']), []);
});

test('a flag given in one form is not set again in the other', () => {
  assert.equal(applyServeV8Flags(['--memory-reducer']), ['--interrupt-budget=8192']);
});

test('a node started without them gets the missing ones set', () => {
  assert.equal(applyServeV8Flags(['--max-old-space-size=512']), [...SERVE_V8_FLAGS]);
});

test.run();
