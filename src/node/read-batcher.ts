// Linearizable reads by ReadIndex, batched: every read that arrives during one turn of the event
// loop shares one ReadIndex round. A read never joins a round that was requested before it arrived
// (that round's index could predate a write the reader already saw acknowledged), so arrivals go to
// the next batch; the batch is requested on the following turn. While a round is in flight, the
// next batch is held until that round is answered, HOLD_MS at most: under load one round serves
// every read that arrived during the previous one (fewer heartbeat rounds for the members to answer),
// and a round lost on the way costs the held reads HOLD_MS, not the round's timeout.
import { UnavailableError } from '../codec/errors.js';

interface Batch {
  context: string;
  waiters: { resolve: () => void; reject: (e: Error) => void }[];
  timer: NodeJS.Timeout | null;
  readIndex: number;
}

/** How long a batch may wait for the round in flight before it asks for its own. */
export const HOLD_MS = 2;

export interface ReadBatcherDeps {
  /** Asks Raft for the read index of `context` (answered through `onReadState`). */
  requestReadIndex: (context: string) => void;
  /** The index this node has applied. */
  appliedIndex: () => number;
  timeoutMs: number;
  nodeId: string;
}

export class ReadBatcher {
  private next: Batch | null = null;
  private readonly inFlight = new Map<string, Batch>();
  /** Batches whose index is known, waiting for apply to catch up, in index order. */
  private readonly waitingApply: Batch[] = [];
  private counter = 0;
  /** Set while `next` is held back for the round in flight. */
  private holdTimer: NodeJS.Timeout | null = null;

  constructor(private readonly deps: ReadBatcherDeps) {}

  /** Resolves when a local read would be linearizable. */
  waitLinearizable(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (!this.next) {
        this.next = { context: `${this.deps.nodeId}:${++this.counter}`, waiters: [], timer: null, readIndex: 0 };
        if (this.inFlight.size === 0) setImmediate(() => this.flush());
        else this.holdTimer = setTimeout(() => this.flush(), HOLD_MS);
      }
      this.next.waiters.push({ resolve, reject });
    });
  }

  /** Raft answered a ReadIndex request. */
  onReadState(context: string, index: number): void {
    const batch = this.inFlight.get(context);
    if (!batch) return;
    this.inFlight.delete(context);
    this.releaseHeld();
    batch.readIndex = index;
    if (this.deps.appliedIndex() >= index) return this.finish(batch);
    this.waitingApply.push(batch);
    this.waitingApply.sort((a, b) => a.readIndex - b.readIndex);
  }

  /** The node applied more entries. */
  onApplied(applied: number): void {
    while (this.waitingApply.length > 0 && this.waitingApply[0]!.readIndex <= applied) {
      this.finish(this.waitingApply.shift()!);
    }
  }

  /**
   * A new leader is known: asks again for every read index not answered yet. The old leader may
   * have dropped the requests (it stepped down or handed leadership over), and a round requested
   * now is still after every read it covers arrived.
   */
  retryInFlight(): void {
    for (const context of this.inFlight.keys()) this.deps.requestReadIndex(context);
  }

  failAll(err: Error): void {
    const all = [...this.inFlight.values(), ...this.waitingApply, ...(this.next ? [this.next] : [])];
    this.inFlight.clear();
    this.waitingApply.length = 0;
    this.next = null;
    this.clearHold();
    for (const b of all) this.fail(b, err);
  }

  /** The round in flight was answered (or given up): the held batch goes on the next turn. */
  private releaseHeld(): void {
    if (this.holdTimer === null || this.inFlight.size > 0) return;
    this.clearHold();
    setImmediate(() => this.flush());
  }

  private clearHold(): void {
    if (this.holdTimer) clearTimeout(this.holdTimer);
    this.holdTimer = null;
  }

  private flush(): void {
    this.clearHold();
    const batch = this.next;
    if (!batch) return;
    this.next = null;
    this.inFlight.set(batch.context, batch);
    batch.timer = setTimeout(() => {
      if (this.inFlight.delete(batch.context)) {
        this.releaseHeld();
        this.fail(batch, new UnavailableError('no quorum confirmed the read index in time (no leader?)'));
      } else {
        const i = this.waitingApply.indexOf(batch);
        if (i >= 0) {
          this.waitingApply.splice(i, 1);
          this.fail(batch, new UnavailableError(`this node has not applied up to the read index ${batch.readIndex} in time`));
        }
      }
    }, this.deps.timeoutMs);
    this.deps.requestReadIndex(batch.context);
  }

  private finish(batch: Batch): void {
    if (batch.timer) clearTimeout(batch.timer);
    for (const w of batch.waiters) w.resolve();
  }

  private fail(batch: Batch, err: Error): void {
    if (batch.timer) clearTimeout(batch.timer);
    for (const w of batch.waiters) w.reject(err);
  }
}
