// Watches over the store's committed events. A watch first replays the retained history from its
// start revision, then receives each newly applied revision's matching events: once, in revision
// order, with no gap and no duplicate (every watcher remembers the next revision it is owed).
//
// Matching: watchers on the same key range share a group, so an event is tested once per distinct
// range, not once per watcher (1,000 watchers on one prefix cost one test per event). Single-key
// groups are found by a map lookup. Everything is synchronous: a slow consumer is the transport's
// business; the hub hands each batch to the sink and moves on.
import type { WatchEvent } from '../codec/types.js';
import { bytesId, copyBytes, rangeContains, toKeyRange, type KeyRange } from './bytes.js';

export interface WatchOptions {
  key: Uint8Array;
  rangeEnd: Uint8Array;
  /** 0 = only events after the current revision. */
  startRevision: number;
  /** Deliver each event's previous key-value (otherwise prevKv is null). */
  prevKv: boolean;
}

export interface WatchBatch {
  revision: number;
  events: WatchEvent[];
}

export type WatchSink = (batch: WatchBatch) => void;

/** Why the hub ended a watch by itself: its sink threw, or `closeAll` was called. */
export type WatchEndHandler = (error: unknown) => void;

export interface WatchHandle {
  readonly id: number;
  readonly cancelled: boolean;
  cancel(): void;
}

/** What the hub reads from the store. */
export interface WatchSource {
  readonly revision: number;
  /** Visits retained revisions >= fromRevision; throws CompactedError when that is too old. */
  forEachRevisionSince(fromRevision: number, visit: (revision: number, events: WatchEvent[]) => boolean | void): void;
}

interface Group {
  id: string;
  range: KeyRange;
  watchers: Set<Watcher>;
}

class Watcher implements WatchHandle {
  cancelled = false;
  constructor(
    readonly id: number,
    readonly prevKv: boolean,
    readonly sink: WatchSink,
    readonly onEnd: WatchEndHandler | undefined,
    /** The next revision this watcher is owed. */
    public nextRevision: number,
    private readonly detach: (w: Watcher) => void,
  ) {}

  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.detach(this);
  }
}

function withoutPrevKv(events: WatchEvent[]): WatchEvent[] {
  return events.map((e) => (e.prevKv === null ? e : { type: e.type, kv: e.kv, prevKv: null }));
}

export class WatchHub {
  private readonly singleKeyGroups = new Map<string, Group>();
  private readonly rangeGroups = new Map<string, Group>();
  private readonly groupOf = new Map<Watcher, Group>();
  private nextId = 1;

  constructor(private readonly source: WatchSource) {}

  /** Number of active watches. */
  get size(): number {
    return this.groupOf.size;
  }

  /**
   * Starts a watch. Replays history synchronously (throws CompactedError, before anything is
   * delivered, when startRevision is no longer retained), then delivers live revisions.
   * `onEnd` is called if the hub ends the watch itself (the sink threw, or closeAll).
   */
  watch(options: WatchOptions, sink: WatchSink, onEnd?: WatchEndHandler): WatchHandle {
    const range = toKeyRange(copyBytes(options.key), copyBytes(options.rangeEnd));
    const current = this.source.revision;
    const start = options.startRevision > 0 ? options.startRevision : current + 1;
    const watcher = new Watcher(this.nextId++, options.prevKv, sink, onEnd, start, (w) => this.detach(w));
    if (start <= current) {
      this.source.forEachRevisionSince(start, (revision, events) => {
        const matching = events.filter((e) => rangeContains(range, e.kv.key));
        if (matching.length > 0) this.deliver(watcher, revision, watcher.prevKv ? matching : withoutPrevKv(matching));
        watcher.nextRevision = revision + 1;
        return !watcher.cancelled;
      });
    }
    if (!watcher.cancelled) this.attach(watcher, range);
    return watcher;
  }

  /** Called by the store after it applied a revision. */
  publish(revision: number, events: WatchEvent[]): void {
    if (this.groupOf.size === 0) return;
    // Most revisions match no watch (a few prefix watches, writes elsewhere): allocate only on a match.
    let matched: Map<Group, WatchEvent[]> | undefined;
    const add = (group: Group, event: WatchEvent) => {
      matched ??= new Map();
      const list = matched.get(group);
      if (list) list.push(event);
      else matched.set(group, [event]);
    };
    const singles = this.singleKeyGroups.size > 0;
    for (const event of events) {
      const single = singles ? this.singleKeyGroups.get(bytesId(event.kv.key)) : undefined;
      if (single) add(single, event);
      for (const group of this.rangeGroups.values()) {
        if (rangeContains(group.range, event.kv.key)) add(group, event);
      }
    }
    if (!matched) return;
    for (const [group, withPrev] of matched) {
      let withoutPrev: WatchEvent[] | undefined;
      for (const watcher of [...group.watchers]) {
        if (watcher.cancelled || watcher.nextRevision > revision) continue;
        const list = watcher.prevKv ? withPrev : (withoutPrev ??= withoutPrevKv(withPrev));
        this.deliver(watcher, revision, list);
        watcher.nextRevision = revision + 1;
      }
    }
  }

  /** Ends every watch (e.g. the store is being replaced by a snapshot), telling each its reason. */
  closeAll(reason: unknown): void {
    for (const watcher of [...this.groupOf.keys()]) this.end(watcher, reason);
  }

  private deliver(watcher: Watcher, revision: number, events: WatchEvent[]): void {
    try {
      watcher.sink({ revision, events });
    } catch (err) {
      this.end(watcher, err);
    }
  }

  private end(watcher: Watcher, reason: unknown): void {
    if (watcher.cancelled) return;
    watcher.cancel();
    watcher.onEnd?.(reason);
  }

  private attach(watcher: Watcher, range: KeyRange): void {
    const groups = range.single ? this.singleKeyGroups : this.rangeGroups;
    // Length-prefixed start, then 'u' (unbounded) or 'b' + end: distinct ranges get distinct ids.
    const id = range.single
      ? bytesId(range.start)
      : `${range.start.length}:${bytesId(range.start)}${range.end ? 'b' + bytesId(range.end) : 'u'}`;
    let group = groups.get(id);
    if (!group) {
      group = { id, range, watchers: new Set() };
      groups.set(id, group);
    }
    group.watchers.add(watcher);
    this.groupOf.set(watcher, group);
  }

  private detach(watcher: Watcher): void {
    const group = this.groupOf.get(watcher);
    if (!group) return;
    this.groupOf.delete(watcher);
    group.watchers.delete(watcher);
    if (group.watchers.size === 0) {
      (group.range.single ? this.singleKeyGroups : this.rangeGroups).delete(group.id);
    }
  }
}
