// The Keel client: connects to NATS, and turns each call into one API request (see requester.ts for
// retries). Keys and values are strings (UTF-8) or bytes; results carry bytes plus string getters.
import { randomUUID } from 'node:crypto';
import { connect as natsConnect, type NatsConnection } from 'nats';
import { makeLimits, requestBytesFor, type Limits } from '../codec/limits.js';
import type { WriteType } from '../codec/request-types.js';
import type { RequestBody } from '../codec/types.js';
import { natsConnectionOptions } from '../transport/api-connect.js';
import type { NatsAuthOptions } from '../transport/nats-auth-flags.js';
import { assertSubjectToken } from '../transport/subjects.js';
import { CancelledError, InvalidArgumentError, UnavailableError } from '../codec/errors.js';
import { resolveSelector, type KeyLike, type KeySelector, type ValueLike } from './bytes.js';
import { LeaseApi } from './lease.js';
import { BrokerRegistry, type BrokerInfo, type BrokerRegistration, type NodeChange, type RegisterOptions, type RegisteredBroker } from './registry.js';
import { fenceGuards, type FenceOption } from './fence.js';
import { Election, lock, Session, tryLock, type LockHandle, type LockOptions, type SessionOptions } from './recipes/index.js';
import { rangeAllPages } from './range-pages.js';
import { Requester } from './requester.js';
import {
  KeyValueView, toDeleteItem, toTxnItem, viewOf, type ClusterStatus, type CompactResponse,
  type DeleteResponse, type KeyValueWithHeader, type MembersResponse, type MemberStatus, type PutResponse,
  type RangeResponse, type StatusResponse, type TxnItem, type TxnResponse,
} from './results.js';
import { TxnBuilder, op, txnRequestOf, type DeleteOptions, type PutOptions, type TxnSpec } from './txn.js';
import { Watch, type WatchOptions } from './watch.js';
import { WatchMux } from './watch-mux.js';
import { WriteGate } from './write-gate.js';

export interface ConnectOptions extends NatsAuthOptions {
  /** Cluster name: subjects are keel.<cluster>.*. Default 'default'. */
  cluster?: string;
  /** Per attempt. Default 2000. */
  timeoutMs?: number;
  /** For one call including its retries. Default 15000. */
  deadlineMs?: number;
  /** Number of NATS connections requests are spread over. Default 1. */
  pool?: number;
  /** Use this connection instead of opening one (close() leaves it open). */
  nc?: NatsConnection;
  /** Overrides of the request limits checked before sending. */
  limits?: Partial<Limits>;
  /**
   * Fail a call with UnavailableError ("no Keel node serves cluster X on <servers>") once NATS has
   * answered "no responders" for this many ms in a row and no node serves the cluster's status
   * subject either. Default: keep retrying until the deadline (nodes may be restarting). The CLI uses 2000.
   */
  noNodeMs?: number;
  /**
   * Where a linearizable get or range goes when it names no node. 'leader' (the default): to the
   * leader, which confirms its leadership once for every read in flight and answers from its own
   * projection. 'anyNode': to any node (queue group); a follower asks the leader for a read index and
   * answers once it has applied up to it, which spreads the reads' CPU and costs two more hops.
   */
  linearizableReads?: 'leader' | 'anyNode';
  /**
   * Send the puts, deletes, txns and ranges made in one event-loop turn that go to the same subject
   * as one NATS message, answered in one reply (default true). Each call keeps its own timeout, retries
   * and outcome; what it saves is the per-message cost in the client, nats-server and the node.
   * Nodes from before request batches refuse them: set false for a cluster that still runs them.
   */
  batchRequests?: boolean;
}

/** Also the widest seq span in flight; must not exceed the server's exactly-once window (1024). */
export const MAX_WRITES_IN_FLIGHT = 1024;

export interface GetOptions {
  serializable?: boolean;
  /** Read the key as it was at this revision (retained history; Compacted below it, FutureRevision above now). */
  revision?: number;
  /** Ask this node (keel.<c>.node.<id>.range) instead of any node. */
  nodeId?: string;
}
export interface RangeQuery {
  key?: KeyLike;
  prefix?: KeyLike;
  from?: KeyLike;
  to?: KeyLike;
  limit?: number;
  keysOnly?: boolean;
  countOnly?: boolean;
  serializable?: boolean;
  /** Read the range as it was at this revision (retained history; Compacted below it, FutureRevision above now). */
  revision?: number;
  /** Ask this node (keel.<c>.node.<id>.range) instead of any node. */
  nodeId?: string;
}

export async function connect(opts: ConnectOptions = {}): Promise<KeelClient> {
  const poolSize = positive('pool', opts.pool ?? 1);
  const timeoutMs = positive('timeoutMs', opts.timeoutMs ?? 2000);
  const deadlineMs = positive('deadlineMs', opts.deadlineMs ?? 15000);
  const cluster = opts.cluster ?? 'default';
  assertSubjectToken('cluster name', cluster);
  const reads = opts.linearizableReads ?? 'leader';
  if (reads !== 'leader' && reads !== 'anyNode') {
    throw new InvalidArgumentError(`linearizableReads must be 'leader' or 'anyNode', got ${String(reads)}`);
  }
  const batchRequests = opts.batchRequests ?? true;
  if (typeof batchRequests !== 'boolean') throw new InvalidArgumentError(`batchRequests must be true or false, got ${String(batchRequests)}`);
  let connections: NatsConnection[];
  let owned: boolean;
  if (opts.nc) {
    connections = [opts.nc];
    owned = false;
  } else {
    // Keep reconnecting for as long as the client lives: calls meanwhile retry until their deadline.
    const natsOpts = { ...await natsConnectionOptions({ ...opts, name: opts.name ?? 'keel-client' }), maxReconnectAttempts: -1 };
    connections = [];
    try {
      for (let i = 0; i < poolSize; i++) connections.push(await natsConnect(natsOpts));
    } catch (err) {
      await Promise.all(connections.map((nc) => nc.close()));
      throw new UnavailableError(`cannot connect to NATS at ${natsOpts.servers}: ${(err as Error).message}`);
    }
    owned = true;
  }
  const maxPayload = Math.min(...connections.map((nc) => nc.info?.max_payload ?? 1024 * 1024));
  const limits = makeLimits({ maxRequestBytes: requestBytesFor(maxPayload), ...opts.limits });
  return new KeelClient({
    cluster,
    connections,
    ownsConnections: owned,
    limits,
    timeoutMs,
    deadlineMs,
    noNodeMs: opts.noNodeMs,
    linearizableReads: reads,
    batchRequests,
  });
}

function positive(what: string, n: number): number {
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError(`${what} must be a positive integer, got ${n}`);
  return n;
}

interface ClientParts {
  cluster: string;
  connections: NatsConnection[];
  ownsConnections: boolean;
  limits: Limits;
  timeoutMs: number;
  deadlineMs: number;
  noNodeMs?: number;
  linearizableReads: 'leader' | 'anyNode';
  batchRequests: boolean;
}

export class KeelClient {
  /** Random per client instance: with `seq`, names each write for exactly-once application. */
  readonly clientId = randomUUID();
  readonly cluster: string;
  readonly limits: Limits;
  readonly lease: LeaseApi;
  private readonly requester: Requester;
  private readonly writes = new WriteGate(MAX_WRITES_IN_FLIGHT);
  private readonly parts: ClientParts;
  private closing: Promise<void> | null = null;
  private watchMux: WatchMux | null = null;
  private readonly brokers = new BrokerRegistry(this);

  constructor(parts: ClientParts) {
    this.parts = parts;
    this.cluster = parts.cluster;
    this.limits = parts.limits;
    this.requester = new Requester({
      cluster: parts.cluster, connections: parts.connections, limits: parts.limits,
      timeoutMs: parts.timeoutMs, deadlineMs: parts.deadlineMs, noNodeMs: parts.noNodeMs,
      linearizableReadsAtLeader: parts.linearizableReads === 'leader', batchRequests: parts.batchRequests,
    });
    this.lease = new LeaseApi({
      requester: this.requester,
      write: (task) => this.writes.run((seq) => task({ clientId: this.clientId, seq })),
    });
  }

  /** The NATS connections requests go over (opened by connect() or given as `nc`). */
  get natsConnections(): readonly NatsConnection[] {
    return this.parts.connections;
  }

  /** Writes sent and not yet answered (at most MAX_WRITES_IN_FLIGHT; see write-gate.ts). */
  get writesInFlight(): number {
    return this.writes.inFlight;
  }

  /** Request batches this client has sent (ConnectOptions.batchRequests): several calls in one message. */
  get requestBatchesSent(): number {
    return this.requester.batchesSent;
  }

  /** With `fence`, applied only while the broker still has that epoch (else FencedError, nothing applied). */
  async put(key: KeyLike, value: ValueLike, o: PutOptions & FenceOption = {}): Promise<PutResponse> {
    if (o.fence !== undefined) {
      const { header, responses } = await this.txn({ success: [op.put(key, value, o)], guard: fenceGuards(o.fence) });
      const { prevKv, prevKvTruncated } = responses[0] as Extract<TxnItem, { type: 'put' }>;
      return { header, prevKv, prevKvTruncated };
    }
    const { header, body } = await this.write(op.put(key, value, o), 'put');
    return { header, prevKv: viewOf(body.prevKv), prevKvTruncated: body.prevKvTruncated ?? false };
  }

  /** The key's current key-value (with the response header), or null when it does not exist. */
  async get(key: KeyLike, o: GetOptions = {}): Promise<KeyValueWithHeader | null> {
    const { header, body } = await this.requester.send(
      { ...op.get(key), serializable: o.serializable ?? false, revision: o.revision ?? 0 }, 'range', { nodeId: o.nodeId });
    if (body.kvs.length === 0) return null;
    return Object.assign(new KeyValueView(body.kvs[0]), { header });
  }

  /** One key, a prefix, [from, to) or (nothing given) every key; every page of it, at one revision (range-pages.ts). */
  async range(q: RangeQuery = {}): Promise<RangeResponse> {
    const sel = selectorOf(q);
    return rangeAllPages(this.requester, {
      ...op.range(sel, q), serializable: q.serializable ?? false, revision: q.revision ?? 0,
    }, q.nodeId);
  }

  async delete(sel: KeyLike | KeySelector, o: DeleteOptions & FenceOption = {}): Promise<DeleteResponse> {
    if (o.fence !== undefined) {
      const { header, responses } = await this.txn({ success: [op.delete(sel, o)], guard: fenceGuards(o.fence) });
      const { deleted, prevKvs, prevKvsTruncated } = responses[0] as Extract<TxnItem, { type: 'deleteRange' }>;
      return { header, deleted, prevKvs, prevKvsTruncated };
    }
    const { header, body } = await this.write(op.delete(sel, o), 'deleteRange');
    return { header, ...toDeleteItem(body) };
  }

  /** Without a spec: a builder (`.compare(..).success(..).failure(..).commit()`); with one: sends it. */
  txn(): TxnBuilder;
  txn(spec: TxnSpec): Promise<TxnResponse>;
  txn(spec?: TxnSpec): TxnBuilder | Promise<TxnResponse> {
    const commit = async (s: TxnSpec): Promise<TxnResponse> => {
      const { header, body } = await this.write({ type: 'txn', ...txnRequestOf(s) }, 'txn');
      return { header, succeeded: body.succeeded, responses: body.responses.map(toTxnItem) };
    };
    return spec === undefined ? new TxnBuilder(commit) : commit(spec);
  }

  /** Drops history before `revision` (watches and reads below it answer Compacted). */
  async compact(revision: number): Promise<CompactResponse> {
    const { header } = await this.write({ type: 'compact', revision }, 'compact');
    return { header, revision };
  }

  /** Status of the node that answers (any node), or of the node `nodeId`. */
  async status(o: { nodeId?: string } = {}): Promise<StatusResponse> {
    const { header, body } = await this.requester.send({ type: 'status' }, 'status', { nodeId: o.nodeId });
    return { ...body, header };
  }

  async members(): Promise<MembersResponse> {
    const { header, body } = await this.requester.send({ type: 'memberList' }, 'memberList');
    return { header, members: body.members, leader: body.leader };
  }

  /** Every member's own status, asked in parallel; members that do not answer are reported as such. */
  async clusterStatus(): Promise<ClusterStatus> {
    const { members, leader } = await this.members();
    const statuses = await Promise.all(members.map(async (m): Promise<MemberStatus> => {
      try {
        // One attempt: "no responders" on a node subject means that node is not running.
        const { body } = await this.requester.send({ type: 'status' }, 'status', { nodeId: m.id, retry: false });
        return { id: m.id, role: m.role, status: body, error: null };
      } catch (err) {
        return { id: m.id, role: m.role, status: null, error: (err as Error).message };
      }
    }));
    return { leader, members: statuses };
  }

  /**
   * Watches a key, a prefix ({ prefix }) or a range ({ from, to }): every event from
   * `startRevision` (default: the next revision) in revision order, no gap, no duplicate, resuming on
   * another node if the serving one dies. `for await (const ev of client.watch(...))`; break or
   * `cancel()` to stop. Throws CompactedError (while iterating) when the start revision is gone.
   */
  watch(target: KeyLike | KeySelector, o: WatchOptions = {}): Watch {
    if (this.closing) throw new CancelledError('the client is closed');
    const { key, rangeEnd } = resolveSelector(target);
    this.watchMux ??= new WatchMux(this.parts.connections[0]!, this.cluster);
    return new Watch({ requester: this.requester, mux: this.watchMux, key, rangeEnd }, o);
  }

  /** Registers a broker under /keel/brokers/<id> on a lease it keeps alive until the handle is closed. */
  registerNode(info: BrokerInfo, o: RegisterOptions = {}): Promise<BrokerRegistration> {
    return this.brokers.register(info, o);
  }

  /** Removes a broker's registration at once (its lease is revoked when it holds one). */
  unregisterNode(id: string): Promise<boolean> {
    return this.brokers.unregister(id);
  }

  /** Every registered broker, by id. */
  listNodes(): Promise<RegisteredBroker[]> {
    return this.brokers.list();
  }

  /** Joins, updates and departures of brokers, from now (or from `startRevision`). */
  watchNodes(o: { startRevision?: number } = {}): AsyncIterableIterator<NodeChange> & { cancel(): Promise<void>; ready: Promise<void> } {
    return this.brokers.watch(o);
  }

  /** A lease kept alive in the background; `lost` settles when it is gone (recipes: src/client/README.md). */
  session(o: SessionOptions = {}): Promise<Session> {
    return Session.create(this, o);
  }

  /** Waits until the lock `name` is held (FIFO among waiters); `fencingToken` grows across holders. */
  lock(name: string, o: LockOptions = {}): Promise<LockHandle> {
    return lock(this, name, o);
  }

  /** lock() that gives up after `timeoutMs` and answers null. */
  tryLock(name: string, o: LockOptions & { timeoutMs?: number } = {}): Promise<LockHandle | null> {
    return tryLock(this, name, o);
  }

  /** Leader election `name`: campaign, proclaim, resign, leader, observe. */
  election(name: string): Election {
    return new Election(this, name);
  }

  /** Stops sending; closes the NATS connections it opened. Idempotent. */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.brokers.closeAll();
    this.watchMux?.close(new CancelledError('the client is closed'));
    this.requester.close();
    const { connections, ownsConnections } = this.parts;
    this.closing = ownsConnections
      ? Promise.all(connections.map((nc) => nc.close())).then(() => undefined)
      : Promise.resolve();
    return this.closing;
  }

  /** A write: numbered now (the same requestId on every retry), sent once inside the write window. */
  private write<T extends WriteType>(body: RequestBody, expect: T) {
    return this.writes.run((seq) => this.requester.send(body, expect, { requestId: { clientId: this.clientId, seq } }));
  }
}

function selectorOf(q: RangeQuery): KeySelector {
  const given = [q.key, q.prefix, q.from].filter((v) => v !== undefined).length;
  if (given > 1) throw new InvalidArgumentError('give at most one of key, prefix or from');
  if (q.to !== undefined && q.from === undefined) throw new InvalidArgumentError('to needs from');
  if (q.key !== undefined) return { key: q.key };
  if (q.prefix !== undefined) return { prefix: q.prefix };
  if (q.from !== undefined) return { from: q.from, to: q.to };
  return { prefix: '' };
}
