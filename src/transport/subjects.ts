// NATS subject names (DESIGN.md "NATS subjects"), all under the prefix `keel.<cluster>`:
//   keel.<c>.raft.<nodeId>            Raft peer messages for one node
//   keel.<c>.leader.<type>            writes; only the current leader subscribes
//   keel.<c>.api.<type>               reads and status; every node, queue group `keel.<c>`
//   keel.<c>.node.<nodeId>.<type>     a request for one particular node
//   <any of the three above>.batch     several requests of that type in one message (request-batch.ts)
//   keel.<c>.watch.<nodeId>.ack       watch acknowledgements (plain publish; see WATCH.md, watch-messages.ts)
//   keel.<c>.admin.<type>             operator actions; only the admin NATS identity may publish here
//   keel.<c>.admin.node.<nodeId>.<type>  an operator action addressed to one node (a snapshot's later chunks)
//   keel.<c>.svc.<nodeId>.status      the node's JSON status, its endpoint in the NATS services framework
//                                     (src/node/micro-service.ts; discovery itself is on $SRV.>)
// Which request type may go where is the table in src/codec/request-types.ts.
import { InvalidArgumentError } from '../codec/errors.js';
import { REQUEST_TYPES, requestTypeInfo, type ApiScope } from '../codec/request-types.js';
import type { RequestType } from '../codec/types.js';

export type { ApiScope };

/** True when `type` may be requested on `scope` (the table in src/codec/request-types.ts). */
export function isTypeAllowed(scope: ApiScope, type: string): type is RequestType {
  return requestTypeInfo(type)?.scopes.includes(scope) === true;
}

const ALL_TYPES = Object.keys(REQUEST_TYPES) as RequestType[];
/** Admin requests the leader serves (it subscribes to each on election). */
export const ADMIN_LEADER_TYPES: readonly RequestType[] = ALL_TYPES.filter((t) => isTypeAllowed('admin', t) && !isTypeAllowed('adminNode', t));
/** Admin requests any node serves (queue group), or the node a request names. */
export const ADMIN_NODE_TYPES: readonly RequestType[] = ALL_TYPES.filter((t) => isTypeAllowed('admin', t) && isTypeAllowed('adminNode', t));

// A token must be one NATS subject token: no dots, no wildcards, no whitespace.
const TOKEN = /^[A-Za-z0-9_-]+$/;

/** Throws InvalidArgumentError when a cluster name or node id cannot be a single subject token. */
export function assertSubjectToken(what: string, token: string): void {
  if (!TOKEN.test(token)) {
    throw new InvalidArgumentError(`${what} "${token}" must be non-empty and use only letters, digits, '_' and '-'`);
  }
}

export function clusterPrefix(cluster: string): string {
  assertSubjectToken('cluster name', cluster);
  return `keel.${cluster}`;
}

export function raftSubject(cluster: string, nodeId: string): string {
  assertSubjectToken('node id', nodeId);
  return `${clusterPrefix(cluster)}.raft.${nodeId}`;
}

/** A node's status endpoint in the NATS services framework (JSON, not the Avro API). */
export function serviceStatusSubject(cluster: string, nodeId: string): string {
  assertSubjectToken('node id', nodeId);
  return `${clusterPrefix(cluster)}.svc.${nodeId}.status`;
}

function leaderSubject(cluster: string, type: RequestType): string {
  return `${clusterPrefix(cluster)}.leader.${type}`;
}

function apiSubject(cluster: string, type: RequestType): string {
  return `${clusterPrefix(cluster)}.api.${type}`;
}

function nodeSubject(cluster: string, nodeId: string, type: RequestType): string {
  assertSubjectToken('node id', nodeId);
  return `${clusterPrefix(cluster)}.node.${nodeId}.${type}`;
}

export function adminSubject(cluster: string, type: RequestType): string {
  return `${clusterPrefix(cluster)}.admin.${type}`;
}

function adminNodeSubject(cluster: string, nodeId: string, type: RequestType): string {
  assertSubjectToken('node id', nodeId);
  return `${clusterPrefix(cluster)}.admin.node.${nodeId}.${type}`;
}

/** The wildcard a server subscribes to for one scope (`node` and `adminNode` need the node id). */
export function scopeWildcard(cluster: string, scope: Exclude<ApiScope, 'admin'>, nodeId?: string): string {
  if (scope === 'node' || scope === 'adminNode') {
    if (nodeId === undefined) throw new InvalidArgumentError(`scopeWildcard: the ${scope} scope needs a node id`);
    assertSubjectToken('node id', nodeId);
    return `${clusterPrefix(cluster)}.${scope === 'node' ? 'node' : 'admin.node'}.${nodeId}.>`;
  }
  return `${clusterPrefix(cluster)}.${scope}.>`;
}

/** The queue group every node joins for `keel.<c>.api.>`. */
export function apiQueueGroup(cluster: string): string {
  return clusterPrefix(cluster);
}

/** Where a client sends a request of this type (node-scoped when `nodeId` is given). */
export function subjectFor(cluster: string, type: RequestType, nodeId?: string): string {
  if (isTypeAllowed('admin', type)) {
    if (nodeId === undefined) return adminSubject(cluster, type);
    if (!isTypeAllowed('adminNode', type)) throw new InvalidArgumentError(`a ${type} request cannot be sent to one node`);
    return adminNodeSubject(cluster, nodeId, type);
  }
  if (nodeId !== undefined) {
    if (!isTypeAllowed('node', type)) throw new InvalidArgumentError(`a ${type} request cannot be sent to one node`);
    return nodeSubject(cluster, nodeId, type);
  }
  return requestTypeInfo(type)?.scopes[0] === 'leader' ? leaderSubject(cluster, type) : apiSubject(cluster, type);
}

/** The leader's subject for a type it also answers there (a linearizable range). */
export function leaderSubjectFor(cluster: string, type: RequestType): string {
  if (!isTypeAllowed('leader', type)) throw new InvalidArgumentError(`a ${type} request cannot be sent to the leader`);
  return leaderSubject(cluster, type);
}

export interface ParsedApiSubject {
  cluster: string;
  scope: ApiScope;
  /** Set for the node and adminNode scopes. */
  nodeId?: string;
  /** The request type the subject names (not yet checked against known types). */
  type: string;
  /** The subject ends in `.batch`: the message carries several requests of `type` (request-batch.ts). */
  batch: boolean;
}

const BATCH_TOKEN = 'batch';

/** Where several requests that would each go to `subject` go together (a leader, api or node subject). */
export function batchSubject(subject: string): string {
  return `${subject}.${BATCH_TOKEN}`;
}

/** Parses an API subject; null when it is not one (raft subjects included). */
export function parseApiSubject(subject: string): ParsedApiSubject | null {
  const t = subject.split('.');
  if (t[0] !== 'keel' || t.length < 4) return null;
  const cluster = t[1];
  // Operator actions are never batched: only the three client scopes take the suffix.
  const batch = t[2] !== 'admin' && t[t.length - 1] === BATCH_TOKEN;
  const n = batch ? t.length - 1 : t.length;
  if (t[2] === 'leader' || t[2] === 'api') {
    return n === 4 ? { cluster, scope: t[2], type: t[3], batch } : null;
  }
  if (t[2] === 'node') {
    return n === 5 ? { cluster, scope: 'node', nodeId: t[3], type: t[4], batch } : null;
  }
  if (t[2] === 'admin') {
    if (t.length === 4) return { cluster, scope: 'admin', type: t[3], batch };
    return t.length === 6 && t[3] === 'node' ? { cluster, scope: 'adminNode', nodeId: t[4], type: t[5], batch } : null;
  }
  return null;
}
