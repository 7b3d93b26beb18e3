// One sample of every command, result, request and response variant, shared by the codec tests.
import type {
  ApiRequest, ApiResponse, ApplyOutcome, Command, CommandOp, Compare, KeyValue, RequestBody, ResponseBody, TxnOp,
} from '../../src/codec/index.js';

const te = new TextEncoder();
/** A plain Uint8Array (not a Buffer), as client code produces them. */
export const b = (s: string): Uint8Array => te.encode(s);

export const kv = (key: string, value: string, rev = 5): KeyValue => ({
  key: b(key), value: b(value), createRevision: rev - 2, modRevision: rev, version: 3, lease: 0,
});

const put: Extract<TxnOp, { type: 'put' }> = { type: 'put', key: b('/a'), value: b('one'), lease: 7, prevKv: true };
const del: Extract<TxnOp, { type: 'deleteRange' }> = { type: 'deleteRange', key: b('/a/'), rangeEnd: b('/a0'), prevKv: false };
const range: Extract<TxnOp, { type: 'range' }> = {
  type: 'range', key: b('/b'), rangeEnd: Uint8Array.of(0), limit: 10, keysOnly: true, countOnly: false,
};
const compares: Compare[] = [
  { key: b('/a'), rangeEnd: b(''), target: 'value', result: 'equal', value: b('one'), number: 0 },
  { key: b('/a'), rangeEnd: b('/b'), target: 'version', result: 'notEqual', value: b(''), number: 2 },
  { key: b('/c'), rangeEnd: b(''), target: 'createRevision', result: 'greater', value: b(''), number: 9 },
  { key: b('/c'), rangeEnd: b(''), target: 'modRevision', result: 'less', value: b(''), number: 2 ** 53 - 2 },
  { key: b('/d'), rangeEnd: b(''), target: 'lease', result: 'equal', value: b(''), number: 0 },
];
const txn: Extract<CommandOp, { type: 'txn' }> = { type: 'txn', compare: compares, success: [put, del, range], failure: [range] };

export const commandOps: CommandOp[] = [
  put,
  del,
  txn,
  { type: 'txn', compare: [], success: [], failure: [] },
  { type: 'leaseGrant', id: 1234567890123, ttlMs: 10_000 },
  { type: 'leaseRevoke', id: 3 },
  { type: 'leaseExpire', ids: [1, 2, 2 ** 40] },
  { type: 'leaseExpire', ids: [] },
  { type: 'leaseExtendAll' },
  { type: 'compact', revision: 100 },
  { type: 'noop' },
];

export const commands: Command[] = commandOps.map((op, i) => ({
  requestId: i % 2 === 0 ? { clientId: `client-${i}`, seq: i * 1000 } : null,
  op,
}));

const putResult: ResponseBody = { type: 'put', prevKv: kv('/a', 'zero') };
const deleteResult: ResponseBody = { type: 'deleteRange', deleted: 2, prevKvs: [kv('/a/1', 'x'), kv('/a/2', 'y')] };
const rangeResult: ResponseBody = { type: 'range', kvs: [kv('/b', 'B'), { ...kv('/b2', ''), lease: 77 }], count: 5, more: true };

export const commandResults: NonNullable<ApplyOutcome['result']>[] = [
  putResult,
  { type: 'put', prevKv: null },
  deleteResult,
  { type: 'deleteRange', deleted: 0, prevKvs: [] },
  { type: 'txn', succeeded: true, responses: [putResult as never, deleteResult as never, rangeResult as never] },
  { type: 'txn', succeeded: false, responses: [] },
  { type: 'leaseGrant', id: 42, ttlMs: 5000 },
  { type: 'leaseRevoke' },
  { type: 'leaseExpire' },
  { type: 'leaseExtendAll' },
  { type: 'compact' },
  { type: 'noop' },
];

export const outcomes: ApplyOutcome[] = [
  ...commandResults.map((result, i) => ({ revision: 10 + i, result, error: null })),
  { revision: 9, result: null, error: { code: 'LeaseNotFound', message: 'lease 3 not found', revision: 0 } },
  { revision: 9, result: null, error: { code: 'Compacted', message: 'compacted', revision: 4 } },
];

export const requestBodies: RequestBody[] = [
  put,
  del,
  { ...range, serializable: true },
  { ...range, serializable: false, keysOnly: false, countOnly: true, limit: 0 },
  txn,
  { type: 'compact', revision: 12 },
  { type: 'leaseGrant', id: 0, ttlMs: 3000 },
  { type: 'leaseRevoke', id: 5 },
  { type: 'leaseKeepAlive', id: 5 },
  { type: 'leaseTimeToLive', id: 5, keys: true },
  { type: 'leaseList' },
  { type: 'status' },
  { type: 'memberList' },
  { type: 'watchCreate', watchId: 'w-1', key: b('/a'), rangeEnd: b('/b'), startRevision: 7, prevKv: true, deliverTo: '_INBOX.x.w-1.1' },
  { type: 'watchCancel', watchId: 'w-1' },
  { type: 'memberAdd', id: 'n4', learner: true },
  { type: 'memberPromote', id: 'n4' },
  { type: 'memberRemove', id: 'n1' },
  { type: 'memberTransferLeader', id: '' },
  { type: 'memberTransferLeader', id: 'n2' },
  { type: 'alarmDisarm' },
  { type: 'snapshotSave', snapshotId: '', offset: 0 },
  { type: 'snapshotSave', snapshotId: 'n2-1f', offset: 917504 },
];

export const requests: ApiRequest[] = requestBodies.map((body, i) => ({
  requestId: i % 3 === 0 ? null : { clientId: 'c-ü-1', seq: i },
  body,
}));

export const responseBodies: ResponseBody[] = [
  ...commandResults,
  rangeResult,
  { type: 'range', kvs: [], count: 0, more: false },
  { type: 'leaseKeepAlive', id: 5, ttlMs: 3000 },
  { type: 'leaseTimeToLive', id: 5, remainingMs: -1, grantedTtlMs: 3000, keys: [b('/x'), b('/y')] },
  { type: 'leaseList', ids: [1, 5, 9] },
  { type: 'memberList', members: [{ id: 'n1', role: 'voter' }, { id: 'n4', role: 'learner' }], leader: 'n1' },
  {
    type: 'status', nodeId: 'n2', pid: 4242, role: 'precandidate', leader: '', term: 3, commitIndex: 100,
    appliedIndex: 99, firstIndex: 1, lastIndex: 101, logBytes: 2 ** 40, revision: 50, compactRevision: 10, metricsUrl: 'http://10.0.0.1:9464', alarms: ['NOSPACE'],
    members: [{ id: 'n1', role: 'voter' }, { id: 'n2', role: 'voter' }],
  },
  { type: 'watchCreate', watchId: 'w-1' },
  { type: 'watchCancel', watchId: 'w-1', found: false },
  {
    type: 'snapshotSave', snapshotId: 'n2-1f', index: 5000, term: 3, revision: 4990, totalBytes: 2 ** 33, offset: 917504,
    data: b('chunk'), done: false,
  },
];

export const responses: ApiResponse[] = [
  ...responseBodies.map((body, i) => ({ header: { revision: i, nodeId: 'n1', term: 2 }, error: null, body })),
  {
    header: { revision: 7, nodeId: 'n3', term: 9 },
    error: { code: 'InvalidArgument', message: 'malformed keel.ApiRequest: truncated buffer', revision: 0 },
    body: null,
  },
];

/** Bytes as plain Uint8Arrays, so decoded Buffers compare equal to the samples with uvu's `equal`. */
export function plain<T>(value: T): T {
  if (value instanceof Uint8Array) return new Uint8Array(value) as T;
  if (Array.isArray(value)) return value.map(plain) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)])) as T;
  }
  return value;
}

/** Fails unless every object inside `value` is a plain object, an array or a Uint8Array. */
export function nonPlainPath(value: unknown, path = '$'): string | null {
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return null;
  const proto = Object.getPrototypeOf(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const bad = nonPlainPath(value[i], `${path}[${i}]`);
      if (bad) return bad;
    }
    return null;
  }
  if (proto !== Object.prototype) return `${path} (${proto?.constructor?.name})`;
  for (const [k, v] of Object.entries(value)) {
    const bad = nonPlainPath(v, `${path}.${k}`);
    if (bad) return bad;
  }
  return null;
}
