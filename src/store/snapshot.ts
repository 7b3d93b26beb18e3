// The plain shape of a store snapshot (numbers, strings, booleans, Uint8Array, arrays, nullable
// objects; no Maps), ready for an Avro schema. Keys of a lease are not stored: they are the kvs whose
// `lease` names it. Watch history is not part of a snapshot: a restored store serves events from
// `revision + 1` on.
import type { KeyValue } from '../codec/types.js';
import type { DedupClientSnapshot } from './dedup.js';

export type { DedupClientSnapshot, DedupOutcomeSnapshot } from './dedup.js';

export interface LeaseSnapshot {
  id: number;
  ttlMs: number;
}

export interface StoreSnapshot {
  revision: number;
  compactRevision: number;
  /** The raft log index of the last entry applied (or skipped) before the snapshot. */
  appliedIndex: number;
  /** Live key-values, bytewise ordered by key. */
  kvs: KeyValue[];
  /** By ascending id. */
  leases: LeaseSnapshot[];
  /** Exactly-once table, least recently seen client first. */
  clients: DedupClientSnapshot[];
}

/** A StoreSnapshot whose key-values are read in blocks (KvStore.snapshotView), not held as one array. */
export interface StoreSnapshotView extends Omit<StoreSnapshot, 'kvs'> {
  kvCount: number;
  /** The key-values in key order, `blockKvs` at a time (the last block may be shorter). */
  kvBlocks(blockKvs: number): Iterable<KeyValue[]>;
}
