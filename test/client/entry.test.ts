// The package entry point's surface (package.json exports → dist/client/index.js, compiled from
// src/client/index.ts; test/package/pack.test.ts imports the packed package itself).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as keel from '../../src/client/index.js';

test('the package exports the client API and the typed errors', () => {
  assert.type(keel.connect, 'function');
  assert.type(keel.cmp.value, 'function');
  assert.type(keel.op.put, 'function');
  assert.is(new keel.KeyTooLargeError(5, 4).code, 'KeyTooLarge');
  assert.is(keel.MAX_WRITES_IN_FLIGHT, 1024);
});

test.run();
