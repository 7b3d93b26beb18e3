// The three placement decisions the controller and the CLI make, as pure functions:
//  - place: replicas for new partitions (topic create, add partitions),
//  - repair: replicas that sat on brokers that are gone move to live ones, and nothing else moves,
//  - rebalance: an explicit evening-out after brokers join, moving as little as it can.
// Same inputs, same output: the order of brokers and partitions given does not matter.
import { balanceLeaders, balanceReplicas, type MovablePartition } from './balance.js';
import { chooseBroker } from './choose.js';
import { comparePartitions, type PartitionPlacement, type PlacementBroker, type ReplicaMove } from './layout.js';
import { BrokerLoads } from './loads.js';

export interface NewPartition {
  readonly topic: string;
  readonly partition: number;
  readonly replicationFactor: number;
}

export interface PlanResult {
  /** Every partition given, in (topic, partition) order, with its new replicas. */
  readonly placements: PartitionPlacement[];
  /** Replica moves relative to the input (empty for new partitions). */
  readonly moves: ReplicaMove[];
  /** Partitions left with fewer replicas than their replication factor (not enough live brokers). */
  readonly underReplicated: PartitionPlacement[];
}

/**
 * Places `wanted` partitions on `brokers`, given the partitions already placed (`existing`, whose
 * load counts but which do not move). Each new partition gets min(rf, live brokers) distinct brokers,
 * over as many racks as it can; new replicas and preferred leaders even out the cluster's counts.
 */
export function place(
  brokers: readonly PlacementBroker[],
  existing: readonly PartitionPlacement[],
  wanted: readonly NewPartition[],
): PlanResult {
  const loads = new BrokerLoads(brokers, existing);
  const parts: MovablePartition[] = [...wanted].sort(comparePartitions).map((w) => ({ ...w, replicas: [] }));
  for (const part of parts) {
    while (part.replicas.length < part.replicationFactor) {
      const id = chooseBroker(loads, part.replicas, part.replicas.length === 0);
      if (id === null) break;
      part.replicas.push(id);
    }
    loads.addPartition(part.replicas);
  }
  balanceReplicas(loads, parts);
  balanceLeaders(loads, parts);
  return result(parts, []);
}

/**
 * Moves every replica that sits on a broker not in `brokers` to a live broker (keeping its slot, so
 * a lost preferred leader is replaced in place), and tops up partitions below their replication
 * factor. Replicas on live brokers never move: the number of moves is the number of lost replicas.
 */
export function repair(brokers: readonly PlacementBroker[], current: readonly PartitionPlacement[]): PlanResult {
  const loads = new BrokerLoads(brokers, current);
  const parts = toMovable(current);
  const moves: ReplicaMove[] = [];
  for (const part of parts) {
    const next: string[] = [];
    part.replicas.forEach((id, slot) => {
      if (loads.isLive(id)) {
        next.push(id);
        return;
      }
      const members = [...next, ...part.replicas.slice(slot + 1)];
      const to = chooseBroker(loads, members, next.length === 0);
      moves.push({ topic: part.topic, partition: part.partition, from: id, to: to ?? '' });
      if (to === null) return;
      next.push(to);
      loads.addReplica(to, next.length === 1);
    });
    while (next.length < part.replicationFactor) {
      const to = chooseBroker(loads, next, next.length === 0);
      if (to === null) break;
      next.push(to);
      loads.addReplica(to, next.length === 1);
      moves.push({ topic: part.topic, partition: part.partition, from: '', to });
    }
    part.replicas = next;
  }
  return result(parts, moves);
}

/** Evens out replica and preferred-leader counts over live brokers with as few replica moves as it finds. */
export function rebalance(brokers: readonly PlacementBroker[], current: readonly PartitionPlacement[]): PlanResult {
  const loads = new BrokerLoads(brokers, current);
  const parts = toMovable(current);
  const moves = balanceReplicas(loads, parts).map(({ part, from, to }) => ({ topic: part.topic, partition: part.partition, from, to }));
  balanceLeaders(loads, parts);
  return result(parts, moves);
}

function toMovable(current: readonly PartitionPlacement[]): MovablePartition[] {
  return [...current].sort(comparePartitions).map((p) => ({ ...p, replicas: [...p.replicas] }));
}

function result(parts: MovablePartition[], moves: ReplicaMove[]): PlanResult {
  const placements = parts.map((p) => ({ topic: p.topic, partition: p.partition, replicationFactor: p.replicationFactor, replicas: [...p.replicas] }));
  return { placements, moves, underReplicated: placements.filter((p) => p.replicas.length < p.replicationFactor) };
}
