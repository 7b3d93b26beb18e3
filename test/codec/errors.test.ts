import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CompactedError, KeelError, errorFromBody } from '../../src/codec/errors.js';

test('a Compacted error survives the trip through its wire body', () => {
  const body = new CompactedError(5, 42).toBody();
  const back = errorFromBody(body);
  assert.instance(back, KeelError);
  assert.is(back.code, 'Compacted');
  assert.is(back.revision, 42);
  assert.match(back.message, /revision 5 has been compacted/);
});

test.run();
