// The watch check on hand-made event streams: a gap, a duplicate, a value nobody wrote and a stale
// last value each fail; a complete stream passes (writes of unknown outcome may or may not appear).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Operation } from './history.js';
import { checkWatch, type WatchedEvent } from './watch-check.js';

const put = (value: string, outcome: Operation['outcome'] = 'ok'): Operation =>
  ({ client: 0, key: 'k', kind: 'put', value, outcome, invokeMs: 0, completeMs: 1 });
const ev = (revision: number, value: string): WatchedEvent => ({ revision, key: 'k', type: 'put', value });
const final = (read: string): Operation => ({ client: -1, key: 'k', kind: 'get', read, outcome: 'ok', invokeMs: 9, completeMs: 10 });
const ops = [put('a'), put('b'), put('c', 'info')];
const run = (events: WatchedEvent[], last = 'b', extra: Partial<{ caughtUp: boolean; error: string | null }> = {}) =>
  checkWatch({ events, caughtUp: true, error: null, ...extra }, ops, [final(last)]);

test('a complete stream passes, with or without the write of unknown outcome', () => {
  assert.ok(run([ev(2, 'a'), ev(3, 'b')]).ok);
  assert.ok(run([ev(2, 'a'), ev(3, 'b'), ev(4, 'c')], 'c').ok);
});

test('a gap, a duplicate, an unknown value and a wrong last value fail', () => {
  assert.match(run([ev(3, 'b')]).problems.join('\n'), /a never came through/);
  assert.match(run([ev(2, 'a'), ev(2, 'a'), ev(3, 'b')]).problems.join('\n'), /duplicate or out of order/);
  assert.match(run([ev(2, 'a'), ev(3, 'b'), ev(4, 'zzz')], 'b').problems.join('\n'), /no client wrote/);
  assert.match(run([ev(2, 'a'), ev(3, 'b')], 'a').problems.join('\n'), /last value of k is b, the final read a/);
});

test('a watch that failed or never caught up fails', () => {
  assert.not.ok(run([ev(2, 'a'), ev(3, 'b')], 'b', { error: 'Compacted' }).ok);
  assert.not.ok(run([ev(2, 'a'), ev(3, 'b')], 'b', { caughtUp: false }).ok);
});

test.run();
