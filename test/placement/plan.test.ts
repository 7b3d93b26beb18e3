// Property tests of the placement plans: random broker sets, racks, failures and joins, each run a
// function of its seed (printed when an assertion fails).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { electLeader, place, rebalance, repair, type PartitionPlacement, type PlacementBroker } from '../../src/placement/index.js';
import { Rng } from '../raft/sim/rng.js';

const SEEDS = 300;

function brokersOf(rng: Rng, count: number, racks: number): PlacementBroker[] {
  return Array.from({ length: count }, (_, i) => ({ id: `b${String(i).padStart(3, '0')}`, rack: racks === 0 ? '' : `r${i % racks}` }));
}

function topics(rng: Rng, rf: number): { topic: string; partition: number; replicationFactor: number }[] {
  const out = [];
  const n = rng.int(1, 6);
  for (let t = 0; t < n; t++) {
    const parts = rng.int(1, 24);
    for (let p = 0; p < parts; p++) out.push({ topic: `t${t}`, partition: p, replicationFactor: rf });
  }
  return out;
}

function shuffled<T>(rng: Rng, xs: readonly T[]): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function counts(brokers: readonly PlacementBroker[], parts: readonly PartitionPlacement[]) {
  const replicas = new Map(brokers.map((b) => [b.id, 0]));
  const leaders = new Map(brokers.map((b) => [b.id, 0]));
  for (const p of parts) {
    p.replicas.forEach((id, slot) => {
      replicas.set(id, (replicas.get(id) ?? 0) + 1);
      if (slot === 0) leaders.set(id, (leaders.get(id) ?? 0) + 1);
    });
  }
  const spread = (m: Map<string, number>) => Math.max(...m.values()) - Math.min(...m.values());
  return { replicas, leaders, replicaSpread: spread(replicas), leaderSpread: spread(leaders) };
}

function checkPlacement(seed: number, brokers: readonly PlacementBroker[], parts: readonly PartitionPlacement[]): void {
  const live = new Map(brokers.map((b) => [b.id, b.rack]));
  const racks = new Set(brokers.map((b) => b.rack)).size;
  for (const p of parts) {
    const where = `seed ${seed} ${p.topic}/${p.partition} ${p.replicas.join(',')}`;
    assert.is(new Set(p.replicas).size, p.replicas.length, `distinct replicas: ${where}`);
    for (const id of p.replicas) assert.ok(live.has(id), `replica on a live broker: ${where}`);
    assert.is(p.replicas.length, Math.min(p.replicationFactor, brokers.length), `replica count: ${where}`);
    const spanned = new Set(p.replicas.map((id) => live.get(id))).size;
    assert.is(spanned, Math.min(p.replicas.length, racks), `rack spread: ${where}`);
  }
}

test('place: distinct live replicas over as many racks as possible, balanced, deterministic', () => {
  for (let seed = 1; seed <= SEEDS; seed++) {
    const rng = new Rng(seed);
    const racks = rng.pick([0, 1, 2, 3]);
    const count = rng.int(Math.max(1, racks), 12);
    // Balance is promised where the racks allow it: equal-sized racks (or none).
    const balancedRacks = racks === 0 || count % racks === 0;
    const brokers = brokersOf(rng, count, racks);
    const rf = rng.int(1, 4);
    const wanted = topics(rng, rf);
    const { placements, moves, underReplicated } = place(brokers, [], wanted);
    assert.is(moves.length, 0);
    assert.is(placements.length, wanted.length);
    checkPlacement(seed, brokers, placements);
    assert.is(underReplicated.length, rf > count ? wanted.length : 0, `seed ${seed}`);
    if (balancedRacks) {
      const c = counts(brokers, placements);
      assert.ok(c.replicaSpread <= 1, `seed ${seed}: replica spread ${c.replicaSpread}`);
      assert.ok(c.leaderSpread <= 1, `seed ${seed}: leader spread ${c.leaderSpread}`);
    }
    const again = place(shuffled(rng, brokers), [], shuffled(rng, wanted));
    assert.equal(again.placements, placements, `seed ${seed}: deterministic`);
  }
});

test('place: a second topic evens out the load the first one left', () => {
  const brokers = brokersOf(new Rng(1), 6, 3);
  const first = place(brokers, [], [{ topic: 'a', partition: 0, replicationFactor: 3 }]).placements;
  const second = place(brokers, first, Array.from({ length: 5 }, (_, p) => ({ topic: 'b', partition: p, replicationFactor: 3 }))).placements;
  const c = counts(brokers, [...first, ...second]);
  assert.is(c.replicaSpread, 0);
  assert.is(c.leaderSpread, 0);
});

test('repair: only replicas on gone brokers move, each to a live broker not already in the partition', () => {
  for (let seed = 1; seed <= SEEDS; seed++) {
    const rng = new Rng(seed);
    const racks = rng.pick([0, 2, 3]);
    const count = rng.int(Math.max(3, racks), 12);
    const brokers = brokersOf(rng, count, racks);
    const rf = rng.int(1, 3);
    const before = place(brokers, [], topics(rng, rf)).placements;
    const gone = new Set(shuffled(rng, brokers).slice(0, rng.int(1, count - 1)).map((b) => b.id));
    const live = brokers.filter((b) => !gone.has(b.id));
    const { placements, moves, underReplicated } = repair(live, before);
    checkPlacement(seed, live, placements);
    const lost = before.reduce((n, p) => n + p.replicas.filter((id) => gone.has(id)).length, 0);
    const dropped = moves.filter((m) => m.to === '').length;
    const added = moves.filter((m) => m.from === '').length;
    assert.is(moves.length - added, lost, `seed ${seed}: one move per lost replica`);
    assert.is(dropped, live.length < rf ? before.reduce((n, p) => n + Math.max(0, Math.min(p.replicas.filter((id) => gone.has(id)).length, rf - live.length)), 0) : 0, `seed ${seed}: drops only without enough brokers`);
    before.forEach((p, i) => {
      const survivors = p.replicas.filter((id) => !gone.has(id));
      assert.equal(placements[i]!.replicas.filter((id) => survivors.includes(id)), survivors, `seed ${seed}: survivors stay, in order`);
    });
    assert.is(underReplicated.length > 0, live.length < rf, `seed ${seed}: under-replicated only without enough brokers`);
  }
});

test('rebalance: after brokers join, counts even out with no more moves than the surplus', () => {
  for (let seed = 1; seed <= SEEDS; seed++) {
    const rng = new Rng(seed);
    const count = rng.int(3, 9);
    const joined = rng.int(1, 4);
    const all = brokersOf(rng, count + joined, 0);
    const rf = rng.int(1, 3);
    const before = place(all.slice(0, count), [], topics(rng, rf)).placements;
    const { placements, moves } = rebalance(all, before);
    checkPlacement(seed, all, placements);
    const c = counts(all, placements);
    assert.ok(c.replicaSpread <= 1, `seed ${seed}: replica spread ${c.replicaSpread}`);
    assert.ok(c.leaderSpread <= 1, `seed ${seed}: leader spread ${c.leaderSpread}`);
    const total = before.reduce((n, p) => n + p.replicas.length, 0);
    const old = counts(all, before).replicas;
    const floor = Math.floor(total / all.length);
    const lowerBound = [...old.values()].reduce((n, v) => n + Math.max(0, v - Math.ceil(total / all.length)), 0);
    const upperBound = [...old.values()].reduce((n, v) => n + Math.max(0, v - floor), 0);
    assert.ok(moves.length >= lowerBound && moves.length <= upperBound, `seed ${seed}: ${moves.length} moves, bounds ${lowerBound}..${upperBound}`);
    assert.equal(rebalance(all, placements).moves, [], `seed ${seed}: a balanced cluster stays put`);
  }
});

test('rebalance never lowers a partition\'s rack spread', () => {
  const brokers = brokersOf(new Rng(1), 4, 2);
  const before = place(brokers, [], Array.from({ length: 8 }, (_, p) => ({ topic: 't', partition: p, replicationFactor: 2 }))).placements;
  const more = [...brokers, { id: 'c1', rack: 'r0' }, { id: 'c2', rack: 'r1' }];
  const { placements } = rebalance(more, before);
  checkPlacement(1, more, placements);
});

test('electLeader keeps a live leader, else takes the first live replica in preference order', () => {
  const live = (ids: string[]) => (id: string) => ids.includes(id);
  assert.equal(electLeader(['a', 'b', 'c'], live(['a', 'b', 'c']), 'b'), { leader: 'b', changed: false });
  assert.equal(electLeader(['a', 'b', 'c'], live(['a', 'c']), 'b'), { leader: 'a', changed: true });
  assert.equal(electLeader(['a', 'b', 'c'], live(['b', 'c']), 'a'), { leader: 'b', changed: true });
  assert.equal(electLeader(['a', 'b', 'c'], live(['a', 'b', 'c']), 'b', true), { leader: 'a', changed: true });
  assert.equal(electLeader(['a', 'b'], live([]), 'a'), { leader: '', changed: true });
  assert.equal(electLeader(['a', 'b'], live(['a']), ''), { leader: 'a', changed: true });
});

test.run();
