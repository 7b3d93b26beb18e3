// The controller's one decision, as a pure function of what the store holds: which partition
// records to write so that every topic's partitions exist, sit on live brokers, and have a live
// leader. Each write names the modRevision it was computed from, so a write based on a stale read
// fails its compare instead of overwriting a newer decision.
import { electLeader } from './leader.js';
import { comparePartitions, type PartitionPlacement, type PlacementBroker, type ReplicaMove } from './layout.js';
import { place, rebalance, repair, type NewPartition } from './plan.js';
import { partitionKey, topicKey } from './keys.js';
import { samePartitionState, type PartitionState, type TopicSpec } from './records.js';

export interface StoredTopic { spec: TopicSpec; modRevision: number }
export interface StoredPartition { state: PartitionState; modRevision: number }

export interface ClusterView {
  /** Live brokers (registered now). */
  brokers: PlacementBroker[];
  topics: StoredTopic[];
  partitions: StoredPartition[];
}

export interface PartitionWrite {
  key: string;
  /** null: delete (the topic is gone, or has fewer partitions). */
  state: PartitionState | null;
  /** The partition record's modRevision the write was computed from; 0 = must not exist yet. */
  expectModRevision: number;
  /** The topic record it depends on (key and modRevision), or null for deletes. */
  topic: { key: string; modRevision: number } | null;
}

export interface ReconcileResult {
  writes: PartitionWrite[];
  moves: ReplicaMove[];
  leaderChanges: number;
  underReplicated: PartitionPlacement[];
}

/** `rebalance`: also even out replicas and preferred leaders, and move leadership to preferred leaders. */
export function reconcile(view: ClusterView, mode: 'repair' | 'rebalance' = 'repair'): ReconcileResult {
  const topics = new Map(view.topics.map((t) => [t.spec.name, t]));
  const writes: PartitionWrite[] = [];
  const kept: StoredPartition[] = [];
  for (const p of view.partitions) {
    const topic = topics.get(p.state.topic);
    if (topic && p.state.partition < topic.spec.partitions) kept.push(p);
    else writes.push({ key: partitionKey(p.state.topic, p.state.partition), state: null, expectModRevision: p.modRevision, topic: null });
  }

  const current: PartitionPlacement[] = kept.map(({ state }) => ({
    topic: state.topic, partition: state.partition, replicationFactor: state.replicationFactor, replicas: state.replicas,
  }));
  const repaired = repair(view.brokers, current);
  const balanced = mode === 'rebalance' ? rebalance(view.brokers, repaired.placements) : null;
  const placements = balanced?.placements ?? repaired.placements;

  const existing = new Set(kept.map(({ state }) => `${state.topic}/${state.partition}`));
  const missing: NewPartition[] = [];
  for (const { spec } of topics.values()) {
    for (let partition = 0; partition < spec.partitions; partition++) {
      if (!existing.has(`${spec.name}/${partition}`)) missing.push({ topic: spec.name, partition, replicationFactor: spec.replicationFactor });
    }
  }
  const placed = place(view.brokers, placements, missing);

  const live = new Set(view.brokers.map((b) => b.id));
  const before = new Map(kept.map((p) => [`${p.state.topic}/${p.state.partition}`, p]));
  let leaderChanges = 0;
  for (const p of [...placements, ...placed.placements].sort(comparePartitions)) {
    const prev = before.get(`${p.topic}/${p.partition}`);
    const choice = electLeader(p.replicas, (id) => live.has(id), prev?.state.leader ?? '', mode === 'rebalance');
    const state: PartitionState = {
      topic: p.topic, partition: p.partition, replicationFactor: p.replicationFactor, replicas: [...p.replicas],
      leader: choice.leader,
      leaderEpoch: prev ? prev.state.leaderEpoch + (choice.leader !== prev.state.leader ? 1 : 0) : 0,
    };
    if (prev && samePartitionState(prev.state, state)) continue;
    if (prev && choice.leader !== prev.state.leader) leaderChanges++;
    const topic = topics.get(p.topic)!;
    writes.push({
      key: partitionKey(p.topic, p.partition), state, expectModRevision: prev?.modRevision ?? 0,
      topic: { key: topicKey(p.topic), modRevision: topic.modRevision },
    });
  }
  return {
    writes,
    moves: [...repaired.moves, ...(balanced?.moves ?? [])],
    leaderChanges,
    underReplicated: [...placements, ...placed.placements].filter((p) => p.replicas.length < p.replicationFactor),
  };
}
