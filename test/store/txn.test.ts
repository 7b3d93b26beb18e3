import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { KvStore } from '../../src/store/index.js';
import type { RangeResult, TxnResult } from '../../src/codec/types.js';
import { applyAll, applyOne, b, cmp, del, dump, prefixEnd, put, rng, s, txn } from './helpers.js';

function seeded(): KvStore {
  const store = new KvStore();
  applyAll(store, put('a', '1'), put('a', '2'), put('b', 'x'), put('c', 'y'));
  // a: create 1, mod 2, version 2;  b: create 3;  c: create 4;  revision 4
  return store;
}

function holds(store: KvStore, compare: ReturnType<typeof cmp>): boolean {
  const out = applyOne(store, txn([compare], []));
  assert.is(out.error, null);
  return (out.result as TxnResult).succeeded;
}

test('compare every target with every result', () => {
  const store = seeded();
  assert.ok(holds(store, cmp('a', 'value', 'equal', '2')));
  assert.not.ok(holds(store, cmp('a', 'value', 'equal', '1')));
  assert.ok(holds(store, cmp('a', 'value', 'greater', '1')));
  assert.ok(holds(store, cmp('a', 'value', 'less', '3')));
  assert.ok(holds(store, cmp('a', 'value', 'notEqual', '3')));
  assert.ok(holds(store, cmp('a', 'version', 'equal', 2)));
  assert.ok(holds(store, cmp('a', 'version', 'greater', 1)));
  assert.not.ok(holds(store, cmp('a', 'version', 'less', 2)));
  assert.ok(holds(store, cmp('a', 'createRevision', 'equal', 1)));
  assert.ok(holds(store, cmp('a', 'modRevision', 'equal', 2)));
  assert.ok(holds(store, cmp('b', 'modRevision', 'greater', 2)));
  assert.ok(holds(store, cmp('b', 'lease', 'equal', 0)));
  assert.not.ok(holds(store, cmp('b', 'lease', 'notEqual', 0)));
});

test('a missing key compares as 0 and as an empty value', () => {
  const store = seeded();
  assert.ok(holds(store, cmp('nope', 'version', 'equal', 0)));
  assert.ok(holds(store, cmp('nope', 'createRevision', 'equal', 0)));
  assert.ok(holds(store, cmp('nope', 'modRevision', 'less', 1)));
  assert.ok(holds(store, cmp('nope', 'value', 'equal', '')));
  assert.not.ok(holds(store, cmp('nope', 'value', 'equal', 'x')));
});

test('a compare with rangeEnd must hold for every key in the range', () => {
  const store = seeded();
  assert.ok(holds(store, cmp('a', 'version', 'greater', 0, 'd')));
  assert.not.ok(holds(store, cmp('a', 'version', 'equal', 1, 'd')), 'a has version 2');
  assert.ok(holds(store, cmp('b', 'version', 'equal', 1, 'd')));
  assert.ok(holds(store, cmp('x', 'version', 'equal', 0, 'z')), 'an empty range compares as a missing key');
});

test('all compares must hold; then success ops run, else failure ops', () => {
  const store = seeded();
  const ok = applyOne(store, txn([cmp('a', 'value', 'equal', '2'), cmp('b', 'version', 'equal', 1)], [put('t', 'then')], [put('e', 'else')]));
  assert.is((ok.result as TxnResult).succeeded, true);
  const ko = applyOne(store, txn([cmp('a', 'value', 'equal', '2'), cmp('b', 'version', 'equal', 9)], [put('t', 'then2')], [put('e', 'else')]));
  assert.is((ko.result as TxnResult).succeeded, false);
  assert.equal(dump(store).filter(([k]) => k === 't' || k === 'e'), [['e', 'else'], ['t', 'then']]);
});

test('a txn is one revision, and its ops see the effects of earlier ops', () => {
  const store = seeded();
  const out = applyOne(store, txn([], [
    put('n/1', 'one'),
    rng('n/', prefixEnd('n/')),
    put('n/2', 'two'),
    del('a'),
    rng('n/', prefixEnd('n/')),
    rng('a'),
  ]));
  assert.is(out.revision, 5);
  const r = out.result as TxnResult;
  assert.equal((r.responses[1] as RangeResult).kvs.map((kv) => s(kv.key)), ['n/1']);
  assert.equal((r.responses[4] as RangeResult).kvs.map((kv) => [s(kv.key), kv.modRevision]), [['n/1', 5], ['n/2', 5]]);
  assert.is((r.responses[5] as RangeResult).count, 0);
  assert.is(store.get(b('n/2'))!.modRevision, 5);
  assert.is(store.eventsSince(5, b('\0'), b('\0')).length, 3, 'one revision holds all three events');
});

test('a read-only txn, or one whose deletes delete nothing, keeps the revision', () => {
  const store = seeded();
  const read = applyOne(store, txn([], [rng('a')]));
  assert.is(read.revision, 4);
  assert.is(((read.result as TxnResult).responses[0] as RangeResult).count, 1);
  assert.is(applyOne(store, txn([], [del('zzz')])).revision, 4);
  assert.is(applyOne(store, txn([cmp('a', 'value', 'equal', 'no')], [put('q', 'q')])).revision, 4);
  assert.is(store.revision, 4);
});

test('putting the same key twice, or inside a deleted range, is refused (as etcd)', () => {
  const store = seeded();
  const twice = applyOne(store, txn([], [put('k', '1'), put('k', '2')]));
  assert.is(twice.error?.code, 'InvalidArgument');
  assert.match(twice.error!.message, /duplicate key/);
  const inDelete = applyOne(store, txn([], [del('a', 'c'), put('b', 'z')]));
  assert.is(inDelete.error?.code, 'InvalidArgument');
  const inOtherBranch = applyOne(store, txn([cmp('a', 'value', 'equal', 'no')], [put('k', '1')], [put('k', '1'), put('k', '2')]));
  assert.is(inOtherBranch.error?.code, 'InvalidArgument', 'both branches are checked, whichever runs');
  const sameKeyAcrossBranches = applyOne(store, txn([], [put('k', '1')], [put('k', '2')]));
  assert.is(sameKeyAcrossBranches.error, null);
  assert.is(store.revision, 5);
});

test('a txn put to an unknown lease fails the whole txn with LeaseNotFound', () => {
  const store = seeded();
  const out = applyOne(store, txn([], [put('x', '1'), put('y', '2', 77)]));
  assert.is(out.error?.code, 'LeaseNotFound');
  assert.is(store.get(b('x')), undefined);
  assert.is(store.revision, 4);
  const otherBranch = applyOne(store, txn([], [put('x', '1')], [put('y', '2', 77)]));
  assert.is(otherBranch.error, null, 'only the branch that runs needs its leases');
});

test('a txn with an empty compare key is refused', () => {
  const store = seeded();
  assert.is(applyOne(store, txn([cmp('', 'version', 'equal', 0)], [])).error?.code, 'InvalidArgument');
});

test.run();
