// Reading the placement state from the store: live brokers (with their rack), topics and partition
// records, and a small helper that wakes a waiter when any of several prefixes changes.
import type { KeyValueApi } from '../client/kv-api.js';
import { BROKERS_PREFIX, brokerOf, type RegisteredBroker } from '../client/registry.js';
import type { Watch } from '../client/watch.js';
import type { PlacementBroker } from './layout.js';
import { PARTITIONS_PREFIX, TOPICS_PREFIX } from './keys.js';
import { decodePartitionState, decodeTopicSpec } from './records.js';
import type { ClusterView, StoredPartition, StoredTopic } from './reconcile.js';

export async function readBrokers(kv: KeyValueApi): Promise<{ brokers: RegisteredBroker[]; revision: number }> {
  const r = await kv.range({ prefix: BROKERS_PREFIX });
  return { brokers: r.kvs.map(brokerOf), revision: r.header.revision };
}

export function placementBroker(b: RegisteredBroker): PlacementBroker {
  return { id: b.id, rack: b.metadata.rack ?? '' };
}

export async function readTopics(kv: KeyValueApi, prefix = TOPICS_PREFIX): Promise<StoredTopic[]> {
  const r = await kv.range({ prefix });
  const out: StoredTopic[] = [];
  for (const item of r.kvs) {
    const spec = decodeTopicSpec(item.valueString);
    if (spec && TOPICS_PREFIX + spec.name === item.keyString) out.push({ spec, modRevision: item.modRevision });
  }
  return out;
}

export async function readPartitions(kv: KeyValueApi, prefix = PARTITIONS_PREFIX): Promise<StoredPartition[]> {
  const r = await kv.range({ prefix });
  const out: StoredPartition[] = [];
  for (const item of r.kvs) {
    const state = decodePartitionState(item.valueString);
    if (state && item.keyString === `${PARTITIONS_PREFIX}${state.topic}/${state.partition}`) out.push({ state, modRevision: item.modRevision });
  }
  return out;
}

export async function readView(kv: KeyValueApi): Promise<ClusterView> {
  const [{ brokers }, topics, partitions] = await Promise.all([readBrokers(kv), readTopics(kv), readPartitions(kv)]);
  return { brokers: brokers.map(placementBroker), topics, partitions };
}

/** Watches several prefixes from `startRevision`; `changed(ms)` resolves true on an event, false on timeout. */
export class ChangeSignal {
  private readonly watches: Watch[];
  private pending = false;
  private wake: (() => void) | null = null;
  private failure: Error | null = null;

  constructor(kv: KeyValueApi, prefixes: string[], startRevision?: number) {
    this.watches = prefixes.map((prefix) => kv.watch({ prefix }, { startRevision }));
    for (const w of this.watches) void this.drain(w);
  }

  get ready(): Promise<void> {
    return Promise.all(this.watches.map((w) => w.ready)).then(() => undefined);
  }

  async changed(timeoutMs: number): Promise<boolean> {
    if (this.failure) throw this.failure;
    if (this.pending) {
      this.pending = false;
      return true;
    }
    let timer: NodeJS.Timeout | undefined;
    const woken = await new Promise<boolean>((resolve) => {
      this.wake = () => resolve(true);
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    clearTimeout(timer);
    this.wake = null;
    if (this.failure) throw this.failure;
    this.pending = false;
    return woken;
  }

  async cancel(): Promise<void> {
    await Promise.all(this.watches.map((w) => w.cancel()));
  }

  private async drain(w: Watch): Promise<void> {
    try {
      for await (const _ of w) this.signal();
    } catch (err) {
      this.failure = err as Error;
      this.signal();
    }
  }

  private signal(): void {
    this.pending = true;
    this.wake?.();
  }
}
