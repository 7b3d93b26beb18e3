// Translation between the TS API envelopes (ApiRequest, ApiResponse, WatchEvent) and the avsc
// values of schemas/api.avsc. Same conventions as map-command.ts.
import {
  branchOf, deleteRangeOpFromAvro, errorBodyFromAvro, keyValueFromAvro, nullableKeyValueFromAvro, putOpFromAvro,
  requestIdFromAvro, resultFromAvro, resultToAvro, txnFromAvro, txnToAvro,
  type Decoded,
} from './map-command.js';
import { InvalidArgumentError } from './errors.js';
import type { ApiRequest, ApiResponse, RequestBody, WatchEvent } from './types.js';

function requestBodyToAvro(body: RequestBody): object {
  switch (body?.type) {
    case 'put': return { 'keel.PutOp': body };
    case 'deleteRange': return { 'keel.DeleteRangeOp': body };
    case 'range': return { 'keel.RangeRequest': body };
    case 'txn': return { 'keel.Txn': txnToAvro(body) };
    case 'compact': return { 'keel.Compact': body };
    case 'leaseGrant': return { 'keel.LeaseGrant': body };
    case 'leaseRevoke': return { 'keel.LeaseRevoke': body };
    case 'leaseKeepAlive': return { 'keel.LeaseKeepAlive': body };
    case 'leaseTimeToLive': return { 'keel.LeaseTimeToLive': body };
    case 'leaseList': return { 'keel.LeaseList': body };
    case 'status': return { 'keel.Status': body };
    case 'alarmDisarm': return { 'keel.AlarmDisarm': {} };
    case 'memberList': return { 'keel.MemberList': body };
    case 'watchCreate': return { 'keel.WatchCreate': body };
    case 'watchCancel': return { 'keel.WatchCancel': body };
    case 'memberAdd': return { 'keel.MemberAdd': body };
    case 'memberPromote': return { 'keel.MemberPromote': body };
    case 'memberRemove': return { 'keel.MemberRemove': body };
    case 'memberTransferLeader': return { 'keel.MemberTransferLeader': body };
    case 'snapshotSave': return { 'keel.SnapshotSave': body };
    default:
      throw new InvalidArgumentError(`unknown request type ${JSON.stringify((body as { type?: unknown } | null)?.type)}`);
  }
}

function requestBodyFromAvro(wrapped: Decoded): RequestBody {
  const name = branchOf(wrapped);
  const r = wrapped[name];
  switch (name) {
    case 'keel.PutOp': return putOpFromAvro(r);
    case 'keel.DeleteRangeOp': return deleteRangeOpFromAvro(r);
    case 'keel.RangeRequest':
      return {
        type: 'range', key: r.key, rangeEnd: r.rangeEnd, limit: r.limit, keysOnly: r.keysOnly,
        countOnly: r.countOnly, serializable: r.serializable, ...(r.revision !== 0 ? { revision: r.revision } : {}),
      };
    case 'keel.Txn': return txnFromAvro(r);
    case 'keel.Compact': return { type: 'compact', revision: r.revision };
    case 'keel.LeaseGrant': return { type: 'leaseGrant', id: r.id, ttlMs: r.ttlMs };
    case 'keel.LeaseRevoke': return { type: 'leaseRevoke', id: r.id };
    case 'keel.LeaseKeepAlive': return { type: 'leaseKeepAlive', id: r.id };
    case 'keel.LeaseTimeToLive': return { type: 'leaseTimeToLive', id: r.id, keys: r.keys };
    case 'keel.LeaseList': return { type: 'leaseList' };
    case 'keel.Status': return { type: 'status' };
    case 'keel.AlarmDisarm': return { type: 'alarmDisarm' };
    case 'keel.MemberList': return { type: 'memberList' };
    case 'keel.WatchCreate':
      return {
        type: 'watchCreate', watchId: r.watchId, key: r.key, rangeEnd: r.rangeEnd, startRevision: r.startRevision,
        prevKv: r.prevKv, deliverTo: r.deliverTo,
      };
    case 'keel.WatchCancel': return { type: 'watchCancel', watchId: r.watchId };
    case 'keel.MemberAdd': return { type: 'memberAdd', id: r.id, learner: r.learner };
    case 'keel.MemberPromote': return { type: 'memberPromote', id: r.id };
    case 'keel.MemberRemove': return { type: 'memberRemove', id: r.id };
    case 'keel.MemberTransferLeader': return { type: 'memberTransferLeader', id: r.id };
    case 'keel.SnapshotSave': return { type: 'snapshotSave', snapshotId: r.snapshotId, offset: r.offset };
    default: throw new Error(`unexpected request ${name}`);
  }
}

export function requestToAvro(r: ApiRequest): object {
  return { requestId: r.requestId, body: requestBodyToAvro(r.body) };
}

export function requestFromAvro(r: Decoded): ApiRequest {
  return { requestId: requestIdFromAvro(r.requestId), body: requestBodyFromAvro(r.body) };
}

export function responseToAvro(r: ApiResponse): object {
  return { header: r.header, error: r.error, body: r.body === null ? null : resultToAvro(r.body) };
}

export function responseFromAvro(r: Decoded): ApiResponse {
  const h = r.header;
  return {
    header: { revision: h.revision, nodeId: h.nodeId, term: h.term },
    error: errorBodyFromAvro(r.error),
    body: r.body === null ? null : resultFromAvro(r.body),
  };
}

export function watchEventFromAvro(r: Decoded): WatchEvent {
  return { type: r.type, kv: keyValueFromAvro(r.kv), prevKv: nullableKeyValueFromAvro(r.prevKv) };
}
