// The one rule for picking a broker for a replica slot, shared by placement of new partitions and by
// repair: never a broker the partition already has; a rack the partition does not use yet when
// there is one; then the least loaded (by preferred leaderships first for slot 0, by replicas
// first otherwise); then the smaller id, so the choice is deterministic.
import type { BrokerLoads } from './loads.js';

export function chooseBroker(
  loads: BrokerLoads,
  members: readonly string[],
  asLeader: boolean,
): string | null {
  const usedRacks = new Set(members.filter((id) => loads.isLive(id)).map((id) => loads.rackOf(id)));
  let best: string | null = null;
  let bestKey: number[] = [];
  for (const id of loads.ids()) {
    if (members.includes(id)) continue;
    const key = [
      usedRacks.has(loads.rackOf(id)) ? 1 : 0,
      asLeader ? loads.leaderCount(id) : loads.replicaCount(id),
      asLeader ? loads.replicaCount(id) : loads.leaderCount(id),
    ];
    if (best === null || lessThan(key, bestKey)) {
      best = id;
      bestKey = key;
    }
  }
  return best;
}

/** Distinct racks of the live brokers among `replicas`. */
export function racksOf(loads: BrokerLoads, replicas: readonly string[]): number {
  return new Set(replicas.filter((id) => loads.isLive(id)).map((id) => loads.rackOf(id))).size;
}

function lessThan(a: number[], b: number[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]!;
  return false;
}
