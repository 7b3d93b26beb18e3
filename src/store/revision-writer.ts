// One revision in the making. Every put and delete made through one writer carries the same
// revision (a txn, or a lease expiry deleting many keys, is one revision); the store commits the
// revision only when the writer changed something.
import type { DeleteRangeOp, DeleteRangeResult, KeyValue, PutOp, PutResult, WatchEvent } from '../codec/types.js';
import { EMPTY_BYTES, copyBytes, toKeyRange } from './bytes.js';
import type { Keyspace } from './keyspace.js';
import type { LeaseTable } from './leases.js';

/** What most puts return; one shared (frozen) object, since the dedup table keeps one per write for a while. */
const PUT_WITHOUT_PREV: PutResult = Object.freeze({ type: 'put', prevKv: null });

export class RevisionWriter {
  /** The events of this revision, in the order the changes were made. */
  readonly events: WatchEvent[] = [];

  constructor(
    private readonly keyspace: Keyspace,
    private readonly leases: LeaseTable,
    readonly revision: number,
  ) {}

  get changed(): boolean {
    return this.events.length > 0;
  }

  /** The caller has validated the op (non-empty key, existing lease). */
  put(op: PutOp): PutResult {
    const prev = this.keyspace.get(op.key);
    const key = prev ? prev.key : copyBytes(op.key);
    const kv: KeyValue = Object.freeze({
      key,
      value: copyBytes(op.value),
      createRevision: prev ? prev.createRevision : this.revision,
      modRevision: this.revision,
      version: prev ? prev.version + 1 : 1,
      lease: op.lease,
    });
    if (prev && prev.lease !== op.lease && prev.lease !== 0) this.leases.detach(prev.lease, key);
    if (op.lease !== 0 && (!prev || prev.lease !== op.lease)) this.leases.attach(op.lease, key);
    this.keyspace.set(kv, prev);
    this.events.push({ type: 'put', kv, prevKv: prev ?? null });
    return op.prevKv && prev ? { type: 'put', prevKv: prev } : PUT_WITHOUT_PREV;
  }

  deleteRange(op: DeleteRangeOp): DeleteRangeResult {
    const doomed: KeyValue[] = [];
    this.keyspace.forEachInRange(toKeyRange(op.key, op.rangeEnd), (kv) => {
      doomed.push(kv);
    });
    for (const kv of doomed) this.deleteKey(kv);
    return { type: 'deleteRange', deleted: doomed.length, prevKvs: op.prevKv ? doomed : [] };
  }

  /** Deletes these keys (those still present) — the keys of a revoked or expired lease. */
  deleteKeys(keys: Uint8Array[]): void {
    for (const key of keys) {
      const kv = this.keyspace.get(key);
      if (kv) this.deleteKey(kv);
    }
  }

  private deleteKey(prev: KeyValue): void {
    this.keyspace.delete(prev.key);
    if (prev.lease !== 0) this.leases.detach(prev.lease, prev.key);
    const tombstone: KeyValue = Object.freeze({
      key: prev.key,
      value: EMPTY_BYTES,
      createRevision: 0,
      modRevision: this.revision,
      version: 0,
      lease: 0,
    });
    this.events.push({ type: 'delete', kv: tombstone, prevKv: prev });
  }
}
