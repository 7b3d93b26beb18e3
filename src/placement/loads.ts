// How many replicas and preferred leaderships each live broker carries: the counts every placement
// decision balances. Replicas on brokers that are not live are not counted (they are about to move).
import { compareIds, type PartitionPlacement, type PlacementBroker } from './layout.js';

export class BrokerLoads {
  private readonly replicas = new Map<string, number>();
  private readonly leaders = new Map<string, number>();
  private readonly racks = new Map<string, string>();

  constructor(brokers: readonly PlacementBroker[], partitions: readonly PartitionPlacement[] = []) {
    for (const b of brokers) {
      this.replicas.set(b.id, 0);
      this.leaders.set(b.id, 0);
      this.racks.set(b.id, b.rack);
    }
    for (const p of partitions) this.addPartition(p.replicas);
  }

  isLive(id: string): boolean {
    return this.racks.has(id);
  }

  rackOf(id: string): string {
    return this.racks.get(id) ?? '';
  }

  /** Live broker ids in id order. */
  ids(): string[] {
    return [...this.racks.keys()].sort(compareIds);
  }

  replicaCount(id: string): number {
    return this.replicas.get(id) ?? 0;
  }

  leaderCount(id: string): number {
    return this.leaders.get(id) ?? 0;
  }

  addPartition(replicas: readonly string[]): void {
    replicas.forEach((id, slot) => this.addReplica(id, slot === 0));
  }

  addReplica(id: string, leader: boolean): void {
    if (!this.isLive(id)) return;
    this.replicas.set(id, this.replicaCount(id) + 1);
    if (leader) this.leaders.set(id, this.leaderCount(id) + 1);
  }

  removeReplica(id: string, leader: boolean): void {
    if (!this.isLive(id)) return;
    this.replicas.set(id, this.replicaCount(id) - 1);
    if (leader) this.leaders.set(id, this.leaderCount(id) - 1);
  }

  moveLeadership(from: string, to: string): void {
    if (this.isLive(from)) this.leaders.set(from, this.leaderCount(from) - 1);
    if (this.isLive(to)) this.leaders.set(to, this.leaderCount(to) + 1);
  }

  /** max − min of the replica counts over live brokers (0 with none). */
  replicaSpread(): number {
    return spread([...this.replicas.values()]);
  }

  leaderSpread(): number {
    return spread([...this.leaders.values()]);
  }
}

function spread(counts: number[]): number {
  return counts.length === 0 ? 0 : Math.max(...counts) - Math.min(...counts);
}
