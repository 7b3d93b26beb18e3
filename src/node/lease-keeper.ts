// The leader's side of leases: time. The replicated store knows which leases exist and which keys
// they hold; only the leader knows deadlines. It keeps a LeaseClock, answers keep-alives, and
// proposes `leaseExpire` when deadlines pass, so every replica deletes the same keys at the same
// revision. A new leader first proposes `leaseExtendAll`; when that entry applies, every lease gets
// a full TTL from that moment (no clock is trusted across nodes) and expiry checks begin.
import { LeaseNotFoundError, NotLeaderError } from '../codec/errors.js';
import type { Command, ApplyOutcome, LeaseTimeToLiveResult } from '../codec/types.js';
import { LeaseClock } from '../store/lease-clock.js';
import type { KvStore } from '../store/kv-store.js';

export interface LeaseKeeperDeps {
  store: KvStore;
  /** Proposes a leader-made command; returns false when Raft refused it (not leader). */
  propose: (cmd: Command) => boolean;
  now?: () => number;
}

/** At most this many leases expire in one proposed command. */
const EXPIRE_BATCH = 1000;

export class LeaseKeeper {
  private readonly clock = new LeaseClock();
  private leader = false;
  /** True once this leader's leaseExtendAll has applied: deadlines are meaningful. */
  private active = false;
  private readonly expiring = new Set<number>();
  private readonly now: () => number;

  constructor(private readonly deps: LeaseKeeperDeps) {
    this.now = deps.now ?? (() => performance.now());
  }

  onLeaderChange(isLeader: boolean): void {
    this.leader = isLeader;
    this.active = false;
    this.expiring.clear();
    this.clock.resetAll([], 0);
    if (isLeader) this.deps.propose({ requestId: null, op: { type: 'leaseExtendAll' } });
  }

  /** Called for every applied command, in log order. */
  onApplied(cmd: Command, outcome: ApplyOutcome): void {
    if (!this.leader || outcome.error) return;
    const op = cmd.op;
    switch (op.type) {
      case 'leaseExtendAll':
        this.clock.resetAll(this.deps.store.leaseList(), this.now());
        this.active = true;
        break;
      case 'leaseGrant':
        this.clock.grant(op.id, op.ttlMs, this.now());
        break;
      case 'leaseRevoke':
        this.forget(op.id);
        break;
      case 'leaseExpire':
        for (const id of op.ids) this.forget(id);
        break;
      default:
        break;
    }
  }

  /** Called on every tick: proposes the expiry of leases whose deadline has passed. */
  tick(): void {
    if (!this.leader || !this.active) return;
    const due = this.clock.expired(this.now(), EXPIRE_BATCH + this.expiring.size).filter((id) => !this.expiring.has(id));
    if (due.length === 0) return;
    const ids = due.slice(0, EXPIRE_BATCH);
    if (this.deps.propose({ requestId: null, op: { type: 'leaseExpire', ids } })) {
      for (const id of ids) this.expiring.add(id);
    }
  }

  /** Renews a lease; returns its TTL. */
  keepAlive(id: number): number {
    this.requireLeader();
    const lease = this.deps.store.lease(id);
    if (!lease || this.expiring.has(id)) throw new LeaseNotFoundError(id);
    // Before this leader's extension applies, every lease is about to get a full TTL anyway.
    if (!this.active) return lease.ttlMs;
    const ttl = this.clock.keepAlive(id, this.now());
    if (ttl === undefined) throw new LeaseNotFoundError(id);
    return ttl;
  }

  timeToLive(id: number, withKeys: boolean): LeaseTimeToLiveResult {
    this.requireLeader();
    const lease = this.deps.store.lease(id);
    if (!lease) return { type: 'leaseTimeToLive', id, remainingMs: -1, grantedTtlMs: 0, keys: [] };
    const remaining = this.active ? this.clock.remaining(id, this.now()) ?? 0 : lease.ttlMs;
    return {
      type: 'leaseTimeToLive',
      id,
      remainingMs: Math.round(remaining),
      grantedTtlMs: lease.ttlMs,
      keys: withKeys ? lease.keys : [],
    };
  }

  private forget(id: number): void {
    this.clock.revoke(id);
    this.expiring.delete(id);
  }

  private requireLeader(): void {
    if (!this.leader) throw new NotLeaderError('leases are kept by the leader; this node is not it');
  }
}
