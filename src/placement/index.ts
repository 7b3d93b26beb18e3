export { place, repair, rebalance, type NewPartition, type PlanResult } from './plan.js';
export { electLeader } from './leader.js';
export type { PartitionPlacement, PlacementBroker, ReplicaMove } from './layout.js';
