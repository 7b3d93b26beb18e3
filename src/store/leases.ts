// The replicated lease table: id, granted TTL and the keys attached. No time here: deadlines live in
// the leader's LeaseClock (lease-clock.ts). Leases and each lease's key set are B+ trees, so every
// listing is in a fixed order (by id, by key bytes) whatever order the entries were inserted in,
// which keeps replicas and restored snapshots identical.
import { InternalError } from '../codec/errors.js';
import { BTree } from './btree.js';
import { compareBytes } from './bytes.js';

export interface LeaseInfo {
  id: number;
  ttlMs: number;
  /** Attached keys, bytewise ordered. */
  keys: Uint8Array[];
}

interface Lease {
  id: number;
  ttlMs: number;
  keys: BTree<Uint8Array, true>;
}

export class LeaseTable {
  private readonly leases: BTree<number, Lease> = new BTree<number, Lease>();

  get size(): number {
    return this.leases.size;
  }

  has(id: number): boolean {
    return this.leases.has(id);
  }

  get(id: number): LeaseInfo | undefined {
    const lease = this.leases.get(id);
    return lease && { id: lease.id, ttlMs: lease.ttlMs, keys: lease.keys.keysArray() };
  }

  /** Ascending ids. */
  ids(): number[] {
    return this.leases.keysArray();
  }

  /** Every lease's id and TTL, by ascending id. */
  list(): { id: number; ttlMs: number }[] {
    return this.leases.valuesArray().map((l) => ({ id: l.id, ttlMs: l.ttlMs }));
  }

  /** Returns false when the id is taken. */
  grant(id: number, ttlMs: number): boolean {
    return this.leases.set(id, { id, ttlMs, keys: new BTree<Uint8Array, true>(undefined, compareBytes) }, false);
  }

  /** Removes the lease and returns its keys (bytewise ordered); undefined when unknown. */
  remove(id: number): Uint8Array[] | undefined {
    const lease = this.leases.get(id);
    if (!lease) return undefined;
    this.leases.delete(id);
    return lease.keys.keysArray();
  }

  /** The caller has checked that the lease exists (a put to an unknown lease is refused earlier). */
  attach(id: number, key: Uint8Array): void {
    const lease = this.leases.get(id);
    if (!lease) throw new InternalError(`attach to unknown lease ${id}`);
    lease.keys.set(key, true);
  }

  /** No-op when the lease is gone (its keys are being deleted because it was removed). */
  detach(id: number, key: Uint8Array): void {
    this.leases.get(id)?.keys.delete(key);
  }
}
