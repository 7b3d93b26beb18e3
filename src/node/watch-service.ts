// Serves watches on one node (protocol: src/transport/WATCH.md). A watch is created by a request
// (watchCreate, through the API server); from then on the node publishes WatchMessages to the
// watch's `deliverTo` subject: events, progress on idle watches (also this node's heartbeat), and a
// final `cancelled` with its reason. Clients acknowledge on keel.<c>.watch.<nodeId>.ack; a watch
// whose client stops acknowledging is freed, one whose client falls too far behind is cancelled.
//
// The store's apply path only appends to a watch's pending list (WatchStream.enqueue); encoding and
// publishing happen on a flush at the end of the current synchronous run (a microtask: a Ready
// applies its entries synchronously, so one flush covers them all, and nothing waits a turn of the
// event loop between apply and publish), one message per watch per flush (split only to fit
// NATS max_payload). Watches on the same range usually share their event lists, so a flush encodes
// each distinct body once and only prefixes each watch's id (WatchBodyCache).
import type { NatsConnection, Subscription } from 'nats';
import type { Logger } from 'pino';
import { CompactedError, InvalidArgumentError, UnavailableError } from '../codec/errors.js';
import type { WatchCreateRequest, WatchEvent } from '../codec/types.js';
import { rangeContains, toKeyRange } from '../store/bytes.js';
import type { KvStore } from '../store/kv-store.js';
import type { WatchBatch } from '../store/watch-hub.js';
import { watchAckCodec, watchAckSubject, type WatchCancelReason } from '../transport/watch-messages.js';
import { WatchBodyCache } from './watch-body-cache.js';
import { eventBytes, WatchStream, type WatchLimits } from './watch-stream.js';

export interface WatchServiceOptions {
  nc: NatsConnection;
  cluster: string;
  nodeId: string;
  /** The store whose events are watched (a getter: the store object may be replaced by a snapshot). */
  store: () => KvStore;
  logger: Logger;
  /** An idle watch gets a progress message this often (ms). Default 1000. */
  progressIntervalMs?: number;
  /** A watch with no ack for this long is freed (its client is gone). Default 5000. */
  ackTimeoutMs?: number;
  limits?: Partial<WatchLimits>;
  /**
   * False while the node knows no leader (or cannot apply): after `leaderlessMs` (default 3000) its
   * watches are cancelled with `noLeader` and creates refused, so clients move to a node that
   * still receives the log instead of waiting on one that silently stopped.
   */
  hasLeader?: () => boolean;
  leaderlessMs?: number;
  now?: () => number;
  /** Counts and logs (rate-limited) what the ack subscription drops. */
  onDropped?: (kind: 'subscriptionErrors' | 'handlerErrors' | 'watchAckMalformed', err: unknown) => void;
}

const DEFAULT_WATCH_LIMITS: Readonly<WatchLimits> = Object.freeze({
  maxUnackedEvents: 10_000,
  maxUnackedBytes: 8 * 1024 * 1024,
});

/** A catch-up reads at most this much history per flush (then yields the event loop). */
const CATCH_UP_SLICE_EVENTS = 1000;
const CATCH_UP_SLICE_BYTES = 256 * 1024;

export class WatchService {
  private readonly streams = new Map<string, WatchStream>();
  private dirty = new Set<WatchStream>();
  private flushScheduled = false;
  private timer: NodeJS.Timeout | null = null;
  private ackSub: Subscription | null = null;
  private stopped = false;
  private readonly progressMs: number;
  private readonly ackTimeoutMs: number;
  private readonly limits: WatchLimits;
  private readonly now: () => number;
  private leaderlessSince: number | null = null;

  constructor(private readonly o: WatchServiceOptions) {
    this.progressMs = o.progressIntervalMs ?? 1000;
    this.ackTimeoutMs = o.ackTimeoutMs ?? 5000;
    this.limits = { ...DEFAULT_WATCH_LIMITS, ...o.limits };
    this.now = o.now ?? (() => performance.now());
  }

  /** Active watches on this node. */
  get size(): number {
    return this.streams.size;
  }

  /** Over every watch: events waiting to be sent or acknowledged, and the bytes sent and not yet acknowledged (metrics). */
  backlog(): { events: number; unackedBytes: number } {
    let events = 0;
    let unackedBytes = 0;
    for (const stream of this.streams.values()) {
      for (const batch of stream.pending) events += batch.events.length;
      const unacked = stream.unacked;
      events += unacked.events;
      unackedBytes += unacked.bytes;
    }
    return { events, unackedBytes };
  }

  start(): void {
    if (this.ackSub || this.stopped) return;
    this.ackSub = this.o.nc.subscribe(watchAckSubject(this.o.cluster, this.o.nodeId), {
      callback: (err, msg) => {
        if (err) return void this.report('subscriptionErrors', err);
        try {
          this.onAck(msg.data);
        } catch (thrown) {
          this.report('handlerErrors', thrown); // an ack must never stop the subscription
        }
      },
    });
    this.timer = setInterval(() => this.checkIdle(), Math.max(50, Math.floor(this.progressMs / 2)));
  }

  /**
   * Throws UnavailableError (the client tries another node) when this node takes no new watch: it
   * is stopping or leaderless. Checked before the linearizable wait too, which a stopping leader
   * handing its leadership over would not answer.
   */
  checkAccepting(): void {
    if (this.stopped) throw new UnavailableError(`node ${this.o.nodeId} is stopping; ask another node`);
    const leaderless = this.leaderlessFor();
    if (leaderless > (this.o.leaderlessMs ?? 3000)) {
      throw new UnavailableError(`node ${this.o.nodeId} has known no leader for ${Math.round(leaderless)} ms; ask another node`);
    }
  }

  /**
   * Registers a watch. Throws CompactedError (nothing is sent) when its start revision is no longer
   * retained, InvalidArgumentError when the id is taken by another watch (a retry of the same create
   * is answered as the first), UnavailableError (the client tries another
   * node) when this node is stopping or leaderless. Events follow on the next flush.
   */
  create(req: WatchCreateRequest): void {
    this.checkAccepting();
    const existing = this.streams.get(req.watchId);
    if (existing) {
      // The client retried a create whose first attempt took effect here after the client had
      // given up waiting for it (a slow linearizable wait): the same watch, nothing to do.
      if (existing.deliverTo === req.deliverTo && !existing.ended) return;
      throw new InvalidArgumentError(`watch ${req.watchId} already exists on this node`);
    }
    const store = this.o.store();
    const current = store.revision;
    const start = req.startRevision > 0 ? req.startRevision : current + 1;
    // Throws CompactedError when `start` is older than the retained history.
    if (start <= current) store.forEachRevisionSince(start, () => false);
    const stream = new WatchStream(req.watchId, req.deliverTo, req.key, req.rangeEnd, req.prevKv, start, this.now(), this.limits);
    this.streams.set(req.watchId, stream);
    if (start > current) this.attach(stream);
    else this.markDirtyNextTurn(stream); // after the create's answer has gone out
    this.o.logger.debug({ watchId: req.watchId, start, current }, 'watch created');
  }

  /** Ends a watch at its client's request; false when this node holds no such watch. */
  cancel(watchId: string): boolean {
    const stream = this.streams.get(watchId);
    if (!stream) return false;
    this.end(stream, 'cancelled', 'cancelled by the client');
    return true;
  }

  /** Tells every watch to resume elsewhere and stops serving. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const stream of [...this.streams.values()]) this.end(stream, 'nodeStopping', `node ${this.o.nodeId} is stopping`);
    if (this.timer) clearInterval(this.timer);
    this.ackSub?.unsubscribe();
    this.ackSub = null;
  }

  // ------------------------------------------------------------------ live and catch-up

  /** From now on the hub hands this watch every applied revision >= its cursor. */
  private attach(stream: WatchStream): void {
    const store = this.o.store();
    stream.attachedTo = store;
    stream.handle = store.watches.watch(
      { key: stream.key, rangeEnd: stream.rangeEnd, startRevision: stream.cursor, prevKv: stream.prevKv },
      (batch) => {
        stream.enqueue(batch);
        this.markDirty(stream);
      },
      (reason) => this.end(stream, 'internal', `the store ended the watch: ${(reason as Error)?.message ?? String(reason)}`),
    );
  }

  /** Reads the next slice of history into pending; attaches to the hub once caught up. */
  private pump(stream: WatchStream): void {
    const store = this.o.store();
    const range = toKeyRange(stream.key, stream.rangeEnd);
    // Never read more than the room left in the half window (a slice still ends on a revision).
    const room = stream.catchUpRoom;
    const maxEvents = Math.min(CATCH_UP_SLICE_EVENTS, room.events);
    const maxBytes = Math.min(CATCH_UP_SLICE_BYTES, room.bytes);
    let events = 0;
    let bytes = 0;
    try {
      store.forEachRevisionSince(stream.cursor, (revision, all) => {
        const matching = all.filter((e) => rangeContains(range, e.kv.key));
        if (matching.length > 0) {
          stream.enqueue({ revision, events: stream.prevKv ? matching : withoutPrevKv(matching) });
          events += matching.length;
          for (const e of matching) bytes += eventBytes(e);
        }
        stream.cursor = revision + 1;
        return events < maxEvents && bytes < maxBytes;
      });
    } catch (err) {
      if (err instanceof CompactedError) {
        this.end(stream, 'compacted', err.message, err.revision);
        return;
      }
      throw err;
    }
    stream.coveredRevision = Math.max(stream.coveredRevision, stream.cursor - 1);
    if (stream.cursor > store.revision) this.attach(stream);
  }

  // ------------------------------------------------------------------ sending

  private markDirty(stream: WatchStream): void {
    this.dirty.add(stream);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    queueMicrotask(() => this.flush());
  }

  private readonly catchingUp = new Set<WatchStream>();
  private catchUpScheduled = false;

  /**
   * Marks a catching-up watch dirty on the next turn of the event loop: its first history reaches
   * the client after the create's answer, and a long catch-up lets I/O run between its slices.
   */
  private markDirtyNextTurn(stream: WatchStream): void {
    this.catchingUp.add(stream);
    if (this.catchUpScheduled) return;
    this.catchUpScheduled = true;
    setImmediate(() => {
      this.catchUpScheduled = false;
      const streams = [...this.catchingUp];
      this.catchingUp.clear();
      for (const stream of streams) if (!stream.ended) this.markDirty(stream);
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.dirty;
    this.dirty = new Set();
    const cache = new WatchBodyCache(this.o.nodeId);
    const now = this.now();
    for (const stream of batch) {
      if (stream.ended) continue;
      if (!stream.live && stream.pending.length === 0 && stream.catchUpHasRoom) this.pump(stream);
      if (stream.ended) continue;
      this.sendPending(stream, cache, now);
      if (stream.ended) continue;
      if (stream.live && stream.overWindow) {
        const { events, bytes } = stream.unacked;
        this.end(stream, 'slowConsumer', `the client left ${events} events (${bytes} bytes) unacknowledged; `
          + `the limit is ${this.limits.maxUnackedEvents} events or ${this.limits.maxUnackedBytes} bytes`);
      } else if (!stream.live && stream.catchUpHasRoom) {
        this.markDirtyNextTurn(stream); // keep catching up, one slice per turn (I/O runs between)
      }
    }
  }

  private sendPending(stream: WatchStream, cache: WatchBodyCache, now: number): void {
    const batches = stream.takePending();
    if (batches.length === 0) return;
    const maxPayload = this.maxPayload();
    for (const chunk of chunksOf(batches, Math.max(1024, maxPayload - 16 * 1024))) {
      const lastRevision = chunk.batches[chunk.batches.length - 1]!.revision;
      const bytes = cache.events(stream.watchId, stream.sentRevision, chunk.batches, lastRevision);
      if (bytes.length > maxPayload) {
        this.end(stream, 'tooLarge', `the events of revision ${chunk.batches[0]!.revision} take ${bytes.length} bytes, above the NATS max_payload of ${maxPayload}`);
        return;
      }
      this.publish(stream.deliverTo, bytes);
      stream.recordSent(lastRevision, chunk.events, chunk.bytes, now);
    }
  }

  /** Progress for idle watches; frees watches whose client stopped acknowledging. */
  private checkIdle(): void {
    const now = this.now();
    const leaderless = this.leaderlessFor();
    if (leaderless > (this.o.leaderlessMs ?? 3000)) {
      for (const stream of [...this.streams.values()]) {
        this.end(stream, 'noLeader', `node ${this.o.nodeId} has known no leader for ${Math.round(leaderless)} ms`);
      }
      return;
    }
    const cache = new WatchBodyCache(this.o.nodeId);
    const store = this.o.store();
    const revision = store.revision;
    for (const stream of [...this.streams.values()]) {
      if (stream.live && stream.attachedTo !== store) {
        // The store was replaced (a snapshot installed) without ending this watch: its events stopped.
        this.end(stream, 'internal', 'the node replaced its state with a snapshot');
        continue;
      }
      if (now - stream.lastAckAt > this.ackTimeoutMs) {
        this.end(stream, 'clientGone', `no acknowledgement for ${Math.round(now - stream.lastAckAt)} ms`);
        continue;
      }
      if (stream.pending.length > 0 || now - stream.lastSentAt < this.progressMs) continue;
      // Live with nothing pending: every matching event up to the store's revision has been sent.
      const progress = stream.live ? Math.max(revision, stream.coveredRevision) : stream.coveredRevision;
      this.publish(stream.deliverTo, cache.progress(stream.watchId, stream.sentRevision, progress));
      stream.recordProgress(progress, now);
    }
  }

  /** How long this node has been without a leader (0 when it has one). */
  private leaderlessFor(): number {
    if (this.o.hasLeader?.() ?? true) {
      this.leaderlessSince = null;
      return 0;
    }
    const now = this.now();
    this.leaderlessSince ??= now;
    return now - this.leaderlessSince;
  }

  private onAck(data: Uint8Array): void {
    let acks;
    try {
      acks = watchAckCodec.decode(data).acks;
    } catch (err) {
      this.report('watchAckMalformed', err);
      return;
    }
    const now = this.now();
    for (const a of acks) {
      const stream = this.streams.get(a.watchId);
      if (!stream) continue;
      stream.ack(a.revision, now);
      if (!stream.live && stream.catchUpHasRoom) this.markDirty(stream);
    }
  }

  private end(stream: WatchStream, reason: WatchCancelReason, message: string, compactRevision = 0): void {
    if (stream.ended) return;
    stream.ended = true;
    stream.handle?.cancel();
    this.streams.delete(stream.watchId);
    this.dirty.delete(stream);
    const cancelled = new WatchBodyCache(this.o.nodeId).cancelled(stream.watchId, stream.sentRevision, reason, message, compactRevision);
    this.publish(stream.deliverTo, cancelled);
    this.o.logger.debug({ watchId: stream.watchId, reason, message }, 'watch ended');
  }

  private publish(subject: string, bytes: Uint8Array): void {
    try {
      this.o.nc.publish(subject, bytes);
    } catch (err) {
      // The connection is closing: the client will notice the silence and resume elsewhere.
      this.o.logger.debug({ err, subject }, 'watch: publish failed');
    }
  }

  private report(kind: 'subscriptionErrors' | 'handlerErrors' | 'watchAckMalformed', err: unknown): void {
    if (this.o.onDropped) this.o.onDropped(kind, err);
    else this.o.logger.warn({ err, kind }, 'watch: dropped an ack');
  }

  private maxPayload(): number {
    return this.o.nc.info?.max_payload ?? 1024 * 1024;
  }
}

function withoutPrevKv(events: WatchEvent[]): WatchEvent[] {
  return events.map((e) => (e.prevKv === null ? e : { type: e.type, kv: e.kv, prevKv: null }));
}

interface Chunk {
  batches: WatchBatch[];
  events: number;
  bytes: number;
}

/** Splits batches (whole revisions, never a revision) into chunks of about `limit` bytes. */
function chunksOf(batches: WatchBatch[], limit: number): Chunk[] {
  const out: Chunk[] = [];
  let current: Chunk = { batches: [], events: 0, bytes: 0 };
  for (const b of batches) {
    let size = 0;
    for (const e of b.events) size += eventBytes(e);
    if (current.batches.length > 0 && current.bytes + size > limit) {
      out.push(current);
      current = { batches: [], events: 0, bytes: 0 };
    }
    current.batches.push(b);
    current.events += b.events.length;
    current.bytes += size;
  }
  if (current.batches.length > 0) out.push(current);
  return out;
}
