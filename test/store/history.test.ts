import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CompactedError } from '../../src/codec/errors.js';
import { KvStore } from '../../src/store/index.js';
import { FROM_KEY, applyAll, applyOne, b, del, prefixEnd, put, s } from './helpers.js';

const ALL = [b('\0'), b(FROM_KEY)] as const;

function compactedError(fn: () => unknown): CompactedError {
  try {
    fn();
  } catch (err) {
    if (err instanceof CompactedError) return err;
    throw err;
  }
  throw new Error('expected a CompactedError');
}

test('events: put with prevKv, delete with a tombstone kv at the delete revision', () => {
  const store = new KvStore();
  applyAll(store, put('k', 'v1'), put('k', 'v2'), del('k'));
  const [created, updated, deleted] = store.eventsSince(1, ...ALL);
  assert.equal([created!.type, s(created!.kv.value), created!.prevKv], ['put', 'v1', null]);
  assert.equal([updated!.type, s(updated!.kv.value), s(updated!.prevKv!.value)], ['put', 'v2', 'v1']);
  assert.is(deleted!.type, 'delete');
  assert.equal(
    { ...deleted!.kv, key: s(deleted!.kv.key), value: s(deleted!.kv.value) },
    { key: 'k', value: '', createRevision: 0, modRevision: 3, version: 0, lease: 0 },
  );
  assert.is(deleted!.prevKv!.version, 2);
});

test('eventsSince filters by range and starts at the given revision', () => {
  const store = new KvStore();
  applyAll(store, put('a/1', 'x'), put('b/1', 'x'), put('a/2', 'x'), put('a/1', 'y'));
  const keysOf = (events: ReturnType<KvStore['eventsSince']>) => events.map((e) => `${s(e.kv.key)}@${e.kv.modRevision}`);
  assert.equal(keysOf(store.eventsSince(2, b('a/'), b(prefixEnd('a/')))), ['a/2@3', 'a/1@4']);
  assert.equal(keysOf(store.eventsSince(1, b('a/1'), new Uint8Array(0))), ['a/1@1', 'a/1@4']);
  assert.equal(store.eventsSince(5, ...ALL), [], 'a future start has no events yet');
});

test('eventsSince with a limit never splits a revision', () => {
  const store = new KvStore();
  applyAll(store, put('a', '1'), { type: 'txn', compare: [], success: [put('b', '1'), put('c', '1')], failure: [] }, put('d', '1'));
  assert.equal(store.eventsSince(1, ...ALL, 2).map((e) => s(e.kv.key)), ['a', 'b', 'c']);
  assert.equal(store.eventsSince(1, ...ALL, 1).map((e) => s(e.kv.key)), ['a']);
});

test('history keeps at least historyRevisions revisions; older starts are Compacted', () => {
  const store = new KvStore({ historyRevisions: 3 });
  for (let i = 1; i <= 10; i++) applyOne(store, put('k', String(i)));
  assert.equal(store.eventsSince(8, ...ALL).map((e) => e.kv.modRevision), [8, 9, 10]);
  assert.is(store.oldestEventRevision, 8);
  const err = compactedError(() => store.eventsSince(7, ...ALL));
  assert.is(err.code, 'Compacted');
  assert.is(err.revision, 7, 'oldest available - 1: restart from revision + 1 works');
});

test('compaction trims history below the compact revision', () => {
  const store = new KvStore();
  for (let i = 1; i <= 6; i++) applyOne(store, put('k', String(i)));
  applyOne(store, { type: 'compact', revision: 4 });
  assert.equal(store.eventsSince(4, ...ALL).map((e) => e.kv.modRevision), [4, 5, 6]);
  const err = compactedError(() => store.eventsSince(3, ...ALL));
  assert.is(err.revision, 4);
  applyOne(store, { type: 'compact', revision: 6 });
  assert.equal(store.eventsSince(6, ...ALL).map((e) => e.kv.modRevision), [6]);
  applyOne(store, put('k', '7'));
  assert.equal(store.eventsSince(6, ...ALL).map((e) => e.kv.modRevision), [6, 7]);
});

test('a long history stays bounded and consistent across internal trimming', () => {
  const store = new KvStore({ historyRevisions: 100 });
  for (let i = 1; i <= 20_000; i++) applyOne(store, put(`k${i % 7}`, String(i)));
  const events = store.eventsSince(store.oldestEventRevision, ...ALL);
  assert.is(events.length, 100);
  assert.equal(events.map((e) => e.kv.modRevision), Array.from({ length: 100 }, (_, i) => 19_901 + i));
});

test('history is bounded in bytes as well as revisions: older revisions answer Compacted, reads and watches from the rest work', () => {
  const store = new KvStore({ historyRevisions: 100_000, historyBytes: 100 * 1024 });
  for (let i = 0; i < 100; i++) applyAll(store, put(`h/${i}`, 'x'.repeat(4096)));
  // ~4.2 KiB per revision: about 24 fit in 100 KiB.
  const oldest = store.oldestEventRevision;
  assert.ok(oldest > 70 && oldest < 85, `oldest retained ${oldest}`);
  assert.throws(() => store.eventsSince(oldest - 1, b('h/'), b(prefixEnd('h/'))), (e: unknown) => e instanceof CompactedError && e.revision === oldest - 1);
  assert.throws(() => store.range({ type: 'range', key: b('h/'), rangeEnd: b(prefixEnd('h/')), limit: 0, keysOnly: false, countOnly: false }, { revision: oldest - 2 }), (e: unknown) => e instanceof CompactedError);
  assert.is(store.eventsSince(oldest, b('h/'), b(prefixEnd('h/'))).length, 101 - oldest);
  assert.is(store.range({ type: 'range', key: b('h/'), rangeEnd: b(prefixEnd('h/')), limit: 0, keysOnly: false, countOnly: false }, { revision: oldest - 1 }).count, oldest - 1);
});

test.run();
