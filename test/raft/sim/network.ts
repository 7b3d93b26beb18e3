// A simulated network: messages are delayed (hence reordered), lost, duplicated, and cut by
// partitions, all decided by the seeded generator.
import type { Message, NodeId } from '../../../src/raft/index.js';
import type { Rng } from './rng.js';

export interface NetworkFaults { loss: number; duplicate: number; maxDelay: number }

interface InFlight { at: number; msg: Message }

export class Network {
  private queue: InFlight[] = [];
  /** Node → partition group; nodes in different groups cannot talk. Empty map = no partition. */
  private groups = new Map<NodeId, number>();
  sent = 0;

  constructor(private readonly rng: Rng, public faults: NetworkFaults) {}

  send(now: number, msg: Message): void {
    this.sent++;
    if (this.rng.chance(this.faults.loss)) return;
    const copies = this.rng.chance(this.faults.duplicate) ? 2 : 1;
    for (let i = 0; i < copies; i++) this.queue.push({ at: now + this.rng.int(0, this.faults.maxDelay), msg });
  }

  /** Messages due at `now`, in a shuffled order among equals; partitioned ones are dropped. */
  due(now: number): Message[] {
    const out: Message[] = [];
    const keep: InFlight[] = [];
    for (const f of this.queue) {
      if (f.at <= now) out.push(f.msg);
      else keep.push(f);
    }
    this.queue = keep;
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.rng.next() * (i + 1));
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out.filter((m) => this.connected(m.from, m.to));
  }

  connected(a: NodeId, b: NodeId): boolean {
    if (this.groups.size === 0) return true;
    return (this.groups.get(a) ?? 0) === (this.groups.get(b) ?? 0);
  }

  partition(groups: NodeId[][]): void {
    this.groups.clear();
    groups.forEach((g, i) => g.forEach((id) => this.groups.set(id, i)));
  }
  heal(): void { this.groups.clear(); }
  partitioned(): boolean { return this.groups.size > 0; }
}
