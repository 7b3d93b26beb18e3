// One watch as the serving node keeps it: what is waiting to be sent, what was sent and not yet
// acknowledged, and where a catch-up from history stands. No I/O here: WatchService sends.
//
// Two modes. Catching up: the watch reads the store's history from `cursor` in slices, and only
// while its unacknowledged window has room, so a watch from an old revision is paced by its client.
// Live: once the cursor reaches the store's revision, it is attached to the store's WatchHub, which
// hands it each applied revision synchronously; those batches wait in `pending` for the next flush.
// A live watch cannot be paced (the store does not wait), so one whose client leaves more than the
// window unacknowledged is cancelled as a slow consumer.
import type { WatchEvent } from '../codec/types.js';
import type { WatchBatch, WatchHandle } from '../store/watch-hub.js';

export interface WatchLimits {
  /** Unacknowledged events above which a live watch is cancelled (a catch-up pauses at half). */
  maxUnackedEvents: number;
  /** Same, in (estimated) bytes. */
  maxUnackedBytes: number;
}

interface SentRecord {
  revision: number;
  events: number;
  bytes: number;
}

/** A rough size of an event on the wire, for the backlog bound. */
export function eventBytes(e: WatchEvent): number {
  const kv = e.kv;
  const prev = e.prevKv ? e.prevKv.key.length + e.prevKv.value.length + 32 : 0;
  return kv.key.length + kv.value.length + 40 + prev;
}

export class WatchStream {
  /** Batches handed over by the hub (or read from history) and not yet sent. */
  pending: WatchBatch[] = [];
  /** Set while live (attached to the hub). */
  handle: WatchHandle | null = null;
  /** The store whose hub the watch is attached to (a replaced store means the watch must end). */
  attachedTo: object | null = null;
  /** While catching up: the next revision to read from history. */
  cursor: number;
  /** The highest revision whose matching events have all been handed to pending (or sent). */
  coveredRevision: number;
  /** What the messages sent so far covered (a message carries it as prevRevision, for gap checks). */
  sentRevision: number;
  lastAckAt: number;
  lastSentAt: number;
  ended = false;
  private readonly sent: SentRecord[] = [];
  private sentHead = 0;
  private unackedEvents = 0;
  private unackedBytes = 0;

  constructor(
    readonly watchId: string,
    readonly deliverTo: string,
    readonly key: Uint8Array,
    readonly rangeEnd: Uint8Array,
    readonly prevKv: boolean,
    startRevision: number,
    now: number,
    private readonly limits: WatchLimits,
  ) {
    this.cursor = startRevision;
    this.coveredRevision = startRevision - 1;
    this.sentRevision = startRevision - 1;
    this.lastAckAt = now;
    this.lastSentAt = now;
  }

  get live(): boolean {
    return this.handle !== null;
  }

  /** Events sent and not yet acknowledged. */
  get unacked(): { events: number; bytes: number } {
    return { events: this.unackedEvents, bytes: this.unackedBytes };
  }

  /** A live watch's backlog passed the window: the client is not keeping up. */
  get overWindow(): boolean {
    return this.unackedEvents > this.limits.maxUnackedEvents || this.unackedBytes > this.limits.maxUnackedBytes;
  }

  /** A catch-up reads more only while at most half the window is in flight. */
  get catchUpHasRoom(): boolean {
    return this.unackedEvents < this.limits.maxUnackedEvents / 2 && this.unackedBytes < this.limits.maxUnackedBytes / 2;
  }

  /** How much a catch-up may still read before reaching half the window. */
  get catchUpRoom(): { events: number; bytes: number } {
    return {
      events: Math.max(0, Math.floor(this.limits.maxUnackedEvents / 2) - this.unackedEvents),
      bytes: Math.max(0, Math.floor(this.limits.maxUnackedBytes / 2) - this.unackedBytes),
    };
  }

  enqueue(batch: WatchBatch): void {
    this.pending.push(batch);
    this.coveredRevision = Math.max(this.coveredRevision, batch.revision);
  }

  /** Takes the pending batches (the caller sends them, then calls recordSent). */
  takePending(): WatchBatch[] {
    const out = this.pending;
    this.pending = [];
    return out;
  }

  recordSent(revision: number, events: number, bytes: number, now: number): void {
    this.sent.push({ revision, events, bytes });
    this.unackedEvents += events;
    this.unackedBytes += bytes;
    this.lastSentAt = now;
    this.sentRevision = Math.max(this.sentRevision, revision);
  }

  /** A progress message covering `revision` went out. */
  recordProgress(revision: number, now: number): void {
    this.lastSentAt = now;
    this.sentRevision = Math.max(this.sentRevision, revision);
  }

  /** The client has delivered everything up to `revision`. */
  ack(revision: number, now: number): void {
    this.lastAckAt = now;
    while (this.sentHead < this.sent.length && this.sent[this.sentHead]!.revision <= revision) {
      const r = this.sent[this.sentHead++]!;
      this.unackedEvents -= r.events;
      this.unackedBytes -= r.bytes;
    }
    if (this.sentHead > 1024 && this.sentHead * 2 > this.sent.length) {
      this.sent.splice(0, this.sentHead);
      this.sentHead = 0;
    }
  }
}
