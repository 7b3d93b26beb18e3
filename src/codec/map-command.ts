// Translation between the TS shapes of src/codec/types.ts and the values avsc reads and writes for
// the records of schemas/command.avsc.
//
// TS unions are discriminated by a string `type`; Avro unions of records are written and read
// wrapped, `{ 'keel.PutOp': {...} }`. Encoding wraps (the record itself passes through: avsc ignores
// the extra `type` field); decoding builds plain objects (avsc yields instances of generated record
// classes, which do not compare equal to object literals and carry avsc methods).
import { InvalidArgumentError } from './errors.js';
import type {
  ApplyOutcome, Command, CommandOp, Compare, ErrorBody, KeyValue, RequestId, ResponseBody, TxnOp, TxnOpResult,
} from './types.js';

/** A value as avsc decoded it. The schema guarantees its shape; the mapping gives it a TS type. */
export type Decoded = any;

/** The branch name of a wrapped union value ({ 'keel.PutOp': ... } -> 'keel.PutOp'). */
export function branchOf(wrapped: Decoded): string {
  for (const name in wrapped) return name; // own properties come first; there is exactly one
  throw new Error('empty union value');
}

function unknownType(what: string, value: { type?: unknown } | null | undefined): InvalidArgumentError {
  return new InvalidArgumentError(`unknown ${what} type ${JSON.stringify(value?.type)}`);
}

// ------------------------------------------------------------------ shared records

export function keyValueFromAvro(r: Decoded): KeyValue {
  return {
    key: r.key,
    value: r.value,
    createRevision: r.createRevision,
    modRevision: r.modRevision,
    version: r.version,
    lease: r.lease,
  };
}

function keyValuesFromAvro(list: Decoded[]): KeyValue[] {
  return list.map(keyValueFromAvro);
}

export function nullableKeyValueFromAvro(r: Decoded): KeyValue | null {
  return r === null ? null : keyValueFromAvro(r);
}

export function requestIdFromAvro(r: Decoded): RequestId | null {
  return r === null ? null : { clientId: r.clientId, seq: r.seq };
}

export function errorBodyFromAvro(r: Decoded): ErrorBody | null {
  return r === null ? null : { code: r.code, message: r.message, revision: r.revision };
}

// ------------------------------------------------------------------ operations

function compareFromAvro(r: Decoded): Compare {
  return { key: r.key, rangeEnd: r.rangeEnd, target: r.target, result: r.result, value: r.value, number: r.number };
}

function txnOpToAvro(op: TxnOp): object {
  switch (op?.type) {
    case 'put': return { 'keel.PutOp': op };
    case 'deleteRange': return { 'keel.DeleteRangeOp': op };
    case 'range': return { 'keel.RangeOp': op };
    default: throw unknownType('transaction operation', op);
  }
}

function txnOpFromAvro(wrapped: Decoded): TxnOp {
  const name = branchOf(wrapped);
  const r = wrapped[name];
  switch (name) {
    case 'keel.PutOp': return putOpFromAvro(r);
    case 'keel.DeleteRangeOp': return deleteRangeOpFromAvro(r);
    case 'keel.RangeOp':
      return { type: 'range', key: r.key, rangeEnd: r.rangeEnd, limit: r.limit, keysOnly: r.keysOnly, countOnly: r.countOnly };
    default: throw new Error(`unexpected transaction operation ${name}`);
  }
}

export function putOpFromAvro(r: Decoded): Extract<TxnOp, { type: 'put' }> {
  return { type: 'put', key: r.key, value: r.value, lease: r.lease, prevKv: r.prevKv };
}

export function deleteRangeOpFromAvro(r: Decoded): Extract<TxnOp, { type: 'deleteRange' }> {
  return { type: 'deleteRange', key: r.key, rangeEnd: r.rangeEnd, prevKv: r.prevKv };
}

type Txn = Extract<CommandOp, { type: 'txn' }>;

export function txnToAvro(op: Txn): object {
  return { compare: op.compare, success: op.success.map(txnOpToAvro), failure: op.failure.map(txnOpToAvro), guard: op.guard ?? [] };
}

export function txnFromAvro(r: Decoded): Txn {
  return {
    type: 'txn',
    compare: r.compare.map(compareFromAvro),
    success: r.success.map(txnOpFromAvro),
    failure: r.failure.map(txnOpFromAvro),
    ...(r.guard.length > 0 ? { guard: r.guard.map(compareFromAvro) } : {}),
  };
}

function commandOpToAvro(op: CommandOp): object {
  switch (op?.type) {
    case 'put': return { 'keel.PutOp': op };
    case 'deleteRange': return { 'keel.DeleteRangeOp': op };
    case 'txn': return { 'keel.Txn': txnToAvro(op) };
    case 'leaseGrant': return { 'keel.LeaseGrant': op };
    case 'leaseRevoke': return { 'keel.LeaseRevoke': op };
    case 'leaseExpire': return { 'keel.LeaseExpire': op };
    case 'leaseExtendAll': return { 'keel.LeaseExtendAll': op };
    case 'compact': return { 'keel.Compact': op };
    case 'noop': return { 'keel.Noop': op };
    default: throw unknownType('command', op);
  }
}

function commandOpFromAvro(wrapped: Decoded): CommandOp {
  const name = branchOf(wrapped);
  const r = wrapped[name];
  switch (name) {
    case 'keel.PutOp': return putOpFromAvro(r);
    case 'keel.DeleteRangeOp': return deleteRangeOpFromAvro(r);
    case 'keel.Txn': return txnFromAvro(r);
    case 'keel.LeaseGrant': return { type: 'leaseGrant', id: r.id, ttlMs: r.ttlMs };
    case 'keel.LeaseRevoke': return { type: 'leaseRevoke', id: r.id };
    case 'keel.LeaseExpire': return { type: 'leaseExpire', ids: r.ids };
    case 'keel.LeaseExtendAll': return { type: 'leaseExtendAll' };
    case 'keel.Compact': return { type: 'compact', revision: r.revision };
    case 'keel.Noop': return { type: 'noop' };
    default: throw new Error(`unexpected command ${name}`);
  }
}

export function commandToAvro(c: Command): object {
  return { requestId: c.requestId, op: commandOpToAvro(c.op) };
}

export function commandFromAvro(r: Decoded): Command {
  return { requestId: requestIdFromAvro(r.requestId), op: commandOpFromAvro(r.op) };
}

// ------------------------------------------------------------------ results
// One mapping for every result record; ApplyOutcome's union holds the CommandResult subset,
// ApiResponse's union all of them (avsc rejects a branch the union does not have).

function txnOpResultToAvro(r: TxnOpResult): object {
  switch (r?.type) {
    case 'put': return { 'keel.PutResult': r };
    case 'deleteRange': return { 'keel.DeleteRangeResult': r };
    case 'range': return { 'keel.RangeResult': r };
    default: throw unknownType('transaction result', r);
  }
}

export function resultToAvro(r: ResponseBody): object {
  switch (r?.type) {
    case 'put': return { 'keel.PutResult': r };
    case 'deleteRange': return { 'keel.DeleteRangeResult': r };
    case 'range': return { 'keel.RangeResult': r };
    case 'txn': return { 'keel.TxnResult': { succeeded: r.succeeded, responses: r.responses.map(txnOpResultToAvro) } };
    case 'leaseGrant': return { 'keel.LeaseGrantResult': r };
    case 'leaseRevoke': case 'leaseExpire': case 'leaseExtendAll': case 'compact': case 'noop':
      return { 'keel.EmptyResult': r };
    case 'leaseKeepAlive': return { 'keel.LeaseKeepAliveResult': r };
    case 'leaseTimeToLive': return { 'keel.LeaseTimeToLiveResult': r };
    case 'leaseList': return { 'keel.LeaseListResult': r };
    case 'memberList': return { 'keel.MemberListResult': r };
    case 'status': return { 'keel.StatusResult': r };
    case 'watchCreate': return { 'keel.WatchCreateResult': r };
    case 'watchCancel': return { 'keel.WatchCancelResult': r };
    case 'snapshotSave': return { 'keel.SnapshotChunk': r };
    default: throw unknownType('result', r);
  }
}

function txnOpResultFromAvro(wrapped: Decoded): TxnOpResult {
  return resultFromAvro(wrapped) as TxnOpResult; // the TxnResult union holds only these three
}

function membersFromAvro(list: Decoded[]): { id: string; role: 'voter' | 'learner' }[] {
  return list.map((m: Decoded) => ({ id: m.id, role: m.role }));
}

export function resultFromAvro(wrapped: Decoded): ResponseBody {
  const name = branchOf(wrapped);
  const r = wrapped[name];
  switch (name) {
    case 'keel.PutResult':
      return { type: 'put', prevKv: nullableKeyValueFromAvro(r.prevKv), ...(r.prevKvTruncated ? { prevKvTruncated: true } : {}) };
    case 'keel.DeleteRangeResult':
      return {
        type: 'deleteRange', deleted: r.deleted, prevKvs: keyValuesFromAvro(r.prevKvs),
        ...(r.prevKvsTruncated ? { prevKvsTruncated: true } : {}),
      };
    case 'keel.RangeResult': return { type: 'range', kvs: keyValuesFromAvro(r.kvs), count: r.count, more: r.more };
    case 'keel.TxnResult':
      return { type: 'txn', succeeded: r.succeeded, responses: r.responses.map(txnOpResultFromAvro) };
    case 'keel.LeaseGrantResult': return { type: 'leaseGrant', id: r.id, ttlMs: r.ttlMs };
    case 'keel.EmptyResult': return { type: r.type };
    case 'keel.LeaseKeepAliveResult': return { type: 'leaseKeepAlive', id: r.id, ttlMs: r.ttlMs };
    case 'keel.LeaseTimeToLiveResult':
      return { type: 'leaseTimeToLive', id: r.id, remainingMs: r.remainingMs, grantedTtlMs: r.grantedTtlMs, keys: r.keys };
    case 'keel.LeaseListResult': return { type: 'leaseList', ids: r.ids };
    case 'keel.MemberListResult': return { type: 'memberList', members: membersFromAvro(r.members), leader: r.leader };
    case 'keel.StatusResult':
      return {
        type: 'status', nodeId: r.nodeId, pid: r.pid, role: r.role, leader: r.leader, term: r.term,
        commitIndex: r.commitIndex, appliedIndex: r.appliedIndex, firstIndex: r.firstIndex, lastIndex: r.lastIndex,
        logBytes: r.logBytes, revision: r.revision, compactRevision: r.compactRevision,
        members: membersFromAvro(r.members), metricsUrl: r.metricsUrl, alarms: r.alarms,
      };
    case 'keel.WatchCreateResult': return { type: 'watchCreate', watchId: r.watchId };
    case 'keel.WatchCancelResult': return { type: 'watchCancel', watchId: r.watchId, found: r.found };
    case 'keel.SnapshotChunk':
      return {
        type: 'snapshotSave', snapshotId: r.snapshotId, index: r.index, term: r.term, revision: r.revision,
        totalBytes: r.totalBytes, offset: r.offset, data: r.data, done: r.done,
      };
    default: throw new Error(`unexpected result ${name}`);
  }
}

export function outcomeToAvro(o: ApplyOutcome): object {
  return { revision: o.revision, result: o.result === null ? null : resultToAvro(o.result), error: o.error };
}

export function outcomeFromAvro(r: Decoded): ApplyOutcome {
  return {
    revision: r.revision,
    result: r.result === null ? null : (resultFromAvro(r.result) as ApplyOutcome['result']),
    error: errorBodyFromAvro(r.error),
  };
}
