// Exactly-once writes: per client, the outcomes of its most recent `window` seqs. A retry inside the
// window gets the stored outcome back; a seq that fell out of the window can no longer be told apart
// from a new request and is refused. Clients idle for `idleEntries` applied log indexes are forgotten.
//
// Determinism: the table changes only in apply (same commands, same indexes on every replica), and
// `clients` is kept in last-seen order (a write deletes and re-inserts its client), so the least
// recently seen clients are always at the front: idle eviction pops from there in O(1) each.
import type { ApplyOutcome, RequestId } from '../codec/types.js';

export interface DedupOutcomeSnapshot {
  seq: number;
  outcome: ApplyOutcome;
}

export interface DedupClientSnapshot {
  clientId: string;
  /** Log index of the client's most recent applied write. */
  lastSeenIndex: number;
  /** Highest seq applied for this client. */
  maxSeq: number;
  /** The remembered outcomes, by ascending seq. */
  outcomes: DedupOutcomeSnapshot[];
}

export type DedupVerdict =
  | { kind: 'new' }
  | { kind: 'retry'; outcome: ApplyOutcome }
  | { kind: 'tooOld' };

interface ClientRecord {
  lastSeenIndex: number;
  maxSeq: number;
  outcomes: Map<number, ApplyOutcome>;
}

export class DedupTable {
  private readonly clients = new Map<string, ClientRecord>();

  constructor(
    readonly window: number,
    readonly idleEntries: number,
  ) {}

  get clientCount(): number {
    return this.clients.size;
  }

  /** Forgets the clients whose last write is `idleEntries` or more indexes before `index`. */
  expireIdle(index: number): void {
    for (const [clientId, record] of this.clients) {
      if (index - record.lastSeenIndex < this.idleEntries) return;
      this.clients.delete(clientId);
    }
  }

  check(requestId: RequestId): DedupVerdict {
    const record = this.clients.get(requestId.clientId);
    if (!record) return { kind: 'new' };
    const stored = record.outcomes.get(requestId.seq);
    if (stored) return { kind: 'retry', outcome: stored };
    if (requestId.seq <= record.maxSeq - this.window) return { kind: 'tooOld' };
    return { kind: 'new' };
  }

  /** Remembers the outcome of a request that `check` called new, applied at log `index`. */
  record(requestId: RequestId, index: number, outcome: ApplyOutcome): void {
    let record = this.clients.get(requestId.clientId);
    if (record) {
      this.clients.delete(requestId.clientId);
    } else {
      record = { lastSeenIndex: index, maxSeq: requestId.seq, outcomes: new Map() };
    }
    this.clients.set(requestId.clientId, record);
    record.lastSeenIndex = index;
    if (requestId.seq > record.maxSeq) this.slideWindow(record, requestId.seq);
    record.outcomes.set(requestId.seq, outcome);
  }

  /** Moves the window's top to `newMaxSeq`, dropping the outcomes that fall out of it. */
  private slideWindow(record: ClientRecord, newMaxSeq: number): void {
    const oldFloor = record.maxSeq - this.window; // seqs <= floor are outside the window
    const newFloor = newMaxSeq - this.window;
    record.maxSeq = newMaxSeq;
    if (newFloor - oldFloor >= record.outcomes.size) {
      // Cheaper to scan what is stored than to walk every dropped seq.
      for (const seq of record.outcomes.keys()) if (seq <= newFloor) record.outcomes.delete(seq);
    } else {
      for (let seq = oldFloor + 1; seq <= newFloor; seq++) record.outcomes.delete(seq);
    }
  }

  toSnapshot(): DedupClientSnapshot[] {
    const out: DedupClientSnapshot[] = [];
    for (const [clientId, record] of this.clients) {
      const outcomes = [...record.outcomes]
        .sort((a, b) => a[0] - b[0])
        .map(([seq, outcome]) => ({ seq, outcome }));
      out.push({ clientId, lastSeenIndex: record.lastSeenIndex, maxSeq: record.maxSeq, outcomes });
    }
    return out;
  }

  /** Rebuilds the table; clients must come in the order `toSnapshot` gives (least recently seen first). */
  static fromSnapshot(clients: DedupClientSnapshot[], window: number, idleEntries: number): DedupTable {
    const table = new DedupTable(window, idleEntries);
    const ordered = [...clients].sort((a, b) => a.lastSeenIndex - b.lastSeenIndex);
    for (const c of ordered) {
      const outcomes = new Map<number, ApplyOutcome>();
      for (const o of c.outcomes) if (o.seq > c.maxSeq - window) outcomes.set(o.seq, o.outcome);
      table.clients.set(c.clientId, { lastSeenIndex: c.lastSeenIndex, maxSeq: c.maxSeq, outcomes });
    }
    return table;
  }
}
