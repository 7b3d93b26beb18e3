// Writes this node proposed and is waiting to see applied, keyed by their (clientId, seq): a map of
// clients, each a map of seqs (numbers hash for free; a "clientId/seq" string per write cost a
// concatenation and a hash on wait and again on apply, on the path from commit to reply).
// Keyed by request id rather than log index: a proposal may be lost with a deposed leader and
// retried by the client under the same id; whichever copy commits first answers every waiter, and
// the store's dedup table makes a second committed copy answer the same outcome.
//
// Timeouts share one timer: waiters queue in deadline order (writes use one timeout, so that is the
// order they arrive in), and the timer is set for the earliest. A timer per write cost an allocation
// and two timer-list updates on every put.
import { TimeoutError } from '../codec/errors.js';
import type { ApplyOutcome, RequestId } from '../codec/types.js';

interface Waiter {
  clientId: string;
  seq: number;
  deadline: number;
  timeoutMs: number;
  resolve: (o: ApplyOutcome) => void;
  reject: (e: Error) => void;
  done: boolean;
  /** The next waiter of the same request id (a retry that arrived while the first still waits). */
  next: Waiter | null;
}

export class PendingWrites {
  /** clientId -> seq -> the first waiter of that request id (the others chained through `next`). */
  private readonly waiting = new Map<string, Map<number, Waiter>>();
  private waitingIds = 0;
  /** Every unsettled waiter (and settled ones not yet passed), by deadline; queue[head] is the earliest. */
  private queue: Waiter[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Infinity;

  /** Request ids waiting. */
  get size(): number {
    return this.waitingIds;
  }

  /** Resolves with the outcome once an entry carrying `id` is applied, or rejects after timeoutMs. */
  wait(id: RequestId, timeoutMs: number): Promise<ApplyOutcome> {
    return new Promise<ApplyOutcome>((resolve, reject) => {
      const { clientId, seq } = id;
      const waiter: Waiter = { clientId, seq, deadline: performance.now() + timeoutMs, timeoutMs, resolve, reject, done: false, next: null };
      let seqs = this.waiting.get(clientId);
      if (seqs === undefined) {
        seqs = new Map();
        this.waiting.set(clientId, seqs);
      }
      const first = seqs.get(seq);
      if (first === undefined) {
        seqs.set(seq, waiter);
        this.waitingIds++;
      } else {
        let last = first;
        while (last.next !== null) last = last.next;
        last.next = waiter;
      }
      this.enqueue(waiter);
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

  /** Fails every waiter (the node is stopping). */
  failAll(err: Error): void {
    const firsts = [...this.waiting.values()].flatMap((seqs) => [...seqs.values()]);
    this.waiting.clear();
    this.waitingIds = 0;
    this.queue = [];
    this.head = 0;
    this.clearTimer();
    for (const first of firsts) {
      for (let w: Waiter | null = first; w !== null; w = w.next) {
        w.done = true;
        w.reject(err);
      }
    }
  }

  private settle(id: RequestId, how: (w: Waiter) => void): void {
    const seqs = this.waiting.get(id.clientId);
    const first = seqs?.get(id.seq);
    if (first === undefined) return;
    this.forget(seqs!, id.clientId, id.seq);
    for (let w: Waiter | null = first; w !== null; w = w.next) {
      w.done = true;
      how(w);
    }
    // Nothing left to time out: no timer holds the process open for writes already answered.
    if (this.waitingIds === 0) {
      this.queue = [];
      this.head = 0;
      this.clearTimer();
    }
  }

  private enqueue(waiter: Waiter): void {
    this.dropSettledHead();
    const last = this.queue[this.queue.length - 1];
    if (!last || last.deadline <= waiter.deadline) {
      this.queue.push(waiter);
    } else {
      // A shorter timeout than the waiters before it: insert in deadline order.
      let lo = this.head;
      let hi = this.queue.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (this.queue[mid]!.deadline <= waiter.deadline) lo = mid + 1;
        else hi = mid;
      }
      this.queue.splice(lo, 0, waiter);
    }
    this.armTimer();
  }

  /** Passes settled waiters at the front, and reclaims the passed part of the array now and then. */
  private dropSettledHead(): void {
    while (this.head < this.queue.length && this.queue[this.head]!.done) this.head++;
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  private armTimer(): void {
    const first = this.queue[this.head];
    if (!first) {
      this.clearTimer();
      return;
    }
    if (this.timer !== null && this.timerAt <= first.deadline) return;
    this.clearTimer();
    this.timerAt = first.deadline;
    this.timer = setTimeout(() => this.expire(), Math.max(0, first.deadline - performance.now()));
  }

  private clearTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.timerAt = Infinity;
  }

  private expire(): void {
    this.timer = null;
    this.timerAt = Infinity;
    const now = performance.now();
    while (this.head < this.queue.length) {
      const w = this.queue[this.head]!;
      if (!w.done && w.deadline > now) break;
      this.head++;
      if (w.done) continue;
      w.done = true;
      this.remove(w);
      w.reject(new TimeoutError(`write ${w.clientId}/${w.seq} was not applied within ${w.timeoutMs} ms (leader change?); retry with the same request id`));
    }
    this.dropSettledHead();
    this.armTimer();
  }

  /** Takes one timed-out waiter out of its request id's chain. */
  private remove(waiter: Waiter): void {
    const seqs = this.waiting.get(waiter.clientId);
    const first = seqs?.get(waiter.seq);
    if (first === undefined) return;
    if (first === waiter) {
      if (waiter.next !== null) seqs!.set(waiter.seq, waiter.next);
      else this.forget(seqs!, waiter.clientId, waiter.seq);
      return;
    }
    for (let w = first; w.next !== null; w = w.next) {
      if (w.next === waiter) {
        w.next = waiter.next;
        return;
      }
    }
  }

  private forget(seqs: Map<number, Waiter>, clientId: string, seq: number): void {
    seqs.delete(seq);
    this.waitingIds--;
    if (seqs.size === 0) this.waiting.delete(clientId);
  }
}
