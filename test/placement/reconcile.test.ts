// The controller's decision as a pure function: what it writes for new topics, lost brokers,
// deleted topics, and leaders — and that it writes nothing when all is in order.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { reconcile, type ClusterView } from '../../src/placement/reconcile.js';
import type { PartitionState } from '../../src/placement/records.js';
import { decodePartitionState, decodeTopicSpec, encodeRecord } from '../../src/placement/records.js';
import { parseOffsetEntry } from '../../src/cli/placement-commands.js';

const brokers = ['a', 'b', 'c', 'd'].map((id, i) => ({ id, rack: `r${i % 2}` }));
const topic = (name: string, partitions: number, rf = 2, modRevision = 10) => ({ spec: { name, partitions, replicationFactor: rf, config: {} }, modRevision });

function applied(view: ClusterView): ClusterView {
  const r = reconcile(view);
  const byKey = new Map(view.partitions.map((p) => [`/keel/partitions/${p.state.topic}/${p.state.partition}`, p]));
  for (const w of r.writes) {
    if (w.state) byKey.set(w.key, { state: w.state, modRevision: 100 });
    else byKey.delete(w.key);
  }
  return { ...view, partitions: [...byKey.values()] };
}

test('new topic: every partition placed on distinct brokers over both racks, leader = preferred, epoch 0', () => {
  const r = reconcile({ brokers, topics: [topic('t', 4)], partitions: [] });
  assert.is(r.writes.length, 4);
  for (const w of r.writes) {
    assert.is(w.expectModRevision, 0);
    assert.equal(w.topic, { key: '/keel/topics/t', modRevision: 10 });
    const s = w.state!;
    assert.is(new Set(s.replicas).size, 2);
    assert.is(new Set(s.replicas.map((id) => brokers.find((b) => b.id === id)!.rack)).size, 2);
    assert.is(s.leader, s.replicas[0]);
    assert.is(s.leaderEpoch, 0);
  }
});

test('a settled view needs no write', () => {
  const view = applied({ brokers, topics: [topic('t', 4)], partitions: [] });
  assert.equal(reconcile(view).writes, []);
});

test('a lost broker: its replicas move, partitions it led get a new leader and epoch + 1, nothing else changes', () => {
  const view = applied({ brokers, topics: [topic('t', 8)], partitions: [] });
  const live = brokers.filter((b) => b.id !== 'a');
  const r = reconcile({ ...view, brokers: live });
  const touched = view.partitions.filter((p) => p.state.replicas.includes('a'));
  assert.is(r.writes.length, touched.length);
  assert.is(r.moves.length, touched.length);
  for (const w of r.writes) {
    const before = view.partitions.find((p) => p.state.partition === w.state!.partition)!;
    assert.is(w.expectModRevision, before.modRevision);
    assert.not.ok(w.state!.replicas.includes('a'));
    const ledByA = before.state.leader === 'a';
    assert.is(w.state!.leaderEpoch, before.state.leaderEpoch + (ledByA ? 1 : 0));
    if (!ledByA) assert.is(w.state!.leader, before.state.leader, 'a live leader keeps leading');
  }
});

test('every replica gone: the partition goes offline (leader "") and is under-replicated, then comes back', () => {
  const view = applied({ brokers: brokers.slice(0, 2), topics: [topic('t', 1)], partitions: [] });
  const offline = reconcile({ ...view, brokers: [] });
  assert.is(offline.writes[0]!.state!.leader, '');
  assert.is(offline.writes[0]!.state!.replicas.length, 0);
  assert.is(offline.underReplicated.length, 1);
  const after = applied({ ...view, brokers: [] });
  const back = reconcile({ ...after, brokers });
  assert.is(back.writes[0]!.state!.replicas.length, 2);
  assert.is(back.writes[0]!.state!.leaderEpoch, 2, 'a -> "" -> new leader: two changes');
});

test('partitions of a deleted topic, or beyond its count, are deleted', () => {
  const view = applied({ brokers, topics: [topic('t', 3), topic('u', 2)], partitions: [] });
  const r = reconcile({ ...view, topics: [topic('t', 3)] });
  assert.equal(r.writes.map((w) => [w.key, w.state]), [['/keel/partitions/u/0', null], ['/keel/partitions/u/1', null]]);
});

test('records decode what they encode and refuse malformed values', () => {
  const s: PartitionState = { topic: 't', partition: 3, replicationFactor: 2, replicas: ['a', 'b'], leader: 'a', leaderEpoch: 4 };
  assert.equal(decodePartitionState(encodeRecord(s)), s);
  assert.is(decodePartitionState('{"topic":"t"}'), null);
  assert.is(decodePartitionState('not json'), null);
  assert.is(decodeTopicSpec('{"name":"t","partitions":0,"replicationFactor":1}'), null);
});

test('offset entries: topic:partition=offset[@expected|@none]', () => {
  assert.equal(parseOffsetEntry('orders:3=42'), { topic: 'orders', partition: 3, offset: 42 });
  assert.equal(parseOffsetEntry('orders:3=42@40'), { topic: 'orders', partition: 3, offset: 42, expected: 40 });
  assert.equal(parseOffsetEntry('orders:3=42@none'), { topic: 'orders', partition: 3, offset: 42, expected: null });
  assert.throws(() => parseOffsetEntry('orders=42'), /bad offset entry/);
});

test.run();

