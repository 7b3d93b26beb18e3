// Callers waiting until this node has applied a log index (e.g. a membership change's config
// entry). Notified once per Ready, after Raft's advance, so a waiter that wakes sees the Raft
// configuration and the projection of that index.
import { TimeoutError } from '../codec/errors.js';

interface Waiter {
  index: number;
  resolve: () => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export class AppliedWaiters {
  private waiters: Waiter[] = [];
  private applied = 0;

  /** Resolves once `index` is applied (at once if it already is); rejects with TimeoutError after timeoutMs. */
  wait(index: number, timeoutMs: number, what: string): Promise<void> {
    if (index <= this.applied) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        index, resolve, reject,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          reject(new TimeoutError(`${what} (entry ${index}) did not apply within ${timeoutMs} ms`));
        }, timeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  /** This node has applied everything up to `index`. */
  notify(index: number): void {
    this.applied = Math.max(this.applied, index);
    if (this.waiters.length === 0) return;
    const still: Waiter[] = [];
    for (const w of this.waiters) {
      if (w.index > this.applied) {
        still.push(w);
        continue;
      }
      clearTimeout(w.timer);
      w.resolve();
    }
    this.waiters = still;
  }

  failAll(err: Error): void {
    for (const w of this.waiters) {
      clearTimeout(w.timer);
      w.reject(err);
    }
    this.waiters = [];
  }
}
