// The public entry point of the `keel` package: `import { connect, cmp, op } from 'keel'`.
export { connect, KeelClient, MAX_WRITES_IN_FLIGHT } from './client.js';
export type { ConnectOptions, GetOptions, RangeQuery } from './client.js';
export { cmp, op, TxnBuilder } from './txn.js';
export type { CompareOperator, DeleteOptions, PutOptions, RangeOptions, TxnSpec } from './txn.js';
export { KeyValueView } from './results.js';
export type * from './results.js';
export { prefixEnd, toBytes, bytesToString } from './bytes.js';
export type { KeyLike, ValueLike, KeySelector } from './bytes.js';
export { LeaseApi } from './lease.js';
export * from '../codec/errors.js';
export type { Limits } from '../codec/limits.js';
export type { KeyValue, ResponseHeader, StatusResult, Member, Compare, TxnOp } from '../codec/types.js';
export { Watch, NODE_SILENCE_MS } from './watch.js';
export type { WatchOptions, WatchEventView } from './watch.js';
export { LeaseKeepAlive } from './lease-keepalive.js';
export type { KeepAliveOptions } from './lease-keepalive.js';
export { BROKERS_PREFIX } from './registry.js';
export type { BrokerInfo, BrokerRegistration, HeartbeatOptions, NodeChange, RegisterOptions, RegisteredBroker } from './registry.js';
export { APPLIED_PREFIX, appliedKey, brokerKey } from './broker-keys.js';
export type { KeyValueApi } from './kv-api.js';
export { Election, ELECTIONS_PREFIX, LOCKS_PREFIX, Session } from './recipes/index.js';
export type { CampaignOptions, LeaderInfo, Leadership, LockHandle, LockOptions, SessionOptions } from './recipes/index.js';
export { placement } from '../placement/center.js';
export type { PlacementCenter } from '../placement/center.js';
export type {
  BrokerLag, CommittedOffset, CreateTopicOptions, OffsetCommit, OffsetCommitResult, PartitionDescription, PartitionState,
  RebalanceResult, TopicDescription, TopicSpec,
} from '../placement/index.js';
export { fenceGuards } from './fence.js';
export type { Fence, FenceOption } from './fence.js';
