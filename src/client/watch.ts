// A watch as the caller sees it: an async iterator of events in revision order, with no gap and no
// duplicate, that survives the death of the node serving it. The client remembers the last revision
// it has received completely; when its node goes silent (no message for NODE_SILENCE_MS), says it
// is stopping, or forgets the watch, the client creates the watch again on any node from that
// revision + 1, under a new attempt subject, and drops anything at or below it. Protocol:
// src/transport/WATCH.md.
import { randomUUID } from 'node:crypto';
import { CancelledError, CompactedError, InternalError, InvalidArgumentError, KeelError } from '../codec/errors.js';
import type { ResponseHeader, WatchEvent } from '../codec/types.js';
import type { WatchMessage } from '../transport/watch-messages.js';
import type { Requester } from './requester.js';
import { KeyValueView } from './results.js';
import { backoffDelay, isRetryable } from './retry.js';
import { ACK_EVERY_EVENTS, type MuxedWatch, type WatchMux } from './watch-mux.js';

export interface WatchOptions {
  /** First revision to deliver; default: the next one (events after the watch starts). */
  startRevision?: number;
  /** Deliver each event's previous key-value. */
  prevKv?: boolean;
  /** Called when the cluster confirms every event up to `revision` has been delivered (idle watches, ~1 s). */
  onProgress?: (revision: number) => void;
}

export interface WatchEventView {
  type: 'put' | 'delete';
  /** The event's revision (= kv.modRevision). */
  revision: number;
  /** For a delete: the key, with an empty value. */
  kv: KeyValueView;
  prevKv: KeyValueView | null;
}

/** A node that sends nothing (not even progress) for this long is presumed gone. */
export const NODE_SILENCE_MS = 3000;

interface WatchParts {
  requester: Requester;
  mux: WatchMux;
  key: Uint8Array;
  rangeEnd: Uint8Array;
}

type Waiter = { resolve: (r: IteratorResult<WatchEventView>) => void; reject: (err: unknown) => void };

export class Watch implements AsyncIterable<WatchEventView>, AsyncIterator<WatchEventView>, MuxedWatch {
  /** Resolves once the first node has accepted the watch; rejects if it never could (e.g. Compacted). */
  readonly ready: Promise<void>;
  private readonly id = randomUUID();
  private attempt = 0;
  private nodeId = '';
  private running = false;
  private lastHeard = 0;
  /** Every event up to this revision has been received (buffered or handed out). */
  private received: number;
  /** Every event up to this revision has been handed to the caller (what is acknowledged). */
  private consumed: number;
  private consumedSinceAck = 0;
  private readonly buffer: WatchEventView[] = [];
  private readonly waiters: Waiter[] = [];
  private failure: unknown = null;
  private closed = false;
  private restarting = false;

  constructor(private readonly parts: WatchParts, private readonly o: WatchOptions = {}) {
    const start = o.startRevision ?? 0;
    if (!Number.isSafeInteger(start) || start < 0) throw new InvalidArgumentError(`startRevision must be a non-negative integer, got ${start}`);
    // startRevision 0: the first node's revision at creation sets `received` (see create()).
    this.received = start > 0 ? start - 1 : -1;
    this.consumed = this.received;
    parts.mux.add(this.id, this);
    this.ready = this.create();
    this.ready.catch(() => undefined); // surfaced through next() as well
  }

  /** The node currently serving the watch ('' before the first one answered). */
  get servingNode(): string {
    return this.nodeId;
  }

  /** The revision up to which every event has been received. */
  get revision(): number {
    return Math.max(0, this.received);
  }

  [Symbol.asyncIterator](): AsyncIterator<WatchEventView> {
    return this;
  }

  next(): Promise<IteratorResult<WatchEventView>> {
    const event = this.buffer.shift();
    if (event) {
      this.noteConsumed(event);
      return Promise.resolve({ value: event, done: false });
    }
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  async return(): Promise<IteratorResult<WatchEventView>> {
    await this.cancel();
    return { value: undefined, done: true };
  }

  /** Stops the watch and frees it on its node; iteration ends. Idempotent. */
  async cancel(): Promise<void> {
    if (this.closed) return;
    this.finish(null);
    await this.cancelOnNode(this.nodeId, this.attemptWatchId());
  }

  // ------------------------------------------------------------------ MuxedWatch

  onMessage(attempt: string, msg: WatchMessage): void {
    if (this.closed || attempt !== String(this.attempt)) return; // an earlier attempt's stream
    this.lastHeard = performance.now();
    if (this.nodeId === '') this.nodeId = msg.nodeId;
    const body = msg.body;
    if (body.type !== 'cancelled') {
      if (this.received < 0) {
        // A watch from "now" whose first message came before the create answer: it starts there.
        this.received = msg.prevRevision;
        this.consumed = msg.prevRevision;
      } else if (msg.prevRevision > this.received) {
        this.restart(); // a message was lost (e.g. our NATS connection dropped): resume from received + 1
        return;
      }
    }
    switch (body.type) {
      case 'events':
        this.receive(body.events, body.lastRevision);
        break;
      case 'progress':
        if (body.revision > this.received) {
          this.received = body.revision;
          if (this.buffer.length === 0) this.consumed = this.received;
        }
        this.o.onProgress?.(body.revision);
        break;
      case 'cancelled':
        if (body.reason === 'slowConsumer' || body.reason === 'tooLarge') {
          this.finish(new CancelledError(`watch cancelled by node ${msg.nodeId} (${body.reason}): ${body.message}`));
        } else if (body.reason !== 'cancelled') {
          // nodeStopping, clientGone, noLeader, internal: resume elsewhere. compacted too: that node
          // may just hold less history (restarted from a snapshot); create() asks every member and
          // ends the watch with CompactedError only if none has the revision.
          this.restart();
        }
        break;
    }
  }

  ackEntry(): { nodeId: string; entry: { watchId: string; revision: number } } | null {
    if (!this.running || this.closed) return null;
    this.consumedSinceAck = 0;
    return { nodeId: this.nodeId, entry: { watchId: this.attemptWatchId(), revision: Math.max(0, this.consumed) } };
  }

  abort(error: unknown): void {
    this.finish(error);
  }

  onTick(now: number): void {
    if (this.running && !this.closed && now - this.lastHeard > NODE_SILENCE_MS) this.restart();
  }

  // ------------------------------------------------------------------ internals

  private attemptWatchId(): string {
    return `${this.id}-${this.attempt}`;
  }

  private receive(events: WatchEvent[], lastRevision: number): void {
    for (const e of events) {
      if (e.kv.modRevision <= this.received) continue; // already delivered by an earlier attempt
      this.deliver({
        type: e.type, revision: e.kv.modRevision, kv: new KeyValueView(e.kv), prevKv: e.prevKv ? new KeyValueView(e.prevKv) : null,
      });
    }
    if (lastRevision > this.received) this.received = lastRevision;
    if (this.buffer.length === 0) this.consumed = this.received;
  }

  private deliver(event: WatchEventView): void {
    const waiter = this.waiters.shift();
    if (waiter) {
      this.noteConsumed(event);
      waiter.resolve({ value: event, done: false });
    } else {
      this.buffer.push(event);
    }
  }

  /** The caller took `event`: everything before the next buffered revision is consumed. */
  private noteConsumed(event: WatchEventView): void {
    const next = this.buffer[0];
    this.consumed = next ? Math.max(this.consumed, Math.min(event.revision, next.revision - 1)) : Math.max(this.consumed, this.received, event.revision);
    if (++this.consumedSinceAck >= ACK_EVERY_EVENTS) {
      this.consumedSinceAck = 0;
      this.parts.mux.requestAck();
    }
  }

  /** Creates the watch on some node (any node answering the api queue group), retrying until it works. */
  private async create(): Promise<void> {
    for (let failures = 0; !this.closed; failures++) {
      const attempt = this.attempt;
      try {
        let header: ResponseHeader;
        try {
          header = await this.createOn(attempt);
        } catch (err) {
          if (!(err instanceof KeelError && err.code === 'Compacted')) throw err;
          // A node restarted from a snapshot keeps less history than its peers: ask each of them.
          header = await this.createOnAnyMember(attempt, err);
        }
        if (this.closed || attempt !== this.attempt) return;
        if (this.received < 0) {
          this.received = header.revision;
          this.consumed = header.revision;
        }
        this.nodeId = header.nodeId;
        this.lastHeard = performance.now();
        this.running = true;
        return;
      } catch (err) {
        if (this.closed) return;
        if (err instanceof KeelError && err.code === 'Compacted') {
          const e = new CompactedError(this.received + 1, err.revision);
          this.finish(e);
          throw e;
        }
        if (!isRetryable(err) && !(err instanceof KeelError && (err.code === 'Timeout' || err.code === 'Unavailable'))) {
          const e = err instanceof KeelError ? err : new InternalError(String(err));
          this.finish(e);
          throw e;
        }
        // No node reachable for a whole request deadline: keep trying, the caller does not notice.
        await new Promise((r) => setTimeout(r, backoffDelay(Math.min(failures, 6))));
      }
    }
  }

  /** One watchCreate for this attempt, on any node or (one try) on `nodeId`. */
  private async createOn(attempt: number, nodeId?: string): Promise<ResponseHeader> {
    const { header } = await this.parts.requester.send({
      type: 'watchCreate', watchId: this.attemptWatchId(), key: this.parts.key, rangeEnd: this.parts.rangeEnd,
      startRevision: this.received + 1 > 0 ? this.received + 1 : 0, prevKv: this.o.prevKv ?? false,
      deliverTo: this.parts.mux.subjectFor(this.id, attempt),
    }, 'watchCreate', nodeId === undefined ? {} : { nodeId, retry: false });
    return header;
  }

  /** Tries every member in turn; throws `compacted` when none retains the start revision. */
  private async createOnAnyMember(attempt: number, compacted: KeelError): Promise<ResponseHeader> {
    const { body } = await this.parts.requester.send({ type: 'memberList' }, 'memberList');
    for (const m of body.members) {
      if (this.closed || attempt !== this.attempt) break;
      try {
        return await this.createOn(attempt, m.id);
      } catch {
        // compacted there too, or unreachable: the next member
      }
    }
    throw compacted;
  }

  /** The serving node is gone or dropped the watch: start again elsewhere from received + 1. */
  private restart(): void {
    if (this.closed || this.restarting) return;
    const oldNode = this.nodeId;
    const oldWatchId = this.attemptWatchId();
    this.running = false;
    this.attempt++;
    this.restarting = true;
    void this.cancelOnNode(oldNode, oldWatchId);
    void this.create().catch(() => undefined).finally(() => {
      this.restarting = false;
    });
  }

  /** Best effort: frees the watch on its node (which also frees it by itself once acks stop). */
  private async cancelOnNode(nodeId: string, watchId: string): Promise<void> {
    if (!nodeId) return;
    try {
      await this.parts.requester.send({ type: 'watchCancel', watchId }, 'watchCancel', { nodeId, retry: false });
    } catch {
      // the node is gone or the client closed: nothing to free
    }
  }

  private finish(error: unknown): void {
    if (this.closed) return;
    this.closed = true;
    this.running = false;
    this.failure = error;
    this.parts.mux.remove(this.id);
    for (const w of this.waiters.splice(0)) {
      if (error) w.reject(error);
      else w.resolve({ value: undefined, done: true });
    }
  }
}
