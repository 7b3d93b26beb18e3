// The keep-alive loop of one lease: renew, wait a third of the TTL, renew again, until stopped. A
// renewal that fails for a passing reason (no leader during a failover, a timeout) is retried after a
// sixth of the TTL; LeaseNotFound means the lease is gone for good and ends the loop.
import { KeelError } from '../codec/errors.js';
import type { LeaseKeepAliveResponse } from './results.js';

export interface KeepAliveOptions {
  /** Renew this often (ms); default a third of the lease's TTL. */
  intervalMs?: number;
  /** Called after every successful renewal. */
  onRenew?: (r: LeaseKeepAliveResponse) => void;
  /** Called when a renewal failed and will be retried. */
  onError?: (err: unknown) => void;
}

/** Before the first answer tells the TTL, renewals give up after this long. */
const FIRST_DEADLINE_MS = 5000;

export class LeaseKeepAlive {
  /** Resolves when stopped; rejects with the error that ended the loop (LeaseNotFound). */
  readonly lost: Promise<void>;
  /** The TTL the leader last granted (0 before the first renewal). */
  ttlMs = 0;
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;
  private settle!: (err: unknown) => void;

  constructor(
    readonly id: number,
    private readonly renew: (deadlineMs: number) => Promise<LeaseKeepAliveResponse>,
    private readonly o: KeepAliveOptions = {},
  ) {
    this.lost = new Promise<void>((resolve, reject) => {
      this.settle = (err) => (err ? reject(err) : resolve());
    });
    this.lost.catch(() => undefined); // observed by whoever awaits it
    void this.loop();
  }

  get running(): boolean {
    return !this.stopped;
  }

  /** Stops renewing (the lease then expires after its TTL unless revoked). */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.settle(null);
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      let wait: number;
      try {
        const r = await this.renew(this.ttlMs > 0 ? Math.max(500, Math.floor(this.ttlMs / 2)) : FIRST_DEADLINE_MS);
        if (this.stopped) return;
        this.ttlMs = r.ttlMs;
        this.o.onRenew?.(r);
        wait = this.o.intervalMs ?? Math.max(50, Math.floor(r.ttlMs / 3));
      } catch (err) {
        if (this.stopped) return;
        if (err instanceof KeelError && (err.code === 'LeaseNotFound' || err.code === 'Cancelled')) {
          this.stopped = true;
          this.settle(err);
          return;
        }
        this.o.onError?.(err);
        wait = this.ttlMs > 0 ? Math.max(50, Math.floor(this.ttlMs / 6)) : 200;
      }
      await new Promise<void>((resolve) => {
        this.timer = setTimeout(resolve, wait);
      });
    }
  }
}
