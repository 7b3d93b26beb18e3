import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { KvStore } from '../../src/store/index.js';
import type { DeleteRangeResult, PutResult, RangeResult } from '../../src/codec/types.js';
import { FROM_KEY, applyAll, applyOne, b, del, dump, prefixEnd, put, rng, s } from './helpers.js';

test('a fresh store is empty at revision 0', () => {
  const store = new KvStore();
  assert.is(store.revision, 0);
  assert.is(store.size, 0);
  assert.is(store.appliedIndex, 0);
  assert.equal(store.range(rng('a')), { type: 'range', kvs: [], count: 0, more: false });
});

test('puts advance the revision and track createRevision, modRevision and version as etcd', () => {
  const store = new KvStore();
  const outcomes = applyAll(store, put('a', '1'), put('b', '1'), put('a', '2'));
  assert.equal(outcomes.map((o) => o.revision), [1, 2, 3]);
  const a = store.get(b('a'))!;
  assert.equal([s(a.value), a.createRevision, a.modRevision, a.version, a.lease], ['2', 1, 3, 2, 0]);
  applyAll(store, del('a'), put('a', '3'));
  const again = store.get(b('a'))!;
  assert.equal([again.createRevision, again.modRevision, again.version], [5, 5, 1], 'a re-created key starts over');
  assert.is(store.revision, 5);
  assert.is(store.appliedIndex, 5);
});

test('put returns the previous key-value only when asked', () => {
  const store = new KvStore();
  applyAll(store, put('k', 'old'));
  const without = applyOne(store, put('k', 'new')).result as PutResult;
  assert.is(without.prevKv, null);
  const withPrev = applyOne(store, put('k', 'newer', 0, true)).result as PutResult;
  assert.is(s(withPrev.prevKv!.value), 'new');
  assert.is(withPrev.prevKv!.version, 2);
  const fresh = applyOne(store, put('other', 'x', 0, true)).result as PutResult;
  assert.is(fresh.prevKv, null);
});

test('the store copies keys and values: mutating the caller buffers changes nothing', () => {
  const store = new KvStore();
  const op = put('key', 'value');
  applyOne(store, op);
  op.key[0] = 0x7a;
  op.value[0] = 0x7a;
  assert.equal(dump(store), [['key', 'value']]);
});

test('range: single key, prefix, from-key and [start, end)', () => {
  const store = new KvStore();
  applyAll(store, ...['a', 'ab', 'abc', 'b', 'ba', 'c'].map((k) => put(k, k.toUpperCase())));
  const keys = (r: RangeResult) => r.kvs.map((kv) => s(kv.key));
  assert.equal(keys(store.range(rng('ab'))), ['ab']);
  assert.equal(keys(store.range(rng('zz'))), []);
  assert.equal(keys(store.range(rng('ab', prefixEnd('ab')))), ['ab', 'abc']);
  assert.equal(keys(store.range(rng('b', FROM_KEY))), ['b', 'ba', 'c']);
  assert.equal(keys(store.range(rng('ab', 'ba'))), ['ab', 'abc', 'b']);
  assert.equal(keys(store.range(rng('c', 'a'))), [], 'rangeEnd before key is empty');
  assert.equal(keys(store.range(rng('', FROM_KEY))), ['a', 'ab', 'abc', 'b', 'ba', 'c']);
});

test('range: bytewise order, not string order', () => {
  const store = new KvStore();
  const keys = [new Uint8Array([0xff]), new Uint8Array([0x01, 0x00]), new Uint8Array([0x01]), new Uint8Array([0x80])];
  for (const key of keys) applyOne(store, { type: 'put', key, value: key, lease: 0, prevKv: false });
  const all = store.range({ type: 'range', key: new Uint8Array([0]), rangeEnd: new Uint8Array([0]), limit: 0, keysOnly: false, countOnly: false });
  assert.equal(all.kvs.map((kv) => [...kv.key]), [[0x01], [0x01, 0x00], [0x80], [0xff]]);
});

test('range: limit, more, count, keysOnly, countOnly', () => {
  const store = new KvStore();
  applyAll(store, ...['k1', 'k2', 'k3', 'k4', 'k5'].map((k) => put(k, 'v')));
  const limited = store.range(rng('k', prefixEnd('k'), { limit: 2 }));
  assert.equal(limited.kvs.map((kv) => s(kv.key)), ['k1', 'k2']);
  assert.is(limited.count, 5);
  assert.is(limited.more, true);
  const exact = store.range(rng('k', prefixEnd('k'), { limit: 5 }));
  assert.is(exact.more, false);
  assert.is(exact.kvs.length, 5);
  const keysOnly = store.range(rng('k1', '', { keysOnly: true }));
  assert.is(keysOnly.kvs[0]!.value.length, 0);
  assert.is(keysOnly.kvs[0]!.version, 1);
  assert.is(s(store.get(b('k1'))!.value), 'v', 'keysOnly does not touch the stored value');
  const countOnly = store.range(rng('k', prefixEnd('k'), { countOnly: true }));
  assert.equal([countOnly.kvs.length, countOnly.count, countOnly.more], [0, 5, false]);
});

test('range rejects an empty key and a negative limit', () => {
  const store = new KvStore();
  assert.throws(() => store.range(rng('')), /key is empty/);
  assert.throws(() => store.range(rng('a', '', { limit: -1 })), /invalid limit/);
});

test('deleteRange deletes the range at one revision; deleting nothing keeps the revision', () => {
  const store = new KvStore();
  applyAll(store, put('p/1', 'a'), put('p/2', 'b'), put('q', 'c'));
  const out = applyOne(store, del('p/', prefixEnd('p/'), true));
  const result = out.result as DeleteRangeResult;
  assert.is(out.revision, 4);
  assert.is(result.deleted, 2);
  assert.equal(result.prevKvs.map((kv) => s(kv.value)), ['a', 'b']);
  assert.equal(dump(store), [['q', 'c']]);
  const none = applyOne(store, del('p/', prefixEnd('p/')));
  assert.equal([none.revision, (none.result as DeleteRangeResult).deleted], [4, 0]);
  assert.is(store.revision, 4);
  const noPrev = applyOne(store, del('q')).result as DeleteRangeResult;
  assert.equal([noPrev.deleted, noPrev.prevKvs], [1, []]);
});

test('malformed commands give InvalidArgument outcomes and change nothing', () => {
  const store = new KvStore();
  const empty = applyOne(store, put('', 'x'));
  assert.is(empty.error?.code, 'InvalidArgument');
  assert.is(empty.result, null);
  assert.is(applyOne(store, del('')).error?.code, 'InvalidArgument');
  assert.is(applyOne(store, { type: 'compact', revision: -1 }).error?.code, 'InvalidArgument');
  assert.is(applyOne(store, { type: 'bogus' } as never).error?.code, 'Unimplemented');
  assert.is(store.revision, 0);
  assert.is(store.appliedIndex, 4, 'error outcomes still consume their log index');
});

test('apply refuses log indexes that do not increase; skip advances appliedIndex', () => {
  const store = new KvStore();
  store.apply(3, { requestId: null, op: put('a', '1') });
  assert.throws(() => store.apply(3, { requestId: null, op: put('a', '2') }), /indexes must increase/);
  store.skip(4);
  assert.is(store.appliedIndex, 4);
  assert.throws(() => store.skip(2), /indexes must increase/);
  assert.is(s(store.get(b('a'))!.value), '1');
  const noop = store.apply(5, { requestId: null, op: { type: 'noop' } });
  assert.equal(noop, { revision: 1, result: { type: 'noop' }, error: null });
});

test('compact: must be <= revision and > the previous compact revision', () => {
  const store = new KvStore();
  applyAll(store, put('a', '1'), put('a', '2'), put('a', '3'));
  const future = applyOne(store, { type: 'compact', revision: 4 });
  assert.is(future.error?.code, 'FutureRevision');
  const ok = applyOne(store, { type: 'compact', revision: 2 });
  assert.equal(ok, { revision: 3, result: { type: 'compact' }, error: null });
  assert.is(store.compactRevision, 2);
  const again = applyOne(store, { type: 'compact', revision: 2 });
  assert.is(again.error?.code, 'Compacted');
  assert.is(again.error?.revision, 2);
  assert.is(applyOne(store, { type: 'compact', revision: 3 }).error, null);
  assert.is(store.revision, 3, 'compaction does not advance the revision');
});

test('store options: undefined means default; non-positive values are refused', () => {
  assert.not.throws(() => new KvStore({ dedupWindow: undefined }));
  assert.throws(() => new KvStore({ historyRevisions: 0 }), /historyRevisions must be a positive integer/);
  assert.throws(() => new KvStore({ dedupIdleEntries: 1.5 }), /dedupIdleEntries/);
});

test.run();
