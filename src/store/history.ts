// The bounded event history behind watches: the events of every retained revision, in order.
// Revisions are contiguous (every revision has at least one event), so the events of revision r sit
// at a computed position and a replay from any retained revision starts in O(1).
import type { WatchEvent } from '../codec/types.js';
import { CompactedError, InternalError } from '../codec/errors.js';
import { rangeContains, type KeyRange } from './bytes.js';

function eventBytes(events: WatchEvent[]): number {
  let n = 0;
  for (const e of events) n += 2 * EVENT_OVERHEAD_BYTES + e.kv.key.length + e.kv.value.length + (e.prevKv ? e.prevKv.key.length + e.prevKv.value.length : 0);
  return n;
}

/** Per key-value held: the object, its fields and array slots, roughly. */
const EVENT_OVERHEAD_BYTES = 64;

/** Dropped entries are spliced out once this many have piled up at the front (amortized O(1) trim). */
const SPLICE_AFTER = 4096;

export class EventHistory {
  // Two parallel arrays rather than an object per revision, and a revision of one event (a put) held
  // as that event: a busy store appends one revision per write, and every object it keeps is one
  // more for the garbage collector to copy and promote.
  /**
   * The events of each revision held, oldest first: entries[i] is revision baseRevision + i (an
   * array, or the event itself when it is the only one). Trimmed slots are null until spliced out.
   */
  private entries: (WatchEvent | WatchEvent[] | null)[] = [];
  /** Estimated bytes of the keys and values (kv and prevKv) of entries[i]'s events. */
  private sizes: number[] = [];
  private baseRevision: number;
  /** Index in `entries` of the oldest retained revision. */
  private head = 0;
  /** The oldest revision whose events can still be served. */
  private firstAvailable: number;
  private lastRevision: number;
  private heldBytes = 0;

  /** @param afterRevision the history starts empty, just after this revision (a snapshot's revision). */
  constructor(afterRevision: number) {
    this.lastRevision = afterRevision;
    this.firstAvailable = afterRevision + 1;
    this.baseRevision = afterRevision + 1;
  }

  /** The oldest revision a replay can start from (lastRevision + 1 when nothing is retained). */
  get oldestAvailable(): number {
    return this.firstAvailable;
  }

  /** Estimated bytes of the retained events. */
  get bytes(): number {
    return this.heldBytes;
  }

  /** Number of revisions held. */
  get length(): number {
    return this.entries.length - this.head;
  }

  append(revision: number, events: WatchEvent[]): void {
    if (revision !== this.lastRevision + 1 || events.length === 0) {
      throw new InternalError(`history: revision ${revision} with ${events.length} events after ${this.lastRevision}`);
    }
    const bytes = eventBytes(events);
    // events.slice(): the caller's array grew by push, with room for many more than it holds.
    this.entries.push(events.length === 1 ? events[0]! : events.slice());
    this.sizes.push(bytes);
    this.heldBytes += bytes;
    this.lastRevision = revision;
  }

  /** Forgets every revision below `revision`. */
  trimBelow(revision: number): void {
    if (revision <= this.firstAvailable) return;
    this.firstAvailable = Math.min(revision, this.lastRevision + 1);
    while (this.head < this.entries.length && this.baseRevision + this.head < this.firstAvailable) {
      this.heldBytes -= this.sizes[this.head]!;
      this.entries[this.head] = null; // collectable now, not when the front is spliced out
      this.head++;
    }
    if (this.head >= SPLICE_AFTER && this.head * 2 >= this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.sizes = this.sizes.slice(this.head);
      this.baseRevision += this.head;
      this.head = 0;
    }
  }

  /** Forgets the oldest revisions until at most `maxBytes` are held (the newest revision always stays). */
  trimToBytes(maxBytes: number): void {
    while (this.heldBytes > maxBytes && this.length > 1) this.trimBelow(this.firstAvailable + 1);
  }

  /**
   * Visits each retained revision >= fromRevision in order; the visitor returns false to stop.
   * Throws CompactedError when fromRevision is older than the oldest retained revision; the error's
   * revision is max(store compact revision, oldest retained - 1), so a restart from error.revision + 1
   * always succeeds.
   */
  forEachRevisionSince(
    fromRevision: number,
    compactRevision: number,
    visit: (revision: number, events: WatchEvent[]) => boolean | void,
  ): void {
    const from = Math.max(fromRevision, 1);
    if (from < this.firstAvailable) {
      throw new CompactedError(fromRevision, Math.max(compactRevision, this.firstAvailable - 1));
    }
    for (let i = this.head + (from - this.firstAvailable); i < this.entries.length; i++) {
      const held = this.entries[i]!;
      if (visit(this.baseRevision + i, Array.isArray(held) ? held : [held]) === false) return;
    }
  }

  /**
   * The events of `range` from fromRevision on, in revision order. With a limit, whole revisions are
   * returned until at least `limit` events are collected (a revision is never split, so a caller
   * can resume from the last event's revision + 1).
   */
  eventsSince(fromRevision: number, compactRevision: number, range: KeyRange, limit = 0): WatchEvent[] {
    const out: WatchEvent[] = [];
    this.forEachRevisionSince(fromRevision, compactRevision, (_revision, events) => {
      for (const event of events) {
        if (rangeContains(range, event.kv.key)) out.push(event);
      }
      return limit <= 0 || out.length < limit;
    });
    return out;
  }
}
