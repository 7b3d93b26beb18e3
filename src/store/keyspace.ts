// The ordered index of live keys: a B+ tree with a bytewise comparator, so point lookups, inserts and
// deletes are O(log n) and a range [start, end) is O(log n + keys in range).
import type { KeyValue } from '../codec/types.js';
import { BTree } from './btree.js';
import { compareBytes, type KeyRange } from './bytes.js';

export class Keyspace {
  private readonly tree: BTree<Uint8Array, KeyValue> = new BTree<Uint8Array, KeyValue>(undefined, compareBytes);
  private liveBytes = 0;

  get size(): number {
    return this.tree.size;
  }

  /** Key and value bytes of the live keys (what the storage quota counts). */
  get bytes(): number {
    return this.liveBytes;
  }

  get(key: Uint8Array): KeyValue | undefined {
    return this.tree.get(key);
  }

  /**
   * Stores `kv` under `kv.key` (the store keeps KeyValue objects frozen; they are never mutated).
   * `prev` is what get(kv.key) returns now: a writer has just looked it up, so it is not looked up twice.
   */
  set(kv: KeyValue, prev: KeyValue | undefined): void {
    if (prev) this.liveBytes -= prev.key.length + prev.value.length;
    this.liveBytes += kv.key.length + kv.value.length;
    this.tree.set(kv.key, kv);
  }

  delete(key: Uint8Array): boolean {
    const prev = this.tree.get(key);
    if (prev) this.liveBytes -= prev.key.length + prev.value.length;
    return this.tree.delete(key);
  }

  /** Visits the live keys of `range` in bytewise order; the visitor returns false to stop. */
  forEachInRange(range: KeyRange, visit: (kv: KeyValue) => boolean | void): void {
    if (range.single) {
      const kv = this.tree.get(range.start);
      if (kv) visit(kv);
      return;
    }
    if (range.end !== null && compareBytes(range.end, range.start) <= 0) return;
    for (const [key, kv] of this.tree.entries(range.start)) {
      if (range.end !== null && compareBytes(key, range.end) >= 0) return;
      if (visit(kv) === false) return;
    }
  }

  /** Every live key-value in key order (snapshots, tests). */
  all(): KeyValue[] {
    return this.tree.valuesArray();
  }

  /**
   * A point-in-time copy in O(1) (sorted-btree's copy-on-write clone: later writes copy the nodes
   * they touch, so the copy never changes). Snapshots read it in blocks across event-loop turns.
   */
  frozenCopy(): { size: number; blocks(blockKvs: number): Iterable<KeyValue[]> } {
    const tree = this.tree.clone();
    return {
      size: tree.size,
      *blocks(blockKvs: number): Iterable<KeyValue[]> {
        let block: KeyValue[] = [];
        for (const kv of tree.values()) {
          block.push(kv);
          if (block.length === blockKvs) {
            yield block;
            block = [];
          }
        }
        if (block.length > 0) yield block;
      },
    };
  }
}
