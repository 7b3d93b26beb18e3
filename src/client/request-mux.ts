// Request-reply over one NATS connection with one inbox subscription and one timer, in place of
// nats.js's nc.request(). Why: nats.js builds an Error (with its stack trace) for every request it
// completes, to reject an already-settled promise, and arms a timer per request; under 64 requests in
// flight that was a fifth of the client's CPU (docs/performance.md). The failures keep nats.js's
// error codes (Timeout, NoResponders, PermissionsViolation, ConnectionClosed), so retry.ts needs no
// change.
import { createInbox, ErrorCode, Events, NatsError, type Msg, type NatsConnection, type Status, type Subscription } from 'nats';

interface Pending {
  subject: string;
  deadline: number;
  resolve: (msg: Msg) => void;
  reject: (err: unknown) => void;
}

export class RequestMux {
  private readonly nc: NatsConnection;
  private readonly pending = new Map<string, Pending>();
  private prefix = '';
  private sub: Subscription | null = null;
  private seq = 0;
  private outgoing: { token: string; subject: string; data: Uint8Array }[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private timerAt = Infinity;
  private closed = false;
  private readonly statuses: AsyncIterable<Status> & { stop?: () => void };

  constructor(nc: NatsConnection) {
    this.nc = nc;
    this.statuses = nc.status();
    void this.watchPermissionErrors();
  }

  /** Publishes `data` to `subject` and resolves with the first reply; rejects with a NatsError. */
  request(subject: string, data: Uint8Array, timeoutMs: number): Promise<Msg> {
    return new Promise<Msg>((resolve, reject) => {
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
      this.pending.set(token, { subject, deadline, resolve, reject });
      this.outgoing.push({ token, subject, data });
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
    const batch = this.outgoing;
    this.outgoing = [];
    for (const { token, subject, data } of batch) {
      const p = this.pending.get(token);
      if (!p) continue; // failed meanwhile (closed, timed out)
      try {
        this.nc.publish(subject, data, { reply: this.prefix + token });
      } catch (err) {
        this.pending.delete(token);
        p.reject(err);
      }
    }
  }

  /** Fails what is pending with ConnectionClosed and leaves the inbox. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.outgoing = [];
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
    const p = this.pending.get(token);
    if (!p) return; // late (timed out) or not ours
    this.pending.delete(token);
    // NATS answers a request nobody subscribes to with an empty 503 status message.
    if (msg.data.length === 0 && msg.headers?.code === 503) p.reject(NatsError.errorForCode(ErrorCode.NoResponders));
    else p.resolve(msg);
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
      for (const [token, p] of this.pending) {
        if (p.subject !== ctx.subject) continue;
        this.pending.delete(token);
        p.reject(NatsError.errorForCode(ErrorCode.PermissionsViolation, new Error(`Permissions Violation for Publish to "${ctx.subject}"`)));
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
    for (const [token, p] of this.pending) {
      if (p.deadline <= now) {
        this.pending.delete(token);
        p.reject(NatsError.errorForCode(ErrorCode.Timeout));
      } else if (p.deadline < next) {
        next = p.deadline;
      }
    }
    if (next !== Infinity) this.armTimer(next);
  }

  private failAll(err: unknown): void {
    const waiting = [...this.pending.values()];
    this.pending.clear();
    for (const p of waiting) p.reject(err);
  }
}
