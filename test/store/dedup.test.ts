import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { KvStore } from '../../src/store/index.js';
import type { DeleteRangeResult } from '../../src/codec/types.js';
import { applyAll, applyOne, b, del, dump, prefixEnd, put, s } from './helpers.js';

test('a retried request returns the stored outcome and changes nothing', () => {
  const store = new KvStore();
  const first = applyOne(store, put('k', 'v1'), 'c1', 1);
  applyOne(store, put('k', 'v2'), 'c2', 1);
  const retry = applyOne(store, put('k', 'v1'), 'c1', 1);
  assert.equal(retry, first);
  assert.is(retry.revision, 1, 'the stored outcome, with its original revision');
  assert.is(s(store.get(b('k'))!.value), 'v2');
  assert.is(store.revision, 2);
});

test('error outcomes are remembered too', () => {
  const store = new KvStore();
  const first = applyOne(store, put('k', 'v', 5), 'c', 1);
  assert.is(first.error?.code, 'LeaseNotFound');
  applyOne(store, { type: 'leaseGrant', id: 5, ttlMs: 100 });
  assert.equal(applyOne(store, put('k', 'v', 5), 'c', 1), first);
  assert.is(store.size, 0);
});

test('pipelined seqs arriving out of order are each applied once', () => {
  const store = new KvStore();
  for (const seq of [1, 2, 4, 3, 6, 5]) applyOne(store, put(`k${seq}`, 'v'), 'c', seq);
  assert.is(store.revision, 6);
  for (const seq of [3, 1, 6]) applyOne(store, put(`k${seq}`, 'again'), 'c', seq);
  assert.is(store.revision, 6);
  assert.ok(dump(store).every(([, v]) => v === 'v'));
});

test('a seq older than the window is refused; a seq inside it is still new or remembered', () => {
  const store = new KvStore({ dedupWindow: 4 });
  for (let seq = 1; seq <= 10; seq++) applyOne(store, put(`k${seq}`, 'v'), 'c', seq);
  // window holds seqs 7..10
  const old = applyOne(store, put('k6', 'again'), 'c', 6);
  assert.is(old.error?.code, 'InvalidArgument');
  assert.match(old.error!.message, /too old to deduplicate/);
  assert.is(applyOne(store, put('k7', 'again'), 'c', 7).revision, 7, 'seq 7 replays');
  assert.is(store.revision, 10);
  assert.is(s(store.get(b('k6'))!.value), 'v');
  applyOne(store, put('k20', 'v'), 'c', 20); // jumps the window to 17..20
  assert.is(applyOne(store, put('x', 'v'), 'c', 16).error?.code, 'InvalidArgument');
  assert.is(applyOne(store, put('x', 'v'), 'c', 18).error, null, 'a never-seen seq inside the window applies');
  assert.is(store.revision, 12);
});

test('clients idle for dedupIdleEntries log indexes are forgotten', () => {
  const store = new KvStore({ dedupIdleEntries: 5 });
  applyOne(store, put('a', '1'), 'old', 1); // index 1
  applyOne(store, put('b', '1'), 'busy', 1); // index 2
  assert.is(store.dedupClientCount, 2);
  for (let i = 0; i < 3; i++) store.skip(store.appliedIndex + 1); // index 5
  applyOne(store, put('b', '2'), 'busy', 2); // index 6: 'old' idle for 5 indexes
  assert.is(store.dedupClientCount, 1);
  const forgotten = applyOne(store, put('a', '1'), 'old', 1);
  assert.is(forgotten.revision, 4, 'a forgotten client is treated as new');
  assert.is(store.dedupClientCount, 2);
});

test('last-seen order holds for a client writing several times in a row, and after it was forgotten', () => {
  const store = new KvStore({ dedupIdleEntries: 4 });
  applyOne(store, put('a', '1'), 'a', 1); // index 1
  applyOne(store, put('b', '1'), 'b', 1); // index 2
  applyOne(store, put('b', '2'), 'b', 2); // index 3: 'b' already the most recent
  applyOne(store, put('a', '2'), 'a', 2); // index 4: 'a' moves behind 'b'
  applyOne(store, put('a', '3'), 'a', 3); // index 5
  applyOne(store, put('a', '4'), 'a', 4); // index 6
  applyOne(store, put('a', '5'), 'a', 5); // index 7: 'b' idle for 4 indexes, 'a' not
  assert.is(store.dedupClientCount, 1, "'b' is forgotten, 'a' is not");
  assert.is(applyOne(store, put('a', '4'), 'a', 4).revision, 6, "'a' still has its outcomes");
  for (let i = 0; i < 4; i++) store.skip(store.appliedIndex + 1); // 'a' idle too
  applyOne(store, put('c', '1'), 'c', 1);
  assert.is(store.dedupClientCount, 1);
  applyOne(store, put('a', '6'), 'a', 1); // 'a' forgotten: new again, and now the most recent
  applyOne(store, put('c', '2'), 'c', 2);
  assert.is(store.dedupClientCount, 2);
  store.skip(store.appliedIndex + 1);
  store.skip(store.appliedIndex + 1);
  applyOne(store, put('c', '3'), 'c', 3); // 'a' idle for 4 indexes: forgotten; 'c' for 3: kept
  assert.is(store.dedupClientCount, 1);
  assert.is(applyOne(store, put('c', '2'), 'c', 2).revision, store.revision - 1, "'c' is remembered");
});

test('requests without a requestId are never deduplicated', () => {
  const store = new KvStore();
  applyOne(store, put('k', 'v'));
  applyOne(store, put('k', 'v'));
  assert.is(store.revision, 2);
  assert.is(store.dedupClientCount, 0);
});

test('an invalid seq is refused without being recorded', () => {
  const store = new KvStore();
  assert.is(applyOne(store, put('k', 'v'), 'c', -1).error?.code, 'InvalidArgument');
  assert.is(store.dedupClientCount, 0);
  assert.is(store.size, 0);
});

test('a retry gets the outcome without its key-values, marked; the table keeps no prevKvs', () => {
  const store = new KvStore();
  applyAll(store, put('p/1', 'x'.repeat(1000)), put('p/2', 'y'.repeat(1000)));
  const first = applyOne(store, del('p/', prefixEnd('p/'), true), 'c1', 1);
  assert.is((first.result as DeleteRangeResult).prevKvs.length, 2);
  const retry = applyOne(store, del('p/', prefixEnd('p/'), true), 'c1', 1);
  assert.equal(retry, { revision: first.revision, error: null, result: { type: 'deleteRange', deleted: 2, prevKvs: [], prevKvsTruncated: true } });
  assert.ok(store.toSnapshot().clients[0]!.outcomes.every((o) => JSON.stringify(o.outcome).length < 200));
});

test('the table is bounded in bytes: the least recently seen clients are forgotten first', () => {
  const store = new KvStore({ dedupMaxBytes: 20 * 1024 });
  for (let i = 0; i < 500; i++) applyOne(store, put(`k${i}`, 'v'), `client-${i}`, 1);
  assert.ok(store.dedupClientCount < 200 && store.dedupClientCount > 50, `${store.dedupClientCount} clients kept`);
  const ids = store.toSnapshot().clients.map((c) => c.clientId);
  assert.is(ids[ids.length - 1], 'client-499');
  assert.not.ok(ids.includes('client-0'));
  // A forgotten client's retry applies again; a remembered one's does not.
  const before = store.revision;
  applyOne(store, put('k499', 'v'), 'client-499', 1);
  assert.is(store.revision, before);
  // Restored from a snapshot, the same clients and the same bound.
  const restored = KvStore.fromSnapshot(store.toSnapshot(), { dedupMaxBytes: 20 * 1024 });
  assert.equal(restored.toSnapshot().clients, store.toSnapshot().clients);
});

test.run();
