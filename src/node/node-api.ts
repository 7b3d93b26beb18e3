// What the API handler, membership and backups may ask of a running node: typed calls, no access to
// its store, Raft, log or options. KeelNode implements these; errors already come out as KeelErrors
// (a proposal refused because this node is not the leader is a NotLeaderError, mapped once in node.ts).
import type { ApplyOutcome, Command, RangeOp, RangeResult } from '../codec/types.js';
import type { ConfChange, ConfState, Role } from '../raft/types.js';
import type { LeaseKeeper } from './lease-keeper.js';
import type { ReadBatcher } from './read-batcher.js';
import type { Snapshotter } from './snapshotter.js';
import type { WatchService } from './watch-service.js';
import type { Logger } from 'pino';

export interface NodeStatus {
  id: string;
  role: Role;
  leader: string;
  term: number;
  conf: ConfState;
  commitIndex: number;
  appliedIndex: number;
  firstIndex: number;
  lastIndex: number;
  logBytes: number;
  revision: number;
  compactRevision: number;
  /** Keys in the projection, leases held, clients in the dedup table. */
  keys: number;
  leases: number;
  dedupClients: number;
}

/** Membership changes (membership.ts). */
export interface MembershipNode {
  readonly isLeader: boolean;
  readonly leader: string;
  /** The configuration as of the last applied config entry. */
  conf(): ConfState;
  /**
   * Proposes a membership change (leader only); returns its config entry's index and term. Throws
   * NotLeaderError, or raft's ConfChangeRejectedError (with its `reason`).
   */
  proposeConfChange(cc: ConfChange): { index: number; term: number };
  /** Resolves once this node has applied `index` (projection and Raft configuration); TimeoutError after timeoutMs. */
  waitApplied(index: number, timeoutMs: number, what: string): Promise<void>;
  /**
   * Hands leadership to the voter `to` ('' = the most caught-up one) and resolves with the new leader
   * once this node has stepped down. NotLeaderError; TimeoutError when no leader took over in time.
   */
  transferLeadership(to: string, timeoutMs: number): Promise<string>;
  /** Term of the entry at `index` in this node's log (undefined if compacted or absent). */
  logTerm(index: number): number | undefined;
}

/** Backups (snapshot-save.ts). */
export interface BackupNode {
  readonly id: string;
  readonly logger: Logger;
  readonly reads: ReadBatcher;
  readonly snapshots: Snapshotter;
}

/** The client API (api-handler.ts). */
export interface ApiNode extends MembershipNode, BackupNode {
  readonly term: number;
  readonly leases: LeaseKeeper;
  readonly watches: WatchService;
  /** Proposes a write and resolves with its outcome once applied here. NotLeaderError / TimeoutError. */
  write(cmd: Command, timeoutMs: number): Promise<ApplyOutcome>;
  /**
   * Reads the local projection (callers wait for a read index first when linearizable), now or at
   * `at.revision`, at most `at.maxBytes` of key-values (one page): see KvStore.range.
   */
  range(op: RangeOp, at?: { revision?: number; maxBytes?: number }): RangeResult;
  /** Shortest lease TTL granted (NodeOptions.minLeaseTtlMs). */
  readonly minLeaseTtlMs: number;
  /** The NATS server's max_payload (no reply may be larger). */
  readonly maxPayload: number;
  /** The configured byte budget of one range page (undefined: the default). */
  readonly rangePageBytes: number | undefined;
  leaseIds(): number[];
  /** Active alarms (NOSPACE); disarmAlarms clears them (raised again while the cause remains). */
  alarms(): string[];
  disarmAlarms(): void;
  /** The projection's current revision. */
  readonly revision: number;
  status(): NodeStatus;
  /** True when this node leads, or heard from its leader within an election timeout (else serializable reads refuse). */
  hasLiveLeader(): boolean;
}
