// Fencing (Kafka's broker epoch, for every write): a write that carries { broker, epoch } is applied
// only while that broker's registration still has that epoch, else it fails with FencedError and
// nothing is applied. A broker's epoch is the createRevision of its registration key: every new
// registration of the id creates the key afresh and so gets a larger one. The fence travels as a txn
// guard, so the check and the write are one step of the replicated state machine.
import type { Compare } from '../codec/types.js';
import { toBytes } from './bytes.js';
import { brokerKey } from './broker-keys.js';
import { cmp } from './txn.js';

export interface Fence {
  /** A registered broker's id. */
  broker: string;
  /** The epoch its registration returned. */
  epoch: number;
}

/** Options of a fenced write: one fence or several (all must hold). */
export interface FenceOption {
  fence?: Fence | readonly Fence[];
}

export function fenceGuards(fence: FenceOption['fence']): Compare[] {
  if (fence === undefined) return [];
  const fences: readonly Fence[] = Array.isArray(fence) ? fence : [fence as Fence];
  return fences.map((f) => cmp.createRevision(toBytes(brokerKey(f.broker)), '=', f.epoch));
}
