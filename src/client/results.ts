// What the client hands back: the wire results with a response header on each, and key-values with
// cheap string getters beside their bytes.
import type {
  DeleteRangeResult, KeyValue, Member, PutResult, RangeResult, ResponseHeader, StatusResult, TxnOpResult,
} from '../codec/types.js';
import { bytesToString } from './bytes.js';

export type { ResponseHeader } from '../codec/types.js';

export class KeyValueView implements KeyValue {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
  readonly createRevision: number;
  readonly modRevision: number;
  readonly version: number;
  readonly lease: number;

  constructor(kv: KeyValue) {
    this.key = kv.key;
    this.value = kv.value;
    this.createRevision = kv.createRevision;
    this.modRevision = kv.modRevision;
    this.version = kv.version;
    this.lease = kv.lease;
  }

  /** The key decoded as UTF-8. */
  get keyString(): string {
    return bytesToString(this.key);
  }

  /** The value decoded as UTF-8. */
  get valueString(): string {
    return bytesToString(this.value);
  }
}

/** A key-value from `get`, with the header of the response that carried it. */
export interface KeyValueWithHeader extends KeyValueView {
  readonly header: ResponseHeader;
}

export interface WithHeader {
  header: ResponseHeader;
}

/** prevKvTruncated / prevKvsTruncated: left out of the reply (too large for one message, or a retried write's stored outcome); read them at header.revision - 1. */
export interface PutResponse extends WithHeader { prevKv: KeyValueView | null; prevKvTruncated: boolean }
export interface RangeResponse extends WithHeader { kvs: KeyValueView[]; count: number; more: boolean }
export interface DeleteResponse extends WithHeader { deleted: number; prevKvs: KeyValueView[]; prevKvsTruncated: boolean }

export type TxnItem =
  | { type: 'put'; prevKv: KeyValueView | null; prevKvTruncated: boolean }
  | { type: 'deleteRange'; deleted: number; prevKvs: KeyValueView[]; prevKvsTruncated: boolean }
  | { type: 'range'; kvs: KeyValueView[]; count: number; more: boolean };
export interface TxnResponse extends WithHeader { succeeded: boolean; responses: TxnItem[] }

export interface CompactResponse extends WithHeader { revision: number }

export interface LeaseGrantResponse extends WithHeader { id: number; ttlMs: number }
export interface LeaseKeepAliveResponse extends WithHeader { id: number; ttlMs: number }
export interface LeaseTimeToLiveResponse extends WithHeader {
  id: number;
  /** -1 when the lease does not exist. */
  remainingMs: number;
  grantedTtlMs: number;
  keys: Uint8Array[];
}
export interface LeaseListResponse extends WithHeader { ids: number[] }
export interface LeaseRevokeResponse extends WithHeader { id: number }

export type StatusResponse = StatusResult & WithHeader;
export interface MembersResponse extends WithHeader { members: Member[]; leader: string }

export interface MemberStatus {
  id: string;
  role: Member['role'];
  /** Null when the member did not answer. */
  status: StatusResult | null;
  /** Why the member did not answer; null when it did. */
  error: string | null;
}
export interface ClusterStatus {
  /** The leader as the answering node knows it; '' when none. */
  leader: string;
  members: MemberStatus[];
}

export function viewOf(kv: KeyValue | null): KeyValueView | null {
  return kv === null ? null : new KeyValueView(kv);
}

export function toPutItem(r: PutResult): { type: 'put'; prevKv: KeyValueView | null; prevKvTruncated: boolean } {
  return { type: 'put', prevKv: viewOf(r.prevKv), prevKvTruncated: r.prevKvTruncated ?? false };
}

export function toDeleteItem(r: DeleteRangeResult): { type: 'deleteRange'; deleted: number; prevKvs: KeyValueView[]; prevKvsTruncated: boolean } {
  return {
    type: 'deleteRange', deleted: r.deleted, prevKvs: r.prevKvs.map((kv) => new KeyValueView(kv)),
    prevKvsTruncated: r.prevKvsTruncated ?? false,
  };
}

export function toRangeItem(r: RangeResult): { type: 'range'; kvs: KeyValueView[]; count: number; more: boolean } {
  return { type: 'range', kvs: r.kvs.map((kv) => new KeyValueView(kv)), count: r.count, more: r.more };
}

export function toTxnItem(r: TxnOpResult): TxnItem {
  switch (r.type) {
    case 'put': return toPutItem(r);
    case 'deleteRange': return toDeleteItem(r);
    case 'range': return toRangeItem(r);
  }
}
