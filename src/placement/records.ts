// The JSON values under /keel/topics/ and /keel/partitions/, and their decoding: a value that does
// not decode (written by hand, say) is reported as null, and the controller leaves it alone.

export interface TopicSpec {
  name: string;
  partitions: number;
  replicationFactor: number;
  config: Record<string, string>;
}

export interface PartitionState {
  topic: string;
  partition: number;
  replicationFactor: number;
  /** Broker ids; [0] is the preferred leader. Fewer than replicationFactor: under-replicated. */
  replicas: string[];
  /** '' when no replica is live (offline). */
  leader: string;
  /** Grows by one on every change of leader. */
  leaderEpoch: number;
}

export function encodeRecord(value: TopicSpec | PartitionState): string {
  return JSON.stringify(value);
}

export function decodeTopicSpec(text: string): TopicSpec | null {
  const v = parse(text);
  if (!v || typeof v.name !== 'string' || !isCount(v.partitions) || !isCount(v.replicationFactor)) return null;
  const config = v.config && typeof v.config === 'object' ? (v.config as Record<string, string>) : {};
  return { name: v.name, partitions: v.partitions as number, replicationFactor: v.replicationFactor as number, config };
}

export function decodePartitionState(text: string): PartitionState | null {
  const v = parse(text);
  if (!v || typeof v.topic !== 'string' || !isIndex(v.partition) || !isCount(v.replicationFactor)) return null;
  if (!Array.isArray(v.replicas) || !v.replicas.every((r) => typeof r === 'string')) return null;
  if (typeof v.leader !== 'string' || !isIndex(v.leaderEpoch)) return null;
  return {
    topic: v.topic, partition: v.partition as number, replicationFactor: v.replicationFactor as number,
    replicas: v.replicas as string[], leader: v.leader, leaderEpoch: v.leaderEpoch as number,
  };
}

export function samePartitionState(a: PartitionState, b: PartitionState): boolean {
  return a.leader === b.leader && a.leaderEpoch === b.leaderEpoch && a.replicationFactor === b.replicationFactor
    && a.replicas.length === b.replicas.length && a.replicas.every((id, i) => id === b.replicas[i]);
}

function parse(text: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function isCount(n: unknown): boolean {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 1;
}

function isIndex(n: unknown): boolean {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}
