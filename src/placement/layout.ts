// The data the placement algorithms work on: live brokers (with their rack) and each partition's
// ordered replica list. replicas[0] is the partition's preferred leader. The algorithms are pure
// functions of these values, so the controller, the CLI preview and the property tests all see the
// same result for the same inputs.

export interface PlacementBroker {
  readonly id: string;
  /** '' when the broker did not say: all such brokers count as one rack. */
  readonly rack: string;
}

export interface PartitionPlacement {
  readonly topic: string;
  readonly partition: number;
  /** How many replicas the partition should have. */
  readonly replicationFactor: number;
  /** Broker ids, distinct; [0] is the preferred leader. Fewer than replicationFactor = under-replicated. */
  readonly replicas: readonly string[];
}

/** One replica moving from a broker to another (from '' = a replica added, to '' = one dropped). */
export interface ReplicaMove {
  readonly topic: string;
  readonly partition: number;
  readonly from: string;
  readonly to: string;
}

export function partitionKey(p: { topic: string; partition: number }): string {
  return `${p.topic}/${p.partition}`;
}

/** Topic by name (bytewise), then partition number: the one order every algorithm walks in. */
export function comparePartitions(a: { topic: string; partition: number }, b: { topic: string; partition: number }): number {
  if (a.topic !== b.topic) return a.topic < b.topic ? -1 : 1;
  return a.partition - b.partition;
}

export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Number of distinct racks among the given brokers. */
export function rackCount(brokers: readonly PlacementBroker[]): number {
  return new Set(brokers.map((b) => b.rack)).size;
}
