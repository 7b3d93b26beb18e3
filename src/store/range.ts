// Range reads, as etcd answers them (limit / keysOnly / countOnly), of the current state or of the
// state at a past revision, with an optional byte budget that cuts the answer into pages.
//
// A past revision is read by undoing history (MVCC without a second index): the state at R is the
// current state with every change made after R taken back, and the first event of a key after R
// carries the key's value at R as its prevKv. So a read at R walks the retained events of revisions
// (R, current] once — bounded by the history bounds — and nothing extra is kept on the write path.
import type { KeyValue, RangeOp, RangeResult } from '../codec/types.js';
import { BTree } from './btree.js';
import { EMPTY_BYTES, compareBytes, rangeContains, toKeyRange, type KeyRange } from './bytes.js';
import type { EventHistory } from './history.js';
import type { Keyspace } from './keyspace.js';

/** Encoded bytes of one key-value beyond its key and value (five longs, two lengths, generously). */
export const KV_OVERHEAD_BYTES = 64;

export function kvBytes(kv: KeyValue): number {
  return kv.key.length + kv.value.length + KV_OVERHEAD_BYTES;
}

type Visit = (kv: KeyValue) => void;

/** The state of a key range at one revision, key by key in order. */
export type RangeSource = (range: KeyRange, visit: Visit) => void;

export function currentSource(keyspace: Keyspace): RangeSource {
  return (range, visit) => keyspace.forEachInRange(range, (kv) => { visit(kv); });
}

/**
 * The range as it was at `revision` (callers check that the history holds every revision after it:
 * forEachRevisionSince throws CompactedError otherwise).
 */
export function pastSource(keyspace: Keyspace, history: EventHistory, revision: number, compactRevision: number): RangeSource {
  return (range, visit) => {
    // Key -> its key-value at `revision` (null: absent) for the keys changed after it.
    const before = new BTree<Uint8Array, KeyValue | null>(undefined, compareBytes);
    history.forEachRevisionSince(revision + 1, compactRevision, (_rev, events) => {
      for (const event of events) {
        const key = event.kv.key;
        if (rangeContains(range, key) && !before.has(key)) before.set(key, event.prevKv);
      }
    });
    // Merge the live keys with the undone ones, in key order.
    const undone = before.entries()[Symbol.iterator]();
    let next = undone.next();
    const emitUndoneBelow = (key: Uint8Array | null): void => {
      while (!next.done && (key === null || compareBytes(next.value[0], key) < 0)) {
        if (next.value[1]) visit(next.value[1]);
        next = undone.next();
      }
    };
    keyspace.forEachInRange(range, (kv) => {
      emitUndoneBelow(kv.key);
      if (!next.done && compareBytes(next.value[0], kv.key) === 0) {
        if (next.value[1]) visit(next.value[1]);
        next = undone.next();
      } else {
        visit(kv);
      }
    });
    emitUndoneBelow(null);
  };
}

/**
 * Reads `op` from `source`. `count` is every key of the range; `kvs` stops at the limit or when the
 * next key-value would take the answer past `maxBytes` (at least one is always returned); `more`
 * says keys of the range follow the last one returned.
 */
export function readRange(source: RangeSource, op: RangeOp, maxBytes = Infinity): RangeResult {
  const kvs: KeyValue[] = [];
  let count = 0;
  let bytes = 0;
  let full = op.countOnly;
  source(toKeyRange(op.key, op.rangeEnd), (kv) => {
    count++;
    if (full) return;
    const shown = op.keysOnly ? { ...kv, value: EMPTY_BYTES } : kv;
    const size = kvBytes(shown);
    if ((op.limit > 0 && kvs.length >= op.limit) || (kvs.length > 0 && bytes + size > maxBytes)) {
      full = true;
      return;
    }
    bytes += size;
    kvs.push(shown);
  });
  const more = op.countOnly ? op.limit > 0 && count > op.limit : count > kvs.length;
  return { type: 'range', kvs, count, more };
}
