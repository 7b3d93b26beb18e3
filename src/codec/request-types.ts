// Every API request type and its properties, in one table. The transport derives subjects from it
// (src/transport/subjects.ts), the limits check which requests must carry a requestId
// (limits.ts), and the client which calls are numbered writes (src/client/client.ts).
import type { RequestType } from './types.js';

/**
 * Where a request may be sent (DESIGN.md "NATS subjects"):
 *   leader  keel.<c>.leader.<type>         only the current leader subscribes
 *   api     keel.<c>.api.<type>            any node (queue group)
 *   node    keel.<c>.node.<nodeId>.<type>  one particular node
 *   admin   keel.<c>.admin.<type>          operator actions: only the admin NATS identity may publish
 *           here (docs/security.md). Served by the leader, or by any node (queue group) when the type
 *           also has the adminNode scope
 *   adminNode keel.<c>.admin.node.<nodeId>.<type>  an operator action for one node (a snapshot's chunks)
 * Lease revoke stays a client request: a lease's owner revokes it on a clean shutdown, and it
 * deletes only keys any client may delete anyway.
 */
export type ApiScope = 'leader' | 'api' | 'node' | 'admin' | 'adminNode';

export interface RequestTypeInfo {
  /** The scopes it may be sent on; without a node id a client uses the first (`leader` or `api`). */
  scopes: readonly ApiScope[];
  /** A replicated command: carries a requestId (exactly-once) and takes a place in the write window. */
  write: boolean;
  /** May travel with others of its type in one message on `<subject>.batch` (request-batch.ts). */
  batch?: true;
}

export const REQUEST_TYPES = {
  put: { scopes: ['leader'], write: true, batch: true },
  deleteRange: { scopes: ['leader'], write: true, batch: true },
  txn: { scopes: ['leader'], write: true, batch: true },
  compact: { scopes: ['admin'], write: true },
  leaseGrant: { scopes: ['leader'], write: true },
  leaseRevoke: { scopes: ['leader'], write: true },
  // Keep-alive, time-to-live and list need the leader's lease clock but change nothing replicated.
  leaseKeepAlive: { scopes: ['leader'], write: false },
  leaseTimeToLive: { scopes: ['leader'], write: false },
  leaseList: { scopes: ['leader'], write: false },
  // Membership changes are proposed by the leader; they are not deduplicated by requestId.
  memberAdd: { scopes: ['admin'], write: false },
  memberPromote: { scopes: ['admin'], write: false },
  memberRemove: { scopes: ['admin'], write: false },
  memberTransferLeader: { scopes: ['admin'], write: false },
  // Alarms are per node: an operator disarms each member (keel alarm disarm asks them all).
  alarmDisarm: { scopes: ['admin', 'adminNode'], write: false },
  // A linearizable range goes to the leader by default (ConnectOptions.linearizableReads): it confirms
  // its leadership for a whole batch of reads at once, with no ReadIndex forwarded from a follower.
  range: { scopes: ['api', 'leader', 'node'], write: false, batch: true },
  status: { scopes: ['api', 'node'], write: false },
  memberList: { scopes: ['api'], write: false },
  watchCreate: { scopes: ['api', 'node'], write: false },
  // A watch is cancelled on the node that serves it.
  watchCancel: { scopes: ['node'], write: false },
  snapshotSave: { scopes: ['admin', 'adminNode'], write: false },
} as const satisfies Record<RequestType, RequestTypeInfo>;

/** The request types that are replicated writes (put, deleteRange, txn, compact, leaseGrant, leaseRevoke). */
export type WriteType = { [T in RequestType]: (typeof REQUEST_TYPES)[T]['write'] extends true ? T : never }[RequestType];

/** The table's row for `type`, or undefined when `type` (e.g. from a subject) is not a request type. */
export function requestTypeInfo(type: string): RequestTypeInfo | undefined {
  return Object.hasOwn(REQUEST_TYPES, type) ? REQUEST_TYPES[type as RequestType] : undefined;
}

/** Whether requests of this type may be sent several to a message (request-batch.ts). */
export function isBatchable(type: string): boolean {
  return requestTypeInfo(type)?.batch === true;
}

export function isWrite(type: RequestType): boolean {
  return requestTypeInfo(type)?.write === true;
}
