// The package entry point: `import { connect } from 'keel'` (package.json exports → src/client/index.ts).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as keel from 'keel';

test('the package exports the client API and the typed errors', () => {
  assert.type(keel.connect, 'function');
  assert.type(keel.cmp.value, 'function');
  assert.type(keel.op.put, 'function');
  assert.is(new keel.KeyTooLargeError(5, 4).code, 'KeyTooLarge');
  assert.is(keel.MAX_WRITES_IN_FLIGHT, 1024);
});

test.run();
