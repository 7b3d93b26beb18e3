import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CompactedError } from '../../src/codec/errors.js';
import { KvStore, type WatchBatch, type WatchOptions } from '../../src/store/index.js';
import { FROM_KEY, applyAll, applyOne, b, del, prefixEnd, prng, put, s } from './helpers.js';

const opts = (key: string, rangeEnd: string, startRevision = 0, prevKv = false): WatchOptions =>
  ({ key: b(key), rangeEnd: b(rangeEnd), startRevision, prevKv });

function collector() {
  const batches: WatchBatch[] = [];
  const sink = (batch: WatchBatch) => { batches.push(batch); };
  const seen = () => batches.flatMap((x) => x.events.map((e) => `${e.type}:${s(e.kv.key)}@${x.revision}`));
  return { batches, sink, seen };
}

test('startRevision 0 delivers only future events, one batch per revision', () => {
  const store = new KvStore();
  applyAll(store, put('a', '1'));
  const c = collector();
  store.watches.watch(opts('a', ''), c.sink);
  assert.equal(c.batches, []);
  applyAll(store, put('a', '2'), put('b', '1'), del('a'));
  assert.equal(c.seen(), ['put:a@2', 'delete:a@4']);
  assert.equal(c.batches.map((x) => x.revision), [2, 4]);
});

test('replay from a past revision, then live, with no gap and no duplicate', () => {
  const store = new KvStore();
  applyAll(store, put('p/1', 'a'), put('x', 'a'), put('p/2', 'a'));
  const c = collector();
  store.watches.watch(opts('p/', prefixEnd('p/'), 2), c.sink);
  assert.equal(c.seen(), ['put:p/2@3']);
  applyAll(store, put('p/1', 'b'), { type: 'txn', compare: [], success: [put('p/3', 'c'), put('q', 'c'), del('p/2')], failure: [] });
  assert.equal(c.seen(), ['put:p/2@3', 'put:p/1@4', 'put:p/3@5', 'delete:p/2@5']);
});

test('prevKv is delivered only to watches that ask for it', () => {
  const store = new KvStore();
  applyAll(store, put('k', 'old'));
  const withPrev = collector();
  const withoutPrev = collector();
  store.watches.watch(opts('k', '', 0, true), withPrev.sink);
  store.watches.watch(opts('k', '', 0, false), withoutPrev.sink);
  store.watches.watch(opts('k', '', 1, false), withoutPrev.sink); // replayed, no prevKv either
  applyAll(store, put('k', 'new'));
  assert.is(s(withPrev.batches[0]!.events[0]!.prevKv!.value), 'old');
  assert.ok(withoutPrev.batches.every((x) => x.events.every((e) => e.prevKv === null)));
  assert.is(withoutPrev.batches.length, 3);
  assert.is(s(store.eventsSince(2, b('k'), b(''))[0]!.prevKv!.value), 'old', 'history itself is untouched');
});

test('a watch from a compacted revision throws Compacted and registers nothing', () => {
  const store = new KvStore();
  applyAll(store, put('a', '1'), put('a', '2'), put('a', '3'), { type: 'compact', revision: 3 });
  const c = collector();
  assert.throws(() => store.watches.watch(opts('a', '', 2), c.sink), (err: unknown) => err instanceof CompactedError && err.revision === 3);
  assert.is(store.watches.size, 0);
  store.watches.watch(opts('a', '', 3), c.sink);
  assert.equal(c.seen(), ['put:a@3']);
});

test('a future startRevision waits for that revision', () => {
  const store = new KvStore();
  const c = collector();
  store.watches.watch(opts('', FROM_KEY, 3), c.sink);
  applyAll(store, put('a', '1'), put('b', '1'), put('c', '1'), put('d', '1'));
  assert.equal(c.seen(), ['put:c@3', 'put:d@4']);
});

test('cancel stops delivery, also from inside the sink during replay', () => {
  const store = new KvStore();
  applyAll(store, put('a', '1'), put('a', '2'), put('a', '3'));
  const c = collector();
  const handle = store.watches.watch(opts('a', ''), c.sink);
  applyAll(store, put('a', '4'));
  handle.cancel();
  assert.is(handle.cancelled, true);
  applyAll(store, put('a', '5'));
  assert.equal(c.seen(), ['put:a@4']);
  const got: number[] = [];
  const self = store.watches.watch(opts('a', '', 1), (batch) => {
    got.push(batch.revision);
    if (batch.revision === 2) self.cancel();
  });
  assert.equal(got, [1, 2]);
  assert.is(store.watches.size, 0);
});

test('a sink that throws is ended and told why; other watches carry on', () => {
  const store = new KvStore();
  const ended: unknown[] = [];
  store.watches.watch(opts('a', ''), () => { throw new Error('boom'); }, (err) => ended.push(err));
  const c = collector();
  store.watches.watch(opts('a', ''), c.sink);
  applyAll(store, put('a', '1'), put('a', '2'));
  assert.is(ended.length, 1);
  assert.match(String(ended[0]), /boom/);
  assert.equal(c.seen(), ['put:a@1', 'put:a@2']);
  assert.is(store.watches.size, 1);
  store.watches.closeAll(new Error('store replaced'));
  assert.is(store.watches.size, 0);
});

test('a watch created inside a sink does not get the current revision twice', () => {
  const store = new KvStore();
  const inner = collector();
  store.watches.watch(opts('a', ''), (batch) => {
    if (batch.revision === 1) store.watches.watch(opts('a', '', 1), inner.sink);
  });
  applyAll(store, put('a', '1'), put('a', '2'));
  assert.equal(inner.seen(), ['put:a@1', 'put:a@2']);
});

test('1,000 watchers on one prefix each get every event once', () => {
  const store = new KvStore();
  const counts = new Array<number>(1000).fill(0);
  for (let i = 0; i < 1000; i++) {
    store.watches.watch(opts('brokers/', prefixEnd('brokers/')), (batch) => { counts[i]! += batch.events.length; });
  }
  for (let i = 0; i < 100; i++) applyOne(store, put(`brokers/${i}`, 'up'));
  applyOne(store, put('elsewhere', 'x'));
  assert.ok(counts.every((n) => n === 100));
});

test('random watches see exactly the history filtered by their range (replay + live)', () => {
  const rand = prng(7);
  const store = new KvStore();
  const keys = ['a', 'a/1', 'a/2', 'b', 'b/1', 'c'];
  const ranges: [string, string][] = [['a', ''], ['a/', prefixEnd('a/')], ['a', 'b/1'], ['b', FROM_KEY], ['', FROM_KEY]];
  const watches: { range: [string, string]; start: number; c: ReturnType<typeof collector> }[] = [];
  for (let step = 0; step < 400; step++) {
    const r = rand.next();
    if (r < 0.6) applyOne(store, put(rand.pick(keys), String(step)));
    else if (r < 0.8) applyOne(store, del(rand.pick(keys), rand.next() < 0.5 ? '' : 'c'));
    else {
      const range = rand.pick(ranges);
      const start = rand.int(store.revision + 2);
      const c = collector();
      store.watches.watch(opts(range[0], range[1], start), c.sink);
      watches.push({ range, start: start === 0 ? store.revision + 1 : start, c });
    }
  }
  for (const w of watches) {
    const expected = store.eventsSince(w.start, b(w.range[0]), b(w.range[1])).map((e) => `${e.type}:${s(e.kv.key)}@${e.kv.modRevision}`);
    assert.equal(w.c.seen(), expected);
  }
});

test('a sink may not apply to the store: that would interleave revisions', () => {
  const store = new KvStore();
  const ended: unknown[] = [];
  store.watches.watch(opts('a', ''), () => { applyOne(store, put('b', 'nested')); }, (err) => ended.push(err));
  const c = collector();
  store.watches.watch(opts('', FROM_KEY), c.sink);
  applyAll(store, put('a', '1'), put('c', '1'));
  assert.match(String(ended[0]), /inside a watch sink/);
  assert.equal(c.seen(), ['put:a@1', 'put:c@2']);
  assert.is(store.get(b('b')), undefined);
});

test.run();
