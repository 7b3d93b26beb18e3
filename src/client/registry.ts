// The broker registry (DESIGN.md "Cluster registry"): a broker is the key /keel/brokers/<id>, whose
// value is its info as JSON, attached to a lease. Its heartbeat is the lease's keep-alive; when
// heartbeats stop, the lease expires, the leader deletes the key, and watchers see the delete. So
// the registry has exactly the guarantees of keys, leases and watches, and nothing of its own. It
// uses only the KeyValueApi (kv-api.ts), not the client itself.
import { InvalidArgumentError, KeelError } from '../codec/errors.js';
import { bytesToString } from './bytes.js';
import type { KeyValueApi } from './kv-api.js';
import { checkBrokerId, normalizeBroker, Registration, type BrokerInfo, type BrokerRegistration, type RegisterOptions } from './registration.js';
import type { KeyValueView } from './results.js';
import type { Watch, WatchEventView } from './watch.js';

export { BROKERS_PREFIX } from './broker-keys.js';
import { BROKERS_PREFIX } from './broker-keys.js';
export type { BrokerInfo, BrokerRegistration, HeartbeatOptions, RegisterOptions } from './registration.js';

export interface RegisteredBroker extends Required<BrokerInfo> {
  leaseId: number;
  /** The registration's epoch: its createRevision, new and larger for every registration of the id. */
  epoch: number;
  /** Revision of the registration (createRevision) and of its last update (modRevision). */
  createRevision: number;
  modRevision: number;
}

export type NodeChange =
  | { type: 'join' | 'update'; id: string; broker: RegisteredBroker; revision: number }
  | { type: 'leave'; id: string; broker: null; revision: number };

export class BrokerRegistry {
  private readonly open = new Set<Registration>();

  constructor(private readonly client: KeyValueApi) {}

  async register(info: BrokerInfo, o: RegisterOptions = {}): Promise<BrokerRegistration> {
    const full = normalizeBroker(info);
    const ttlMs = o.ttlMs ?? 10_000;
    if (!Number.isSafeInteger(ttlMs) || ttlMs <= 0) throw new InvalidArgumentError(`ttlMs must be a positive integer, got ${ttlMs}`);
    const reg = new Registration(this.client, full, ttlMs, () => this.open.delete(reg));
    await reg.start(o.replace ?? false);
    this.open.add(reg);
    return reg;
  }

  async unregister(id: string): Promise<boolean> {
    checkBrokerId(id);
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

/** A registration key-value as the registry reports it (tolerates values written by hand). */
export function brokerOf(kv: KeyValueView): RegisteredBroker {
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
    epoch: kv.createRevision,
    createRevision: kv.createRevision,
    modRevision: kv.modRevision,
  };
}
