// Writes this node proposed and is waiting to see applied, keyed by their (clientId, seq).
// Keyed by request id rather than log index: a proposal may be lost with a deposed leader and
// retried by the client under the same id; whichever copy commits first answers every waiter, and
// the store's dedup table makes a second committed copy answer the same outcome.
import { TimeoutError } from '../codec/errors.js';
import type { ApplyOutcome, RequestId } from '../codec/types.js';

interface Waiter {
  resolve: (o: ApplyOutcome) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export class PendingWrites {
  private readonly waiting = new Map<string, Waiter[]>();

  get size(): number {
    return this.waiting.size;
  }

  /** Resolves with the outcome once an entry carrying `id` is applied, or rejects after timeoutMs. */
  wait(id: RequestId, timeoutMs: number): Promise<ApplyOutcome> {
    const key = keyOf(id);
    return new Promise<ApplyOutcome>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.remove(key, waiter);
          reject(new TimeoutError(`write ${key} was not applied within ${timeoutMs} ms (leader change?); retry with the same request id`));
        }, timeoutMs),
      };
      const list = this.waiting.get(key);
      if (list) list.push(waiter);
      else this.waiting.set(key, [waiter]);
    });
  }

  /** Called for every applied command that carries a request id. */
  applied(id: RequestId, outcome: ApplyOutcome): void {
    this.settle(id, (w) => w.resolve(outcome));
  }

  /** Fails the waiters of one request (its proposal was refused). */
  fail(id: RequestId, err: Error): void {
    this.settle(id, (w) => w.reject(err));
  }

  private settle(id: RequestId, how: (w: Waiter) => void): void {
    const key = keyOf(id);
    const list = this.waiting.get(key);
    if (!list) return;
    this.waiting.delete(key);
    for (const w of list) {
      clearTimeout(w.timer);
      how(w);
    }
  }

  /** Fails every waiter (the node is stopping). */
  failAll(err: Error): void {
    for (const list of this.waiting.values()) {
      for (const w of list) {
        clearTimeout(w.timer);
        w.reject(err);
      }
    }
    this.waiting.clear();
  }

  private remove(key: string, waiter: Waiter): void {
    const list = this.waiting.get(key);
    if (!list) return;
    const i = list.indexOf(waiter);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.waiting.delete(key);
  }
}

function keyOf(id: RequestId): string {
  return `${id.clientId}/${id.seq}`;
}
