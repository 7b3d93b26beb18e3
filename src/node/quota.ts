// The storage quota (`--quota-bytes`, etcd's --quota-backend-bytes) on the key and value bytes of the
// live keys. It is a soft limit: the write that crosses it is applied, and every node raises its
// NOSPACE alarm when it applies a revision that leaves the store over the quota (all nodes apply the
// same log, so all raise it at the same revision when they share the setting). From then on the
// leader refuses, before proposing, every write that would add bytes; reads, deletes, compaction and
// lease revokes still work so an operator can free space. The overshoot is at most the writes in
// flight when the quota was crossed. The alarm stays until `keel alarm disarm` (and is raised again
// while the store is still over quota); alarms are per node and not persisted: a restarted node
// raises it again from what it applies.
import { NoSpaceError } from '../codec/errors.js';
import type { CommandOp, TxnOp } from '../codec/types.js';

export const NOSPACE = 'NOSPACE';

export class StorageQuota {
  private readonly active = new Set<string>();

  /** quotaBytes 0 = no quota. */
  constructor(readonly quotaBytes: number, private readonly onRaise: (alarm: string, bytes: number) => void = () => {}) {}

  alarms(): string[] {
    return [...this.active];
  }

  disarm(): void {
    this.active.clear();
  }

  /** After applying: raise NOSPACE once the store holds more than the quota. */
  observe(storeBytes: number): void {
    if (this.quotaBytes > 0 && storeBytes > this.quotaBytes && !this.active.has(NOSPACE)) this.raise(storeBytes);
  }

  /** Before proposing (leader): NoSpaceError when `op` would add bytes while NOSPACE is raised. */
  check(op: CommandOp, storeBytes: number): void {
    if (this.quotaBytes === 0 || addedBytes(op) === 0) return;
    this.observe(storeBytes);
    if (!this.active.has(NOSPACE)) return;
    throw new NoSpaceError(`storage quota of ${this.quotaBytes} bytes reached (the store holds ${storeBytes}); delete or compact, then run keel alarm disarm`);
  }

  private raise(storeBytes: number): void {
    this.active.add(NOSPACE);
    this.onRaise(NOSPACE, storeBytes);
  }
}

/** Upper bound of the bytes a write may add (its puts' keys and values; deletes add nothing). */
function addedBytes(op: CommandOp): number {
  const puts = (ops: TxnOp[]) => ops.reduce((n, o) => n + (o.type === 'put' ? o.key.length + o.value.length : 0), 0);
  switch (op.type) {
    case 'put': return op.key.length + op.value.length;
    case 'txn': return Math.max(puts(op.success), puts(op.failure));
    default: return 0;
  }
}
