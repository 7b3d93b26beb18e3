// Exactly-once writes: per client, the outcomes of its most recent `window` seqs. A retry inside the
// window gets the stored outcome back; a seq that fell out of the window can no longer be told apart
// from a new request and is refused. Clients idle for `idleEntries` applied log indexes are forgotten,
// and the least recently seen clients are forgotten while the table holds more than `maxBytes`.
// Only what a retry needs is kept: the outcome without its key-values (outcome-summary.ts), so a
// retried request gets its revision, counts and success back, with prevKvs / range results marked
// as left out (readable at that revision while history retains it).
//
// Determinism: the table changes only in apply (same commands, same indexes on every replica), and
// `clients` is kept in last-seen order (a write deletes and re-inserts its client), so the least
// recently seen clients are always at the front: idle eviction pops from there in O(1) each.
import type { ApplyOutcome, RequestId } from '../codec/types.js';
import { outcomeSummary, summaryBytes } from './outcome-summary.js';

/** Bytes counted per client beyond its outcomes (id, record, map slots). */
const CLIENT_OVERHEAD_BYTES = 128;

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
  bytes: number;
}

export class DedupTable {
  private readonly clients = new Map<string, ClientRecord>();
  /** The client inserted last into `clients` (the most recently seen), or null when unknown. */
  private newest: string | null = null;
  private heldBytes = 0;

  constructor(
    readonly window: number,
    readonly idleEntries: number,
    readonly maxBytes = Infinity,
  ) {}

  get clientCount(): number {
    return this.clients.size;
  }

  /** Estimated bytes held. */
  get bytes(): number {
    return this.heldBytes;
  }

  private forget(clientId: string, record: ClientRecord): void {
    if (clientId === this.newest) this.newest = null;
    this.clients.delete(clientId);
    this.heldBytes -= record.bytes;
  }

  private setBytes(record: ClientRecord, bytes: number): void {
    this.heldBytes += bytes - record.bytes;
    record.bytes = bytes;
  }

  /** Forgets the clients whose last write is `idleEntries` or more indexes before `index`. */
  expireIdle(index: number): void {
    for (const [clientId, record] of this.clients) {
      if (index - record.lastSeenIndex < this.idleEntries) return;
      this.forget(clientId, record);
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
    const { clientId } = requestId;
    let record = this.clients.get(clientId);
    if (!record) {
      record = { lastSeenIndex: index, maxSeq: requestId.seq, outcomes: new Map(), bytes: 0 };
      this.setBytes(record, CLIENT_OVERHEAD_BYTES + clientId.length);
      this.clients.set(clientId, record);
    } else if (clientId !== this.newest) {
      // Last-seen order: to the end. (A client writing many in a row is already there: a delete and
      // insert per write would only churn the map.)
      this.clients.delete(clientId);
      this.clients.set(clientId, record);
    }
    this.newest = clientId;
    record.lastSeenIndex = index;
    if (requestId.seq > record.maxSeq) this.slideWindow(record, requestId.seq);
    const summary = outcomeSummary(outcome);
    record.outcomes.set(requestId.seq, summary);
    this.setBytes(record, record.bytes + summaryBytes(summary));
    this.evictOverBytes();
  }

  /** Forgets the least recently seen clients (never the one just recorded) while over maxBytes. */
  private evictOverBytes(): void {
    if (this.heldBytes <= this.maxBytes) return;
    for (const [clientId, record] of this.clients) {
      if (this.heldBytes <= this.maxBytes || this.clients.size <= 1) return;
      this.forget(clientId, record);
    }
  }

  /** Moves the window's top to `newMaxSeq`, dropping the outcomes that fall out of it. */
  private slideWindow(record: ClientRecord, newMaxSeq: number): void {
    const oldFloor = record.maxSeq - this.window; // seqs <= floor are outside the window
    const newFloor = newMaxSeq - this.window;
    record.maxSeq = newMaxSeq;
    if (newFloor - oldFloor >= record.outcomes.size) {
      // Cheaper to scan what is stored than to walk every dropped seq.
      for (const seq of record.outcomes.keys()) if (seq <= newFloor) this.dropOutcome(record, seq);
    } else {
      for (let seq = oldFloor + 1; seq <= newFloor; seq++) this.dropOutcome(record, seq);
    }
  }

  private dropOutcome(record: ClientRecord, seq: number): void {
    const outcome = record.outcomes.get(seq);
    if (!outcome) return;
    record.outcomes.delete(seq);
    this.setBytes(record, record.bytes - summaryBytes(outcome));
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
  static fromSnapshot(clients: DedupClientSnapshot[], window: number, idleEntries: number, maxBytes = Infinity): DedupTable {
    const table = new DedupTable(window, idleEntries, maxBytes);
    const ordered = [...clients].sort((a, b) => a.lastSeenIndex - b.lastSeenIndex);
    for (const c of ordered) {
      const outcomes = new Map<number, ApplyOutcome>();
      let bytes = CLIENT_OVERHEAD_BYTES + c.clientId.length;
      for (const o of c.outcomes) {
        if (o.seq <= c.maxSeq - window) continue;
        const summary = outcomeSummary(o.outcome); // snapshots of older versions held whole outcomes
        outcomes.set(o.seq, summary);
        bytes += summaryBytes(summary);
      }
      const record: ClientRecord = { lastSeenIndex: c.lastSeenIndex, maxSeq: c.maxSeq, outcomes, bytes: 0 };
      table.clients.set(c.clientId, record);
      table.newest = c.clientId;
      table.setBytes(record, bytes);
    }
    table.evictOverBytes();
    return table;
  }
}
