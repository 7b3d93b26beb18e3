// Request-reply over one NATS connection with one inbox subscription and one timer, in place of
// nats.js's nc.request(). Why: nats.js builds an Error (with its stack trace) for every request it
// completes, to reject an already-settled promise, and arms a timer per request; under 64 requests in
// flight that was a fifth of the client's CPU (docs/performance.md). The failures keep nats.js's
// error codes (Timeout, NoResponders, PermissionsViolation, ConnectionClosed), so retry.ts needs no
// change.
//
// Batchable requests of one turn that go to the same subject leave as one message on
// `<subject>.batch` and come back in one reply (src/codec/request-batch.ts); each keeps its own
// deadline and outcome.
import { createInbox, ErrorCode, Events, NatsError, type Msg, type NatsConnection, type Status, type Subscription } from 'nats';
import { MAX_BATCH_ITEMS, batchOverhead, decodeBatch, encodeBatch, isBatch } from '../codec/request-batch.js';
import { batchSubject } from '../transport/subjects.js';

interface Pending {
  token: string;
  subject: string;
  data: Uint8Array;
  /** It may travel in one message with other requests to the same subject. */
  batchable: boolean;
  /** Where it was published (`<subject>.batch` when it went in a batch): a refused publish names it. */
  publishedTo: string;
  deadline: number;
  /** Answered, failed or timed out: no longer in `pending`, and nothing more happens to it. */
  done: boolean;
  resolve: (data: Uint8Array) => void;
  reject: (err: unknown) => void;
}

/** A batch sent and not yet answered: its requests, in order. */
interface SentBatch {
  requests: Pending[];
  /** The latest deadline of its requests; after it, nobody waits for the reply. */
  deadline: number;
}

export interface RequestMuxOptions {
  /** Send batchable requests of one turn to the same subject as one message (default true). */
  batch?: boolean;
}

/** Room left in a batch for the reply subject and the protocol line around the payload. */
const BATCH_HEADROOM_BYTES = 1024;

export class RequestMux {
  private readonly nc: NatsConnection;
  private readonly pending = new Map<string, Pending>();
  private prefix = '';
  private sub: Subscription | null = null;
  private seq = 0;
  /** Requests made since the last publishOutgoing, in order. */
  private outgoing: Pending[] = [];
  private readonly batches = new Map<string, SentBatch>();
  private readonly batching: boolean;
  private batchCount = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private timerAt = Infinity;
  private closed = false;
  private readonly statuses: AsyncIterable<Status> & { stop?: () => void };

  constructor(nc: NatsConnection, o: RequestMuxOptions = {}) {
    this.nc = nc;
    this.batching = o.batch ?? true;
    this.statuses = nc.status();
    void this.watchPermissionErrors();
  }

  /** Request batches published so far (each carried two or more requests). */
  get batchesSent(): number {
    return this.batchCount;
  }

  /**
   * Publishes `data` to `subject` and resolves with the first reply's payload; rejects with a
   * NatsError. `batchable`: it may travel in one message with other requests to the same subject.
   */
  request(subject: string, data: Uint8Array, timeoutMs: number, batchable = false): Promise<Uint8Array> {
    return new Promise<Uint8Array>((resolve, reject) => {
      if (this.closed) {
        reject(NatsError.errorForCode(ErrorCode.ConnectionClosed));
        return;
      }
      try {
        this.subscribe();
      } catch (err) {
        reject(err);
        return;
      }
      const token = (this.seq++).toString(36);
      const deadline = Date.now() + timeoutMs;
      const p: Pending = {
        token, subject, data, batchable: batchable && this.batching, publishedTo: subject, deadline, done: false, resolve, reject,
      };
      this.pending.set(token, p);
      this.outgoing.push(p);
      if (this.outgoing.length === 1) setImmediate(() => this.publishOutgoing());
      if (deadline < this.timerAt) this.armTimer(deadline);
    });
  }

  /**
   * Publishes the requests made since the last turn in one synchronous run, so nats.js sends them in
   * one socket write (it flushes on a microtask; requests issued from separate promise chains would
   * each get a write of their own, and a write is the costliest step of a request on this VM).
   */
  private publishOutgoing(): void {
    const sending = this.outgoing;
    this.outgoing = [];
    const bySubject = new Map<string, Pending[]>();
    for (const p of sending) {
      if (p.done) continue; // failed meanwhile (closed, timed out)
      if (!p.batchable) {
        this.publishAlone(p);
        continue;
      }
      const group = bySubject.get(p.subject);
      if (group) group.push(p);
      else bySubject.set(p.subject, [p]);
    }
    for (const [subject, group] of bySubject) this.publishGroup(subject, group);
  }

  private publishGroup(subject: string, requests: Pending[]): void {
    for (const chunk of this.chunks(requests)) {
      if (chunk.length === 1) this.publishAlone(chunk[0]!);
      else this.publishBatch(subject, chunk);
    }
  }

  /** Splits requests into batches of at most MAX_BATCH_ITEMS that fit the server's max_payload. */
  private chunks(requests: Pending[]): Pending[][] {
    const limit = (this.nc.info?.max_payload ?? 1024 * 1024) - BATCH_HEADROOM_BYTES;
    const out: Pending[][] = [];
    let chunk: Pending[] = [];
    let bytes = 0;
    for (const p of requests) {
      const size = p.data.length;
      if (chunk.length > 0 && (chunk.length === MAX_BATCH_ITEMS || bytes + size + batchOverhead(chunk.length + 1) > limit)) {
        out.push(chunk);
        chunk = [];
        bytes = 0;
      }
      chunk.push(p);
      bytes += size;
    }
    if (chunk.length > 0) out.push(chunk);
    return out;
  }

  private publishAlone(p: Pending): void {
    p.publishedTo = p.subject;
    try {
      this.nc.publish(p.subject, p.data, { reply: this.prefix + p.token });
    } catch (err) {
      this.fail(p, err);
    }
  }

  private publishBatch(subject: string, requests: Pending[]): void {
    const token = `B${(this.seq++).toString(36)}`;
    const to = batchSubject(subject);
    const items: Uint8Array[] = new Array(requests.length);
    let deadline = 0;
    for (let i = 0; i < requests.length; i++) {
      const p = requests[i]!;
      p.publishedTo = to;
      items[i] = p.data;
      if (p.deadline > deadline) deadline = p.deadline;
    }
    this.batches.set(token, { requests, deadline });
    this.batchCount++;
    try {
      this.nc.publish(to, encodeBatch(items), { reply: this.prefix + token });
    } catch (err) {
      this.batches.delete(token);
      for (const p of requests) this.fail(p, err);
    }
  }

  /** Fails what is pending with ConnectionClosed and leaves the inbox. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.outgoing = [];
    this.batches.clear();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.statuses.stop?.();
    this.failAll(NatsError.errorForCode(ErrorCode.ConnectionClosed));
    if (this.sub && !this.nc.isClosed()) this.sub.unsubscribe();
    this.sub = null;
  }

  private subscribe(): void {
    if (this.sub) return;
    this.prefix = `${createInbox()}.`;
    const sub = this.nc.subscribe(`${this.prefix}*`, {
      callback: (err, msg) => (err ? this.onSubscriptionError(sub, err) : this.onReply(msg)),
    });
    this.sub = sub;
    // The connection closed (or the subscription ended): nothing pending can be answered any more.
    void sub.closed.then(() => {
      if (this.sub !== sub) return;
      this.sub = null;
      this.failAll(NatsError.errorForCode(ErrorCode.ConnectionClosed));
    });
  }

  private onReply(msg: Msg): void {
    const token = msg.subject.slice(this.prefix.length);
    // NATS answers a request nobody subscribes to with an empty 503 status message.
    const noResponders = msg.data.length === 0 && msg.headers?.code === 503;
    if (token.startsWith('B')) {
      this.onBatchReply(token, msg.data, noResponders);
      return;
    }
    // A token no longer pending is late (timed out) or not ours: nothing waits for it.
    const p = this.pending.get(token);
    if (!p) return;
    if (noResponders) this.fail(p, NatsError.errorForCode(ErrorCode.NoResponders));
    else this.settle(p, msg.data);
  }

  /**
   * Hands each request of a batch its answer. A reply that is not a batch (an error response about
   * the batch as a whole) answers every request; an empty item is a request the node could not fit
   * into the reply, sent again on its own.
   */
  private onBatchReply(token: string, data: Uint8Array, noResponders: boolean): void {
    const batch = this.batches.get(token);
    if (!batch) return;
    this.batches.delete(token);
    const { requests } = batch;
    if (noResponders) {
      const err = NatsError.errorForCode(ErrorCode.NoResponders);
      for (const p of requests) this.fail(p, err);
      return;
    }
    if (!isBatch(data)) {
      for (const p of requests) this.settle(p, data);
      return;
    }
    let answers: Uint8Array[];
    try {
      answers = decodeBatch(data, requests.length);
      if (answers.length !== requests.length) throw new Error(`${answers.length} answers to ${requests.length} requests`);
    } catch (err) {
      const malformed = new Error(`malformed batch reply: ${(err as Error).message}`);
      for (const p of requests) this.fail(p, malformed);
      return;
    }
    for (let i = 0; i < requests.length; i++) {
      const p = requests[i]!;
      if (answers[i]!.length > 0) this.settle(p, answers[i]!);
      else if (!p.done) this.publishAlone(p);
    }
  }

  /** Answers `p` unless something already did (or failed it). */
  private settle(p: Pending, data: Uint8Array): void {
    if (p.done) return;
    this.finish(p);
    p.resolve(data);
  }

  private fail(p: Pending, err: unknown): void {
    if (p.done) return;
    this.finish(p);
    p.reject(err);
  }

  /** Takes `p` out of `pending` (safe inside a loop over `pending`: a Map's iterator moves past deleted entries). */
  private finish(p: Pending): void {
    p.done = true;
    this.pending.delete(p.token);
  }

  /** The inbox subscription was refused (permissions): fail what waits; the next request subscribes again. */
  private onSubscriptionError(sub: Subscription, err: NatsError): void {
    if (this.sub === sub) this.sub = null;
    this.failAll(err);
  }

  /** A publish the server refused fails the requests waiting on that subject (as nc.request() did). */
  private async watchPermissionErrors(): Promise<void> {
    for await (const s of this.statuses) {
      if (this.closed) return;
      const ctx = (s as { permissionContext?: { operation: string; subject: string } }).permissionContext;
      if (s.type !== Events.Error || ctx?.operation !== 'publish') continue;
      for (const p of this.pending.values()) {
        if (p.publishedTo !== ctx.subject) continue;
        this.fail(p, NatsError.errorForCode(ErrorCode.PermissionsViolation, new Error(`Permissions Violation for Publish to "${ctx.subject}"`)));
      }
    }
  }

  private armTimer(at: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    // Unref'd: while a request waits, its connection's socket keeps the process alive.
    this.timer = setTimeout(() => this.expire(), Math.max(0, at - Date.now()));
    this.timer.unref();
  }

  /** Fails the requests whose time is up and arms the timer for the next deadline. */
  private expire(): void {
    this.timer = null;
    this.timerAt = Infinity;
    const now = Date.now();
    let next = Infinity;
    for (const p of this.pending.values()) {
      if (p.deadline <= now) {
        this.fail(p, NatsError.errorForCode(ErrorCode.Timeout));
      } else if (p.deadline < next) {
        next = p.deadline;
      }
    }
    // A batch whose every request has timed out: nobody waits for its reply any more.
    for (const [token, b] of this.batches) {
      if (b.deadline <= now) this.batches.delete(token);
      else if (b.deadline < next) next = b.deadline;
    }
    if (next !== Infinity) this.armTimer(next);
  }

  private failAll(err: unknown): void {
    for (const p of this.pending.values()) this.fail(p, err);
  }
}
