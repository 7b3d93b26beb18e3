// The shapes that cross Keel's boundaries: replicated commands (inside log entries), their results,
// watch events, and the request/response bodies of the client API. The Avro schemas in schemas/
// mirror these types exactly; src/codec converts between the two.
//
// Conventions (as etcd): keys and values are bytes, ordered bytewise. A key range is
// `key` + `rangeEnd`: an empty rangeEnd means the single key `key`; rangeEnd = prefixEnd(key)
// means "every key with prefix `key`"; rangeEnd = [0x00] means "every key >= key".
// Numbers (indexes, revisions, lease ids, ttls) are JS numbers: Avro longs within 2^53.

export type Bytes = Uint8Array;

/** Identifies a client write for exactly-once application: a retry carries the same pair. */
export interface RequestId {
  clientId: string;
  seq: number;
}

// ---------------------------------------------------------------- stored key-values

export interface KeyValue {
  key: Bytes;
  value: Bytes;
  createRevision: number;
  modRevision: number;
  /** 1 on creation, +1 on each put; a deleted key starts again at 1. */
  version: number;
  /** 0 when the key is not attached to a lease. */
  lease: number;
}

// ---------------------------------------------------------------- operations

export interface PutOp {
  type: 'put';
  key: Bytes;
  value: Bytes;
  /** 0 = no lease. */
  lease: number;
  prevKv: boolean;
}

export interface DeleteRangeOp {
  type: 'deleteRange';
  key: Bytes;
  rangeEnd: Bytes;
  prevKv: boolean;
}

export interface RangeOp {
  type: 'range';
  key: Bytes;
  rangeEnd: Bytes;
  /** 0 = no limit. */
  limit: number;
  keysOnly: boolean;
  countOnly: boolean;
}

/** An operation inside a transaction's then/else branch. */
export type TxnOp = PutOp | DeleteRangeOp | RangeOp;

export type CompareTarget = 'value' | 'version' | 'createRevision' | 'modRevision' | 'lease';
export type CompareResult = 'equal' | 'notEqual' | 'greater' | 'less';

export interface Compare {
  key: Bytes;
  /** Empty: compare the single key; otherwise every key in [key, rangeEnd) must satisfy it. */
  rangeEnd: Bytes;
  target: CompareTarget;
  result: CompareResult;
  /** Used when target = 'value'. */
  value: Bytes;
  /** Used for version / createRevision / modRevision / lease. A missing key has 0 for all. */
  number: number;
}

export interface TxnOpRequest {
  compare: Compare[];
  success: TxnOp[];
  failure: TxnOp[];
  /**
   * Fencing: when any of these fails, neither branch runs and the txn answers Fenced (a stale
   * broker epoch, say). Unlike `compare`, a failed guard is an error, not the failure branch.
   */
  guard?: Compare[];
}

// ---------------------------------------------------------------- replicated commands

/** The `data` of a normal log entry. `requestId` is null for commands the leader makes itself. */
export interface Command {
  requestId: RequestId | null;
  op: CommandOp;
}

export type CommandOp =
  | PutOp
  | DeleteRangeOp
  | ({ type: 'txn' } & TxnOpRequest)
  | { type: 'leaseGrant'; id: number; ttlMs: number }
  | { type: 'leaseRevoke'; id: number }
  /** Proposed by the leader only, when TTLs run out: deletes the leases and their keys. */
  | { type: 'leaseExpire'; ids: number[] }
  /** Proposed by a new leader: every lease's deadline is pushed out by one TTL. */
  | { type: 'leaseExtendAll' }
  | { type: 'compact'; revision: number }
  | { type: 'noop' };

export type CommandType = CommandOp['type'];

// ---------------------------------------------------------------- results

export interface PutResult {
  type: 'put';
  prevKv: KeyValue | null;
  /** True when prevKv was left out of the reply (too large, or a retry's stored outcome). */
  prevKvTruncated?: boolean;
}

export interface DeleteRangeResult {
  type: 'deleteRange';
  deleted: number;
  prevKvs: KeyValue[];
  /** True when prevKvs were left out of the reply (too large, or a retry's stored outcome). */
  prevKvsTruncated?: boolean;
}

export interface RangeResult {
  type: 'range';
  kvs: KeyValue[];
  /** Number of keys in the range (before limit). */
  count: number;
  /** True when keys of the range follow the last one returned (cut by limit, a page's byte budget, or left out of a write's reply). */
  more: boolean;
}

export type TxnOpResult = PutResult | DeleteRangeResult | RangeResult;

export interface TxnResult {
  type: 'txn';
  succeeded: boolean;
  responses: TxnOpResult[];
}

export interface LeaseGrantResult {
  type: 'leaseGrant';
  id: number;
  ttlMs: number;
}

export interface EmptyResult {
  type: 'leaseRevoke' | 'leaseExpire' | 'leaseExtendAll' | 'compact' | 'noop';
}

export type CommandResult = PutResult | DeleteRangeResult | TxnResult | LeaseGrantResult | EmptyResult;

/** What applying one command produced: the revision after it, and a result or a typed error. */
export interface ApplyOutcome {
  revision: number;
  result: CommandResult | null;
  error: ErrorBody | null;
}

// ---------------------------------------------------------------- watch events

export interface WatchEvent {
  type: 'put' | 'delete';
  /** For a delete: the key, with modRevision = the delete's revision and an empty value. */
  kv: KeyValue;
  prevKv: KeyValue | null;
}

// ---------------------------------------------------------------- API envelope

/** Every response says what it reflects and who answered. */
export interface ResponseHeader {
  revision: number;
  nodeId: string;
  term: number;
}

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  /** For Compacted: the compact revision; for NotLeader: unused (0). */
  revision: number;
}

export type ErrorCode =
  | 'InvalidArgument'
  | 'KeyTooLarge'
  | 'ValueTooLarge'
  | 'TooManyOps'
  | 'RequestTooLarge'
  | 'Unimplemented'
  | 'LeaseNotFound'
  | 'Compacted'
  | 'FutureRevision'
  | 'NoLeader'
  | 'NotLeader'
  | 'Timeout'
  | 'Unavailable'
  | 'Cancelled'
  | 'Internal'
  | 'Fenced'
  | 'AlreadyRegistered'
  | 'AlreadyExists'
  | 'NotFound'
  | 'SessionLost'
  | 'NoSpace'
  /** Client-side only, never on the wire: NATS refused the publish (the identity lacks the permission). */
  | 'PermissionDenied';

// ---------------------------------------------------------------- API messages
// One request envelope and one response envelope for every operation; the NATS subject names the
// operation too (keel.<c>.leader.<type> / keel.<c>.api.<type>), the body's `type` must match it.

export interface ApiRequest {
  /** Required on writes (put, deleteRange, txn, compact, leaseGrant, leaseRevoke); null on reads. */
  requestId: RequestId | null;
  body: RequestBody;
}

export type RequestBody =
  | PutOp
  | DeleteRangeOp
  | (RangeOp & { serializable: boolean; /** Read at this revision; absent or 0: now. */ revision?: number })
  | ({ type: 'txn' } & TxnOpRequest)
  | { type: 'compact'; revision: number }
  | { type: 'leaseGrant'; /** 0 = let the leader choose */ id: number; ttlMs: number }
  | { type: 'leaseRevoke'; id: number }
  | { type: 'leaseKeepAlive'; id: number }
  | { type: 'leaseTimeToLive'; id: number; keys: boolean }
  | { type: 'leaseList' }
  | { type: 'status' }
  | { type: 'memberList' }
  | WatchCreateRequest
  | { type: 'watchCancel'; watchId: string }
  | { type: 'memberAdd'; id: string; /** false: add as a learner, then promote once caught up */ learner: boolean }
  | { type: 'memberPromote'; id: string }
  | { type: 'memberRemove'; id: string }
  | { type: 'memberTransferLeader'; /** '' = the most caught-up voter */ id: string }
  | { type: 'alarmDisarm' }
  | { type: 'snapshotSave'; /** '' = take a new snapshot */ snapshotId: string; offset: number };

/** Starts a watch on the answering node; its WatchMessages go to `deliverTo` (src/transport/WATCH.md). */
export interface WatchCreateRequest {
  type: 'watchCreate';
  /** Chosen by the client, unique per watch attempt; acks and cancel name it. */
  watchId: string;
  key: Bytes;
  rangeEnd: Bytes;
  /** 0 = from the next revision. */
  startRevision: number;
  prevKv: boolean;
  /** The NATS subject the node publishes this watch's messages to. */
  deliverTo: string;
}

export type RequestType = RequestBody['type'];

export interface LeaseKeepAliveResult { type: 'leaseKeepAlive'; id: number; ttlMs: number }
export interface LeaseTimeToLiveResult {
  type: 'leaseTimeToLive';
  id: number;
  /** Remaining ms as the leader sees it; -1 when the lease does not exist. */
  remainingMs: number;
  grantedTtlMs: number;
  keys: Bytes[];
}
export interface LeaseListResult { type: 'leaseList'; ids: number[] }

export interface Member { id: string; role: 'voter' | 'learner' }
export interface MemberListResult { type: 'memberList'; members: Member[]; leader: string }

export interface StatusResult {
  type: 'status';
  nodeId: string;
  pid: number;
  role: 'leader' | 'follower' | 'candidate' | 'precandidate' | 'learner';
  /** '' when no leader is known. */
  leader: string;
  term: number;
  commitIndex: number;
  appliedIndex: number;
  firstIndex: number;
  lastIndex: number;
  logBytes: number;
  revision: number;
  compactRevision: number;
  members: Member[];
  /** The node's HTTP base URL (/metrics, /livez, /readyz, the status page); '' when it serves none. */
  metricsUrl: string;
  /** Active alarms (NOSPACE: the storage quota was exceeded; writes that grow the store are refused). */
  alarms: string[];
}

export type ResponseBody =
  | CommandResult
  | RangeResult
  | LeaseKeepAliveResult
  | LeaseTimeToLiveResult
  | LeaseListResult
  | MemberListResult
  | StatusResult
  | WatchCreateResult
  | WatchCancelResult
  | SnapshotChunkResult;

/** One chunk of a backup snapshot (the bytes of a snap file); ask for offset + data.length next until done. */
export interface SnapshotChunkResult {
  type: 'snapshotSave';
  snapshotId: string;
  index: number;
  term: number;
  revision: number;
  totalBytes: number;
  offset: number;
  data: Bytes;
  done: boolean;
}

export interface WatchCreateResult { type: 'watchCreate'; watchId: string }
/** `found` is false when the node held no such watch (already ended, or never there). */
export interface WatchCancelResult { type: 'watchCancel'; watchId: string; found: boolean }

export interface ApiResponse {
  header: ResponseHeader;
  /** Exactly one of error and body is non-null. */
  error: ErrorBody | null;
  body: ResponseBody | null;
}
