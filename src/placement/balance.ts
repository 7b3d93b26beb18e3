// Evening out the load: replica moves from the most to the least loaded broker, and preferred-leader
// swaps inside a partition (a swap moves no data). Each step lowers the imbalance, so both loops
// end; they stop when max − min ≤ 1 or when no legal step is left (a step never puts two replicas
// on one broker and never lowers the number of racks a partition spans).
import { racksOf } from './choose.js';
import { compareIds } from './layout.js';
import type { BrokerLoads } from './loads.js';

export interface MovablePartition {
  readonly topic: string;
  readonly partition: number;
  readonly replicationFactor: number;
  replicas: string[];
}

export interface Move {
  part: MovablePartition;
  from: string;
  to: string;
}

/** Moves replicas of `parts` until replica counts differ by at most one; returns the moves made. */
export function balanceReplicas(loads: BrokerLoads, parts: readonly MovablePartition[]): Move[] {
  const moves: Move[] = [];
  const byBroker = indexByBroker(parts, () => true);
  for (;;) {
    const move = findReplicaMove(loads, byBroker);
    if (!move) return moves;
    const { part, from, to } = move;
    const slot = part.replicas.indexOf(from);
    part.replicas[slot] = to;
    loads.removeReplica(from, slot === 0);
    loads.addReplica(to, slot === 0);
    byBroker.get(from)?.delete(part);
    byBroker.get(to)?.add(part);
    moves.push(move);
  }
}

/**
 * Reorders replicas of `parts` until preferred-leader counts differ by at most one where the replica
 * sets allow it. One step shifts one leadership along a chain of partitions (A leads a partition B
 * replicates, B leads one C replicates, ...), found breadth-first: only the chain's two ends change
 * their count, so a step always lowers the imbalance, and no replica moves.
 */
export function balanceLeaders(loads: BrokerLoads, parts: readonly MovablePartition[]): number {
  let swaps = 0;
  const ledBy = indexByBroker(parts, (_, slot) => slot === 0);
  for (;;) {
    const chain = findLeaderChain(loads, ledBy);
    if (!chain) return swaps;
    for (const { part, from, to } of chain) {
      const slot = part.replicas.indexOf(to);
      part.replicas[slot] = from;
      part.replicas[0] = to;
      ledBy.get(from)?.delete(part);
      let set = ledBy.get(to);
      if (!set) ledBy.set(to, (set = new Set()));
      set.add(part);
      swaps++;
    }
    loads.moveLeadership(chain[0]!.from, chain[chain.length - 1]!.to);
  }
}

function findReplicaMove(loads: BrokerLoads, byBroker: Map<string, Set<MovablePartition>>): Move | null {
  const ids = loads.ids();
  const donors = [...ids].sort((a, b) => loads.replicaCount(b) - loads.replicaCount(a) || compareIds(a, b));
  const takers = [...ids].sort((a, b) => loads.replicaCount(a) - loads.replicaCount(b) || compareIds(a, b));
  for (const from of donors) {
    for (const to of takers) {
      if (loads.replicaCount(from) - loads.replicaCount(to) < 2) break;
      for (const part of byBroker.get(from) ?? []) {
        if (part.replicas.includes(to)) continue;
        const after = part.replicas.map((id) => (id === from ? to : id));
        if (racksOf(loads, after) < racksOf(loads, part.replicas)) continue;
        return { part, from, to };
      }
    }
  }
  return null;
}

/** The shortest chain of swaps from the most-leading broker that can give to one leading ≥ 2 fewer. */
function findLeaderChain(loads: BrokerLoads, ledBy: Map<string, Set<MovablePartition>>): Move[] | null {
  const ids = loads.ids();
  const donors = [...ids].sort((a, b) => loads.leaderCount(b) - loads.leaderCount(a) || compareIds(a, b));
  for (const start of donors) {
    const want = loads.leaderCount(start) - 2;
    const via = new Map<string, Move>();
    const seen = new Set([start]);
    let frontier = [start];
    while (frontier.length > 0) {
      const next: string[] = [];
      for (const from of frontier) {
        for (const part of ledBy.get(from) ?? []) {
          for (const to of part.replicas) {
            if (seen.has(to) || !loads.isLive(to)) continue;
            seen.add(to);
            via.set(to, { part, from, to });
            if (loads.leaderCount(to) <= want) return chainTo(via, start, to);
            next.push(to);
          }
        }
      }
      frontier = next;
    }
  }
  return null;
}

function chainTo(via: Map<string, Move>, start: string, end: string): Move[] {
  const chain: Move[] = [];
  for (let at = end; at !== start; ) {
    const step = via.get(at)!;
    chain.unshift(step);
    at = step.from;
  }
  return chain;
}

/** Broker id → the partitions (in walk order) where it holds a replica in a slot that `keep` accepts. */
function indexByBroker(
  parts: readonly MovablePartition[],
  keep: (part: MovablePartition, slot: number) => boolean,
): Map<string, Set<MovablePartition>> {
  const index = new Map<string, Set<MovablePartition>>();
  for (const part of parts) {
    part.replicas.forEach((id, slot) => {
      if (!keep(part, slot)) return;
      let set = index.get(id);
      if (!set) index.set(id, (set = new Set()));
      set.add(part);
    });
  }
  return index;
}
