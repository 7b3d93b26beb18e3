import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { KvStore, type KvStoreOptions } from '../../src/store/index.js';
import type { ApplyOutcome } from '../../src/codec/types.js';
import { RandomCommands } from './random-commands.js';
import { applyAll, b, put } from './helpers.js';

const OPTIONS: KvStoreOptions = { dedupWindow: 8, dedupIdleEntries: 150, historyRevisions: 50 };

function run(store: KvStore, gen: RandomCommands, count: number): ApplyOutcome[] {
  const outcomes: ApplyOutcome[] = [];
  for (let i = 0; i < count; i++) {
    // Leave gaps in the log indexes now and then (entries without a command).
    if (i % 17 === 0) store.skip(store.appliedIndex + 1);
    outcomes.push(store.apply(store.appliedIndex + 1, gen.command(store.revision)));
  }
  return outcomes;
}

test('two stores fed the same commands end with deep-equal snapshots and outcomes', () => {
  for (const seed of [1, 2, 3]) {
    const one = new KvStore(OPTIONS);
    const two = new KvStore(OPTIONS);
    const outOne = run(one, new RandomCommands(seed), 600);
    const outTwo = run(two, new RandomCommands(seed), 600);
    assert.equal(outTwo, outOne);
    assert.equal(two.toSnapshot(), one.toSnapshot());
    assert.ok(one.revision > 50, `seed ${seed} made progress (revision ${one.revision})`);
  }
});

test('snapshot round trip: a restored store behaves exactly like the original', () => {
  for (const seed of [11, 12, 13, 14]) {
    const gen = new RandomCommands(seed);
    const original = new KvStore(OPTIONS);
    run(original, gen, 500);
    const snap = original.toSnapshot();
    const restored = KvStore.fromSnapshot(structuredClone(snap), OPTIONS);
    assert.equal(restored.toSnapshot(), snap, `seed ${seed}: restored snapshot`);
    assert.is(restored.revision, original.revision);
    assert.is(restored.compactRevision, original.compactRevision);
    assert.is(restored.appliedIndex, original.appliedIndex);
    assert.equal(restored.leaseIds(), original.leaseIds());
    for (const id of original.leaseIds()) assert.equal(restored.lease(id), original.lease(id));

    // Continue both with the same commands.
    const genA = new RandomCommands(seed * 1000);
    const genB = new RandomCommands(seed * 1000);
    for (let i = 0; i < 400; i++) {
      const index = original.appliedIndex + 1;
      const a = original.apply(index, genA.command(original.revision));
      const r = restored.apply(index, genB.command(restored.revision));
      assert.equal(r, a, `seed ${seed}: outcome ${i}`);
    }
    assert.equal(restored.toSnapshot(), original.toSnapshot(), `seed ${seed}: final state`);
  }
});

test('a restored store serves events only after its snapshot revision', () => {
  const store = new KvStore();
  applyAll(store, put('a', '1'), put('a', '2'));
  const restored = KvStore.fromSnapshot(store.toSnapshot());
  assert.throws(() => restored.eventsSince(2, b('a'), b('')), (err: Error & { revision?: number }) => err.revision === 2);
  applyAll(restored, put('a', '3'));
  assert.equal(restored.eventsSince(3, b('a'), b('')).map((e) => e.kv.version), [3]);
});

test('fromSnapshot rejects an inconsistent snapshot', () => {
  const store = new KvStore();
  applyAll(store, { type: 'leaseGrant', id: 4, ttlMs: 10 }, put('b', '1', 4), put('a', '1'));
  const snap = store.toSnapshot();
  assert.throws(() => KvStore.fromSnapshot({ ...snap, kvs: [...snap.kvs].reverse() }), /ascending key order/);
  assert.throws(() => KvStore.fromSnapshot({ ...snap, leases: [] }), /unknown lease 4/);
  assert.throws(() => KvStore.fromSnapshot({ ...snap, revision: 1 }), /modRevision/);
});

test('the snapshot is plain data (no Maps, no class instances besides Uint8Array)', () => {
  const store = new KvStore();
  run(store, new RandomCommands(5), 200);
  const check = (value: unknown, path: string): void => {
    if (value === null || ['number', 'string', 'boolean'].includes(typeof value)) return;
    if (value instanceof Uint8Array) {
      assert.is(Object.getPrototypeOf(value), Uint8Array.prototype, `${path} is a plain Uint8Array`);
      return;
    }
    if (Array.isArray(value)) return value.forEach((v, i) => check(v, `${path}[${i}]`));
    assert.ok(Object.getPrototypeOf(value) === Object.prototype, `${path} is a plain object`);
    for (const [k, v] of Object.entries(value as object)) {
      assert.ok(v !== undefined, `${path}.${k} is not undefined`);
      check(v, `${path}.${k}`);
    }
  };
  check(store.toSnapshot(), 'snapshot');
});

test.run();
