// A simulated disk: what survives a crash (Storage), and writes that become durable only when the
// simulation completes them, a seeded number of steps later. Writes complete in the order issued;
// a crash loses the ones still pending, except that each may already have reached the platter.
import type { Entry, HardState, Restored, SnapshotMeta } from '../../../src/raft/index.js';
import type { Rng } from './rng.js';

export class Storage {
  hardState: HardState = { term: 0, vote: '', commit: 0 };
  snapshot: { meta: SnapshotMeta; data: Uint8Array } | null = null;
  entries: Entry[] = [];

  snapIndex(): number { return this.snapshot?.meta.index ?? 0; }
  lastIndex(): number { return this.snapIndex() + this.entries.length; }
  term(index: number): number | undefined {
    if (index === this.snapIndex()) return this.snapshot?.meta.term ?? 0;
    return this.entries[index - this.snapIndex() - 1]?.term;
  }
  isEmpty(): boolean { return this.hardState.term === 0 && this.entries.length === 0 && this.snapshot === null; }
  restored(): Restored {
    return { hardState: { ...this.hardState }, snapshot: this.snapshot?.meta ?? null, entries: [...this.entries] };
  }
}

interface PendingWrite { due: number; write: () => void; done: () => void }

export class SimDisk {
  readonly storage = new Storage();
  private pending: PendingWrite[] = [];

  constructor(private readonly rng: Rng, private readonly maxDelay: number) {}

  /** Queues a write; the promise resolves once it is durable (in a later step). */
  write(now: number, write: () => void): Promise<void> {
    const last = this.pending[this.pending.length - 1]?.due ?? now;
    const due = Math.max(last, now + this.rng.int(0, this.maxDelay));
    return new Promise((done) => this.pending.push({ due, write, done }));
  }

  get busy(): boolean { return this.pending.length > 0; }

  /** Makes the writes due by `now` durable, in order; returns how many completed. */
  complete(now: number): number {
    let n = 0;
    while (this.pending.length > 0 && this.pending[0]!.due < now) {
      const w = this.pending.shift()!;
      w.write();
      w.done();
      n++;
    }
    return n;
  }

  /** Power loss: each pending write, in order, may have reached the disk; the first lost one ends it. */
  crash(): number {
    let torn = 0;
    for (const w of this.pending) {
      if (!this.rng.chance(0.5)) break;
      w.write();
      torn++;
    }
    const lost = this.pending.length - torn;
    this.pending = []; // never resolved: the process that waited for them is gone
    return lost;
  }
}
