// The KV projection: public entry point of src/store.
export { KvStore, STORE_DEFAULTS, type KvStoreOptions } from './kv-store.js';
export { LeaseClock } from './lease-clock.js';
export {
  WatchHub, type WatchBatch, type WatchEndHandler, type WatchHandle, type WatchOptions, type WatchSink, type WatchSource,
} from './watch-hub.js';
export type { LeaseInfo } from './leases.js';
export type { DedupClientSnapshot, DedupOutcomeSnapshot, LeaseSnapshot, StoreSnapshot } from './snapshot.js';
export { validateOp, checkRange } from './validate.js';
