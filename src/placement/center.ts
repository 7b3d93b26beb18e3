// The placement center as a client sees it: `placement(kv)` over any KeyValueApi (a KeelClient).
import type { KeyValueApi } from '../client/kv-api.js';
import { brokerLag, waitApplied, type BrokerLag } from './barrier.js';
import { OffsetsApi } from './offsets.js';
import { TopicsApi } from './topics.js';

export interface PlacementCenter {
  readonly topics: TopicsApi;
  readonly offsets: OffsetsApi;
  /** Resolves when every live broker has reported applying `revision` (BarrierTimeoutError otherwise). */
  waitApplied(revision: number, o?: { timeoutMs?: number }): Promise<BrokerLag[]>;
  /** Each live broker's reported applied revision and its lag behind the store. */
  lag(): Promise<{ revision: number; brokers: BrokerLag[] }>;
}

export function placement(kv: KeyValueApi): PlacementCenter {
  return {
    topics: new TopicsApi(kv),
    offsets: new OffsetsApi(kv),
    waitApplied: (revision, o) => waitApplied(kv, revision, o),
    lag: () => brokerLag(kv),
  };
}
