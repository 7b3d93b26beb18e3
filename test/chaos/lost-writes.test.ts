// The lost-write check on hand-made histories.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Operation } from './history.js';
import { checkNoLostWrites, describeLostWrites } from './lost-writes.js';

const put = (key: string, value: string, invokeMs: number, completeMs: number, outcome: Operation['outcome'] = 'ok'): Operation =>
  ({ client: 0, key, kind: 'put', value, outcome, invokeMs, completeMs });
const final = (key: string, read: string | null): Operation =>
  ({ client: -1, key, kind: 'get', read, outcome: 'ok', invokeMs: 1000, completeMs: 1001 });

test('the last acknowledged write survives: ok', () => {
  const r = checkNoLostWrites([put('a', 'x', 0, 1), put('a', 'y', 2, 3)], [final('a', 'y')]);
  assert.ok(r.ok, describeLostWrites(r));
  assert.is(r.keysChecked, 1);
  assert.is(r.acknowledgedWrites, 2);
});

test('an acknowledged write replaced by an older value is lost', () => {
  const r = checkNoLostWrites([put('a', 'x', 0, 1), put('a', 'y', 2, 3)], [final('a', 'x')]);
  assert.not.ok(r.ok);
  assert.is(r.lost.length, 1);
  assert.is(r.lost[0].write.value, 'y');
  assert.match(describeLostWrites(r), /LOST: .* put y/);
});

test('an acknowledged write whose key reads as missing is lost', () => {
  const r = checkNoLostWrites([put('a', 'x', 0, 1)], [final('a', null)]);
  assert.is(r.lost.length, 1);
});

test('concurrent writes: either may survive', () => {
  const ops = [put('a', 'x', 0, 10), put('a', 'y', 5, 6)];
  assert.ok(checkNoLostWrites(ops, [final('a', 'x')]).ok);
  assert.ok(checkNoLostWrites(ops, [final('a', 'y')]).ok);
});

test('a write with an unknown outcome may survive over later acknowledged ones (it may have applied late)', () => {
  const ops = [put('a', 'x', 0, 1, 'info'), put('a', 'y', 2, 3)];
  assert.ok(checkNoLostWrites(ops, [final('a', 'x')]).ok);
  assert.ok(checkNoLostWrites(ops, [final('a', 'y')]).ok);
});

test('a value no client wrote, and a key left unread, fail', () => {
  assert.equal(checkNoLostWrites([put('a', 'x', 0, 1)], [final('a', 'junk')]).unknownValues, [{ key: 'a', value: 'junk' }]);
  const r = checkNoLostWrites([put('a', 'x', 0, 1)], []);
  assert.not.ok(r.ok);
  assert.equal(r.unread, ['a']);
});

test.run();
