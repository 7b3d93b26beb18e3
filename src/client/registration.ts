// One broker's registration: the key /keel/brokers/<id> on a lease the handle keeps alive. The key is
// created only if absent, so its createRevision — the broker's epoch — is new for every registration
// and grows across them. Every later write of the handle (heartbeat, applied-revision report,
// update) is guarded by that epoch: once another registration has replaced it, they fail with
// FencedError, and `fenced` settles.
import { AlreadyRegisteredError, FencedError, InvalidArgumentError, KeelError } from '../codec/errors.js';
import { appliedKey, brokerKey } from './broker-keys.js';
import type { KeyValueApi } from './kv-api.js';
import type { LeaseKeepAlive } from './lease-keepalive.js';
import type { KeyValueView, TxnItem } from './results.js';
import { cmp, op } from './txn.js';

export interface BrokerInfo {
  id: string;
  /** Where clients reach the broker (host:port, URL...). */
  address: string;
  role: string;
  /** Free-form; `rack` is what placement spreads replicas over. */
  metadata?: Record<string, string>;
}

export interface RegisterOptions {
  /** Lease TTL in ms: how long after its last heartbeat a silent broker disappears. Default 10,000. */
  ttlMs?: number;
  /** Take the id over from a live registration (its epoch is fenced), instead of AlreadyRegistered. */
  replace?: boolean;
}

export interface HeartbeatOptions {
  /** The store revision the broker has applied (for waitApplied / `keel brokers lag`). */
  appliedRevision?: number;
}

export interface BrokerRegistration {
  readonly id: string;
  /** The current lease (a new one after the registration had to be renewed from scratch). */
  readonly leaseId: number;
  /** This registration's epoch; writes fenced with an older one fail. Grows on re-registration. */
  readonly epoch: number;
  /** Settles when another registration of this id replaced this one: nothing more is written. */
  readonly fenced: Promise<FencedError>;
  /** One heartbeat now (the loop also renews the lease every third of the TTL); FencedError when replaced. */
  heartbeat(o?: HeartbeatOptions): Promise<void>;
  /** Reports the revision the broker has applied; FencedError when replaced. */
  reportApplied(revision: number): Promise<void>;
  /** Replaces the broker's address, role or metadata (same lease, same epoch). */
  update(info: Partial<Omit<BrokerInfo, 'id'>>): Promise<void>;
  /** Stops heartbeating without unregistering (the entry expires after the TTL), as a crash would. */
  stopHeartbeats(): void;
  /** Unregisters: revokes the lease, which deletes the entry at once. */
  close(): Promise<void>;
}

export class Registration implements BrokerRegistration {
  leaseId = 0;
  epoch = 0;
  readonly fenced: Promise<FencedError>;
  private settleFenced!: (err: FencedError) => void;
  private keepAlive: LeaseKeepAlive | null = null;
  private closed = false;
  private appliedReported = 0;

  constructor(
    private readonly client: KeyValueApi,
    private info: Required<BrokerInfo>,
    private readonly ttlMs: number,
    private readonly forget: () => void,
  ) {
    this.fenced = new Promise((resolve) => { this.settleFenced = resolve; });
  }

  get id(): string {
    return this.info.id;
  }

  /** Creates the registration on a new lease (replacing a live one when asked) and starts heartbeating. */
  async start(replace: boolean): Promise<void> {
    const lease = await this.client.lease.grant(this.ttlMs);
    try {
      this.epoch = await this.create(lease.id, replace);
    } catch (err) {
      await this.client.lease.revoke(lease.id).catch(() => undefined);
      throw err;
    }
    this.leaseId = lease.id;
    const keepAlive = this.client.lease.keepAlive(lease.id);
    this.keepAlive = keepAlive;
    // The lease expired anyway (cut off longer than its TTL, or revoked by a replacement): register
    // again, with a new epoch — unless another registration holds the id now, which fences this one.
    keepAlive.lost.catch(() => {
      if (this.closed || this.keepAlive !== keepAlive) return;
      this.start(false).catch((err: unknown) => {
        if (err instanceof AlreadyRegisteredError) this.markFenced();
      });
    });
  }

  async heartbeat(o: HeartbeatOptions = {}): Promise<void> {
    const writes = o.appliedRevision !== undefined ? [this.appliedPut(o.appliedRevision)] : [];
    await this.guarded(writes);
    await this.client.lease.keepAliveOnce(this.leaseId);
  }

  async reportApplied(revision: number): Promise<void> {
    if (!Number.isSafeInteger(revision) || revision < 0) throw new InvalidArgumentError(`applied revision must be a non-negative integer, got ${revision}`);
    if (revision <= this.appliedReported) return;
    await this.guarded([this.appliedPut(revision)]);
  }

  async update(info: Partial<Omit<BrokerInfo, 'id'>>): Promise<void> {
    const next = normalizeBroker({ ...this.info, ...info, id: this.info.id });
    await this.guarded([op.put(brokerKey(this.id), JSON.stringify(next), { lease: this.leaseId })]);
    this.info = next;
  }

  stopHeartbeats(): void {
    this.closed = true;
    this.keepAlive?.stop();
    this.forget();
  }

  async close(): Promise<void> {
    if (this.closed && this.keepAlive === null) return;
    this.stopHeartbeats();
    this.keepAlive = null;
    try {
      await this.client.lease.revoke(this.leaseId);
    } catch (err) {
      if (!(err instanceof KeelError && err.code === 'LeaseNotFound')) throw err; // already expired
    }
  }

  /** Create-if-absent; with `replace`, a live registration is evicted first. Returns the new epoch. */
  private async create(leaseId: number, replace: boolean): Promise<number> {
    const key = brokerKey(this.id);
    for (let attempt = 0; ; attempt++) {
      const r = await this.client.txn({
        compare: [cmp.createRevision(key, '=', 0)],
        success: [op.put(key, JSON.stringify(this.info), { lease: leaseId })],
        failure: [op.get(key)],
      });
      if (r.succeeded) return r.header.revision;
      const existing = (r.responses[0] as Extract<TxnItem, { type: 'range' }>).kvs[0];
      if (!existing) continue; // it went away between the compare and the read: try again
      if (!replace || attempt >= 3) throw new AlreadyRegisteredError(this.id, existing.createRevision);
      await this.evict(existing);
    }
  }

  /** Ends another registration of this id: its lease (and so its keys) go, its epoch is fenced. */
  private async evict(existing: KeyValueView): Promise<void> {
    if (existing.lease !== 0) {
      try {
        await this.client.lease.revoke(existing.lease);
        return;
      } catch (err) {
        if (!(err instanceof KeelError && err.code === 'LeaseNotFound')) throw err;
      }
    }
    await this.client.txn({ compare: [cmp.createRevision(existing.key, '=', existing.createRevision)], success: [op.delete(existing.key)] });
  }

  private appliedPut(revision: number) {
    this.appliedReported = Math.max(this.appliedReported, revision);
    return op.put(appliedKey(this.id), JSON.stringify({ epoch: this.epoch, revision }), { lease: this.leaseId });
  }

  /** Writes `ops` only while this registration's epoch is current. */
  private async guarded(ops: ReturnType<typeof op.put>[]): Promise<void> {
    try {
      await this.client.txn({ guard: [cmp.createRevision(brokerKey(this.id), '=', this.epoch)], success: ops });
    } catch (err) {
      if (err instanceof FencedError) this.markFenced();
      throw err;
    }
  }

  private markFenced(): void {
    this.settleFenced(new FencedError(`broker ${this.id}: registration with epoch ${this.epoch} was replaced`));
  }
}

export function normalizeBroker(info: BrokerInfo): Required<BrokerInfo> {
  checkBrokerId(info.id);
  return { id: info.id, address: String(info.address ?? ''), role: String(info.role ?? ''), metadata: { ...(info.metadata ?? {}) } };
}

export function checkBrokerId(id: string): void {
  if (typeof id !== 'string' || id.length === 0 || id.includes('/')) {
    throw new InvalidArgumentError(`a broker id must be a non-empty string without '/', got ${JSON.stringify(id)}`);
  }
}
