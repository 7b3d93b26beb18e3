// The broker registry (DESIGN.md "Cluster registry"): a broker is the key /keel/brokers/<id>, whose
// value is its info as JSON, attached to a lease. Its heartbeat is the lease's keep-alive; when
// heartbeats stop, the lease expires, the leader deletes the key, and watchers see the delete. So
// the registry has exactly the guarantees of keys, leases and watches, and nothing of its own. It
// uses only the KeyValueApi (kv-api.ts), not the client itself.
import { InvalidArgumentError, KeelError } from '../codec/errors.js';
import { bytesToString } from './bytes.js';
import type { KeyValueApi } from './kv-api.js';
import type { LeaseKeepAlive } from './lease-keepalive.js';
import type { KeyValueView } from './results.js';
import type { Watch, WatchEventView } from './watch.js';

export { BROKERS_PREFIX } from './broker-keys.js';
import { BROKERS_PREFIX } from './broker-keys.js';

export interface BrokerInfo {
  id: string;
  /** Where clients reach the broker (host:port, URL...). */
  address: string;
  role: string;
  metadata?: Record<string, string>;
}

export interface RegisteredBroker extends Required<BrokerInfo> {
  leaseId: number;
  /** Revision of the registration (createRevision) and of its last update (modRevision). */
  createRevision: number;
  modRevision: number;
}

export interface RegisterOptions {
  /** Lease TTL in ms: how long after its last heartbeat a silent broker disappears. Default 10,000. */
  ttlMs?: number;
}

export type NodeChange =
  | { type: 'join' | 'update'; id: string; broker: RegisteredBroker; revision: number }
  | { type: 'leave'; id: string; broker: null; revision: number };

export interface BrokerRegistration {
  readonly id: string;
  /** The current lease (a new one after the registration had to be renewed from scratch). */
  readonly leaseId: number;
  /** One heartbeat now (the loop also sends them every third of the TTL). */
  heartbeat(): Promise<void>;
  /** Replaces the broker's address, role or metadata (same lease). */
  update(info: Partial<Omit<BrokerInfo, 'id'>>): Promise<void>;
  /** Stops heartbeating without unregistering (the entry expires after the TTL), as a crash would. */
  stopHeartbeats(): void;
  /** Unregisters: revokes the lease, which deletes the entry at once. */
  close(): Promise<void>;
}

export class BrokerRegistry {
  private readonly open = new Set<Registration>();

  constructor(private readonly client: KeyValueApi) {}

  async register(info: BrokerInfo, o: RegisterOptions = {}): Promise<BrokerRegistration> {
    const full = normalize(info);
    const ttlMs = o.ttlMs ?? 10_000;
    if (!Number.isSafeInteger(ttlMs) || ttlMs <= 0) throw new InvalidArgumentError(`ttlMs must be a positive integer, got ${ttlMs}`);
    const reg = new Registration(this.client, full, ttlMs, () => this.open.delete(reg));
    await reg.start();
    this.open.add(reg);
    return reg;
  }

  async unregister(id: string): Promise<boolean> {
    checkId(id);
    const kv = await this.client.get(BROKERS_PREFIX + id);
    if (!kv) return false;
    if (kv.lease !== 0) {
      try {
        await this.client.lease.revoke(kv.lease);
        return true;
      } catch (err) {
        if (!(err instanceof KeelError && err.code === 'LeaseNotFound')) throw err;
      }
    }
    const r = await this.client.delete(BROKERS_PREFIX + id);
    return r.deleted > 0;
  }

  async list(): Promise<RegisteredBroker[]> {
    const r = await this.client.range({ prefix: BROKERS_PREFIX });
    return r.kvs.map(brokerOf);
  }

  watch(o: { startRevision?: number } = {}): AsyncIterableIterator<NodeChange> & { cancel(): Promise<void>; ready: Promise<void> } {
    const watch: Watch = this.client.watch({ prefix: BROKERS_PREFIX }, { startRevision: o.startRevision });
    const changes = mapChanges(watch);
    return Object.assign(changes, { cancel: () => watch.cancel(), ready: watch.ready });
  }

  /** The client is closing: stop every heartbeat loop (entries expire by their TTL). */
  closeAll(): void {
    for (const reg of this.open) reg.stopHeartbeats();
    this.open.clear();
  }
}

class Registration implements BrokerRegistration {
  leaseId = 0;
  private keepAlive: LeaseKeepAlive | null = null;
  private closed = false;

  constructor(
    private readonly client: KeyValueApi,
    private info: Required<BrokerInfo>,
    private readonly ttlMs: number,
    private readonly forget: () => void,
  ) {}

  get id(): string {
    return this.info.id;
  }

  /** Grants a lease, writes the entry on it, and starts heartbeating. */
  async start(): Promise<void> {
    const lease = await this.client.lease.grant(this.ttlMs);
    this.leaseId = lease.id;
    await this.client.put(BROKERS_PREFIX + this.info.id, JSON.stringify(this.info), { lease: lease.id });
    const keepAlive = this.client.lease.keepAlive(lease.id);
    this.keepAlive = keepAlive;
    // The lease expired anyway (e.g. the broker was cut off longer than its TTL): register again.
    keepAlive.lost.catch(() => {
      if (!this.closed && this.keepAlive === keepAlive) void this.start().catch(() => undefined);
    });
  }

  async heartbeat(): Promise<void> {
    await this.client.lease.keepAliveOnce(this.leaseId);
  }

  async update(info: Partial<Omit<BrokerInfo, 'id'>>): Promise<void> {
    this.info = normalize({ ...this.info, ...info, id: this.info.id });
    await this.client.put(BROKERS_PREFIX + this.info.id, JSON.stringify(this.info), { lease: this.leaseId });
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
}

async function* mapChanges(watch: Watch): AsyncGenerator<NodeChange> {
  try {
    for await (const ev of watch) yield changeOf(ev);
  } finally {
    await watch.cancel();
  }
}

function changeOf(ev: WatchEventView): NodeChange {
  const id = ev.kv.keyString.slice(BROKERS_PREFIX.length);
  if (ev.type === 'delete') return { type: 'leave', id, broker: null, revision: ev.revision };
  return { type: ev.kv.version === 1 ? 'join' : 'update', id, broker: brokerOf(ev.kv), revision: ev.revision };
}

function brokerOf(kv: KeyValueView): RegisteredBroker {
  const id = bytesToString(kv.key).slice(BROKERS_PREFIX.length);
  let info: Partial<BrokerInfo> = {};
  try {
    info = JSON.parse(kv.valueString) as Partial<BrokerInfo>;
  } catch {
    // Written by something else than registerNode: list it with what the key says.
  }
  return {
    id,
    address: typeof info.address === 'string' ? info.address : '',
    role: typeof info.role === 'string' ? info.role : '',
    metadata: info.metadata && typeof info.metadata === 'object' ? info.metadata : {},
    leaseId: kv.lease,
    createRevision: kv.createRevision,
    modRevision: kv.modRevision,
  };
}

function normalize(info: BrokerInfo): Required<BrokerInfo> {
  checkId(info.id);
  return { id: info.id, address: String(info.address ?? ''), role: String(info.role ?? ''), metadata: { ...(info.metadata ?? {}) } };
}

function checkId(id: string): void {
  if (typeof id !== 'string' || id.length === 0 || id.includes('/')) {
    throw new InvalidArgumentError(`a broker id must be a non-empty string without '/', got ${JSON.stringify(id)}`);
  }
}
