// A session: a lease kept alive in the background, the liveness every recipe (lock, election) hangs
// its keys on. When the lease is gone — expired, revoked, or unreachable for longer than its TTL (the
// server may have expired it meanwhile) — `lost` settles and every key on it is (or is about to be)
// deleted by the cluster; a holder must stop acting on what its keys gave it.
import { InvalidArgumentError, SessionLostError } from '../../codec/errors.js';
import type { KeyValueApi } from '../kv-api.js';
import type { LeaseKeepAlive } from '../lease-keepalive.js';

export interface SessionOptions {
  /** Lease TTL: how long after the session's last renewal its keys survive. Default 10,000 ms. */
  ttlMs?: number;
}

export class Session {
  /** Settles (never rejects) with the reason when the session is lost; not when it is closed. */
  readonly lost: Promise<SessionLostError>;
  private settleLost!: (err: SessionLostError) => void;
  private lastRenewal = Date.now();
  private watchdog: NodeJS.Timeout | null = null;
  private closed = false;
  private gone = false;

  private constructor(
    private readonly kv: KeyValueApi,
    readonly leaseId: number,
    readonly ttlMs: number,
    private readonly keepAlive: LeaseKeepAlive,
  ) {
    this.lost = new Promise((resolve) => { this.settleLost = resolve; });
  }

  static async create(kv: KeyValueApi, o: SessionOptions = {}): Promise<Session> {
    const ttlMs = o.ttlMs ?? 10_000;
    if (!Number.isSafeInteger(ttlMs) || ttlMs <= 0) throw new InvalidArgumentError(`ttlMs must be a positive integer, got ${ttlMs}`);
    const { id } = await kv.lease.grant(ttlMs);
    let session: Session | null = null;
    const keepAlive = kv.lease.keepAlive(id, { onRenew: () => session?.renewed() });
    session = new Session(kv, id, ttlMs, keepAlive);
    session.start();
    return session;
  }

  /** True until the session is lost or closed. */
  get alive(): boolean {
    return !this.gone && !this.closed;
  }

  /** Revokes the lease: every key on it goes at once. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopTimers();
    await this.kv.lease.revoke(this.leaseId).catch(() => undefined); // already gone is fine
  }

  private start(): void {
    this.keepAlive.lost.then(
      () => undefined, // stopped by close()
      (err: unknown) => this.markLost(`lease ${this.leaseId} ended: ${(err as Error).message}`),
    );
    // No renewal for a whole TTL: the cluster may have expired the lease; act as if it had.
    const check = Math.max(50, Math.floor(this.ttlMs / 4));
    this.watchdog = setInterval(() => {
      if (Date.now() - this.lastRenewal > this.ttlMs) this.markLost(`lease ${this.leaseId} not renewed for ${this.ttlMs} ms (cluster unreachable)`);
    }, check);
    this.watchdog.unref();
  }

  private renewed(): void {
    this.lastRenewal = Date.now();
  }

  private markLost(why: string): void {
    if (this.gone || this.closed) return;
    this.gone = true;
    this.stopTimers();
    this.settleLost(new SessionLostError(why));
  }

  private stopTimers(): void {
    this.keepAlive.stop();
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = null;
  }
}
