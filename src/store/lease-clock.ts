// Lease deadlines, kept by the leader only: time is not part of the replicated state. Pure: the
// caller passes `now` (ms, any monotonic clock). The leader grants/keeps alive here, asks `expired`
// on its timer and proposes a leaseExpire for the ids it gets; a new leader calls `resetAll` so every
// lease gets one full TTL before it can expire (no clock is trusted across nodes).
import { BTree } from './btree.js';

interface Deadline {
  at: number;
  id: number;
}

function byDeadline(a: Deadline, b: Deadline): number {
  return a.at - b.at || a.id - b.id;
}

export class LeaseClock {
  private readonly leases = new Map<number, { ttlMs: number; deadline: Deadline }>();
  /** Every tracked lease, soonest deadline first. */
  private readonly queue: BTree<Deadline, true> = new BTree<Deadline, true>(undefined, byDeadline);

  get size(): number {
    return this.leases.size;
  }

  /** Starts (or restarts) tracking a lease: it expires at now + ttlMs. */
  grant(id: number, ttlMs: number, now: number): void {
    this.revoke(id);
    const deadline = { at: now + ttlMs, id };
    this.leases.set(id, { ttlMs, deadline });
    this.queue.set(deadline, true);
  }

  /**
   * Renews a live lease to now + ttl and returns its ttl. Undefined when the lease is unknown or its
   * deadline has passed: an expiry may already be on its way through the log, so a late keep-alive
   * must not be acknowledged.
   */
  keepAlive(id: number, now: number): number | undefined {
    const lease = this.leases.get(id);
    if (!lease || lease.deadline.at <= now) return undefined;
    this.grant(id, lease.ttlMs, now);
    return lease.ttlMs;
  }

  /** Milliseconds left (0 once due), or undefined for an unknown lease. */
  remaining(id: number, now: number): number | undefined {
    const lease = this.leases.get(id);
    return lease && Math.max(0, lease.deadline.at - now);
  }

  /** The granted TTL, or undefined for an unknown lease. */
  ttl(id: number): number | undefined {
    return this.leases.get(id)?.ttlMs;
  }

  /**
   * Ids whose deadline is <= now, soonest first (at most `limit`). They stay tracked until `revoke`:
   * the leader should revoke them here once it has proposed their expiry (or when applying it).
   */
  expired(now: number, limit = Infinity): number[] {
    const ids: number[] = [];
    for (const [deadline] of this.queue.entries()) {
      if (deadline.at > now || ids.length >= limit) break;
      ids.push(deadline.id);
    }
    return ids;
  }

  /** A new leader: tracks exactly these leases, each due at now + its ttl. */
  resetAll(leases: { id: number; ttlMs: number }[], now: number): void {
    this.leases.clear();
    this.queue.clear();
    for (const lease of leases) this.grant(lease.id, lease.ttlMs, now);
  }

  /** Stops tracking a lease (revoked, expired, or no longer leader). Unknown ids are ignored. */
  revoke(id: number): void {
    const lease = this.leases.get(id);
    if (!lease) return;
    this.queue.delete(lease.deadline);
    this.leases.delete(id);
  }
}
