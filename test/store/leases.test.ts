import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { KvStore } from '../../src/store/index.js';
import { applyAll, applyOne, b, dump, put, s } from './helpers.js';

const grant = (id: number, ttlMs = 1000) => ({ type: 'leaseGrant' as const, id, ttlMs });
const revoke = (id: number) => ({ type: 'leaseRevoke' as const, id });
const expire = (...ids: number[]) => ({ type: 'leaseExpire' as const, ids });
const leaseKeys = (store: KvStore, id: number) => store.lease(id)?.keys.map(s);

test('grant records the lease without advancing the revision; a duplicate id is refused', () => {
  const store = new KvStore();
  const out = applyOne(store, grant(7, 5000));
  assert.equal(out, { revision: 0, result: { type: 'leaseGrant', id: 7, ttlMs: 5000 }, error: null });
  assert.equal(store.lease(7), { id: 7, ttlMs: 5000, keys: [] });
  const dup = applyOne(store, grant(7, 10));
  assert.is(dup.error?.code, 'InvalidArgument');
  assert.match(dup.error!.message, /already exists/);
  assert.is(store.lease(7)!.ttlMs, 5000);
  assert.is(applyOne(store, grant(0)).error?.code, 'InvalidArgument');
  assert.is(applyOne(store, grant(3, 0)).error?.code, 'InvalidArgument');
  assert.equal(store.leaseIds(), [7]);
});

test('put to an unknown lease fails with LeaseNotFound and changes nothing', () => {
  const store = new KvStore();
  const out = applyOne(store, put('k', 'v', 42));
  assert.is(out.error?.code, 'LeaseNotFound');
  assert.is(store.size, 0);
  assert.is(store.revision, 0);
});

test('putting a key moves it between lease key sets; lease 0 detaches it', () => {
  const store = new KvStore();
  applyAll(store, grant(1), grant(2), put('k', 'v', 1), put('j', 'v', 1));
  assert.equal(leaseKeys(store, 1), ['j', 'k']);
  applyOne(store, put('k', 'v2', 2));
  assert.equal([leaseKeys(store, 1), leaseKeys(store, 2)], [['j'], ['k']]);
  assert.is(store.get(b('k'))!.lease, 2);
  applyOne(store, put('k', 'v3'));
  assert.equal(leaseKeys(store, 2), []);
  assert.is(store.get(b('k'))!.lease, 0);
  applyAll(store, { type: 'deleteRange', key: b('j'), rangeEnd: new Uint8Array(0), prevKv: false });
  assert.equal(leaseKeys(store, 1), [], 'a deleted key leaves its lease');
});

test('revoke deletes every attached key at one revision', () => {
  const store = new KvStore();
  applyAll(store, grant(5), put('b/1', 'x', 5), put('b/2', 'y', 5), put('other', 'z'));
  assert.is(store.revision, 3);
  const out = applyOne(store, revoke(5));
  assert.equal(out, { revision: 4, result: { type: 'leaseRevoke' }, error: null });
  assert.equal(dump(store), [['other', 'z']]);
  assert.is(store.lease(5), undefined);
  const events = store.eventsSince(4, b('\0'), b('\0'));
  assert.equal(events.map((e) => [e.type, s(e.kv.key), e.kv.modRevision]), [['delete', 'b/1', 4], ['delete', 'b/2', 4]]);
  assert.is(applyOne(store, revoke(5)).error?.code, 'LeaseNotFound');
});

test('revoking a lease without keys keeps the revision', () => {
  const store = new KvStore();
  applyAll(store, grant(9), put('a', '1'));
  assert.equal(applyOne(store, revoke(9)), { revision: 1, result: { type: 'leaseRevoke' }, error: null });
  assert.equal(store.leaseIds(), []);
});

test('leaseExpire deletes the keys of all listed leases at one revision and ignores unknown ids', () => {
  const store = new KvStore();
  applyAll(store, grant(1), grant(2), grant(3), put('x', '1', 1), put('y', '2', 2), put('z', '3', 3));
  const out = applyOne(store, expire(2, 99, 1, 2));
  assert.equal(out, { revision: 4, result: { type: 'leaseExpire' }, error: null });
  assert.equal(dump(store), [['z', '3']]);
  assert.equal(store.leaseIds(), [3]);
  assert.equal(store.eventsSince(4, b('\0'), b('\0')).map((e) => s(e.kv.key)).sort(), ['x', 'y']);
  assert.is(applyOne(store, expire(99)).revision, 4, 'nothing to expire: no new revision');
});

test('leaseExtendAll changes nothing in the replicated state', () => {
  const store = new KvStore();
  applyAll(store, grant(1, 300), put('a', '1', 1));
  const before = store.toSnapshot();
  const out = applyOne(store, { type: 'leaseExtendAll' });
  assert.equal(out, { revision: 1, result: { type: 'leaseExtendAll' }, error: null });
  assert.equal({ ...store.toSnapshot(), appliedIndex: 0 }, { ...before, appliedIndex: 0 });
});

test.run();
