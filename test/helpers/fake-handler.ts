// A fake ApiHandler for transport, client and CLI tests: a small in-memory KV (bytewise order,
// revisions, versions, leases, simple txn compares) that records every request it sees and can be
// told to fail the next requests with given errors. Not the real store: just enough to be honest.
import type { ApiHandler, ApiRequestContext } from '../../src/transport/api-server.js';
import { LeaseNotFoundError, UnimplementedError } from '../../src/codec/errors.js';
import type {
  ApiRequest, ApiResponse, Compare, ErrorBody, KeyValue, Member, ResponseBody, StatusResult, TxnOp, TxnOpResult,
} from '../../src/codec/types.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

export interface SeenRequest { req: ApiRequest; ctx: ApiRequestContext }

export class FakeHandler implements ApiHandler {
  readonly nodeId: string;
  term = 3;
  revision = 0;
  members: Member[];
  leader: string;
  /** Every request handled, in order. */
  readonly seen: SeenRequest[] = [];
  /** Errors to answer the next requests with, first one first. */
  readonly failNext: ErrorBody[] = [];
  /** Milliseconds to wait before answering. */
  delayMs = 0;
  private readonly kvs = new Map<string, KeyValue>();
  private readonly leases = new Map<number, { ttlMs: number; keys: Set<string> }>();
  private nextLease = 100;

  constructor(nodeId = 'n1', members: Member[] = [{ id: nodeId, role: 'voter' }], leader = nodeId) {
    this.nodeId = nodeId;
    this.members = members;
    this.leader = leader;
  }

  header(): { nodeId: string; term: number } {
    return { nodeId: this.nodeId, term: this.term };
  }

  async handle(req: ApiRequest, ctx: ApiRequestContext): Promise<ApiResponse> {
    this.seen.push({ req, ctx });
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    const failure = this.failNext.shift();
    if (failure) return { header: this.head(), error: failure, body: null };
    const body = this.apply(req);
    return { header: this.head(), error: null, body };
  }

  private head() {
    return { revision: this.revision, nodeId: this.nodeId, term: this.term };
  }

  private apply(req: ApiRequest): ResponseBody {
    const b = req.body;
    switch (b.type) {
      case 'put': case 'deleteRange': case 'range':
        return this.op(b);
      case 'txn': {
        const succeeded = b.compare.every((c) => this.compare(c));
        const before = this.revision;
        const responses = (succeeded ? b.success : b.failure).map((op) => this.op(op, before + 1));
        if (this.revision !== before) this.revision = before + 1;
        return { type: 'txn', succeeded, responses };
      }
      case 'compact':
        return { type: 'compact' };
      case 'leaseGrant': {
        const id = b.id || this.nextLease++;
        this.leases.set(id, { ttlMs: b.ttlMs, keys: new Set() });
        this.revision++;
        return { type: 'leaseGrant', id, ttlMs: b.ttlMs };
      }
      case 'leaseRevoke': {
        const lease = this.lease(b.id);
        for (const k of lease.keys) this.kvs.delete(k);
        this.leases.delete(b.id);
        this.revision++;
        return { type: 'leaseRevoke' };
      }
      case 'leaseKeepAlive':
        return { type: 'leaseKeepAlive', id: b.id, ttlMs: this.lease(b.id).ttlMs };
      case 'leaseTimeToLive': {
        const lease = this.leases.get(b.id);
        if (!lease) return { type: 'leaseTimeToLive', id: b.id, remainingMs: -1, grantedTtlMs: 0, keys: [] };
        const keys = b.keys ? [...lease.keys].map((k) => this.kvs.get(k)!.key) : [];
        return { type: 'leaseTimeToLive', id: b.id, remainingMs: lease.ttlMs, grantedTtlMs: lease.ttlMs, keys };
      }
      case 'leaseList':
        return { type: 'leaseList', ids: [...this.leases.keys()] };
      case 'status':
        return this.status();
      case 'memberList':
        return { type: 'memberList', members: this.members, leader: this.leader };
      case 'watchCreate': case 'watchCancel':
        throw new UnimplementedError(`${b.type} (the fake handler serves no watches)`);
      case 'memberAdd': case 'memberPromote': case 'memberRemove': case 'memberTransferLeader': case 'alarmDisarm': case 'snapshotSave':
        throw new UnimplementedError(`${b.type} (the fake handler has no raft)`);
    }
  }

  status(): StatusResult {
    return {
      type: 'status', nodeId: this.nodeId, pid: process.pid, role: this.leader === this.nodeId ? 'leader' : 'follower',
      leader: this.leader, term: this.term, commitIndex: 10 + this.revision, appliedIndex: 10 + this.revision,
      firstIndex: 1, lastIndex: 10 + this.revision, logBytes: 4096, revision: this.revision, compactRevision: 0,
      members: this.members, metricsUrl: '', alarms: [],
    };
  }

  private lease(id: number) {
    const lease = this.leases.get(id);
    if (!lease) throw new LeaseNotFoundError(id);
    return lease;
  }

  /** Applies one op; writes take revision `rev` (default: the next one). */
  private op(op: TxnOp, rev = this.revision + 1): TxnOpResult {
    switch (op.type) {
      case 'put': {
        if (op.lease !== 0) this.lease(op.lease).keys.add(hex(op.key));
        const prev = this.kvs.get(hex(op.key)) ?? null;
        this.kvs.set(hex(op.key), {
          key: op.key, value: op.value, lease: op.lease, modRevision: rev,
          createRevision: prev?.createRevision ?? rev, version: (prev?.version ?? 0) + 1,
        });
        this.revision = Math.max(this.revision, rev);
        return { type: 'put', prevKv: op.prevKv ? prev : null };
      }
      case 'deleteRange': {
        const gone = this.inRange(op.key, op.rangeEnd);
        gone.forEach((kv) => this.kvs.delete(hex(kv.key)));
        if (gone.length > 0) this.revision = Math.max(this.revision, rev);
        return { type: 'deleteRange', deleted: gone.length, prevKvs: op.prevKv ? gone : [] };
      }
      case 'range': {
        const all = this.inRange(op.key, op.rangeEnd);
        const kept = op.limit > 0 ? all.slice(0, op.limit) : all;
        const kvs = op.countOnly ? [] : kept.map((kv) => (op.keysOnly ? { ...kv, value: new Uint8Array(0) } : kv));
        return { type: 'range', kvs, count: all.length, more: kept.length < all.length };
      }
    }
  }

  private inRange(key: Uint8Array, end: Uint8Array): KeyValue[] {
    const all = [...this.kvs.values()].sort((a, b) => Buffer.compare(a.key, b.key));
    if (end.length === 0) return all.filter((kv) => Buffer.compare(kv.key, key) === 0);
    const unbounded = end.length === 1 && end[0] === 0;
    return all.filter((kv) => Buffer.compare(kv.key, key) >= 0 && (unbounded || Buffer.compare(kv.key, end) < 0));
  }

  private compare(c: Compare): boolean {
    const kv = this.kvs.get(hex(c.key));
    const order = c.target === 'value'
      ? Buffer.compare(kv?.value ?? new Uint8Array(0), c.value)
      : Math.sign((kv ? kv[c.target] : 0) - c.number);
    switch (c.result) {
      case 'equal': return order === 0;
      case 'notEqual': return order !== 0;
      case 'greater': return order > 0;
      case 'less': return order < 0;
    }
  }
}

/** A handler whose handle() throws `err` (a KeelError or anything else). */
export class ThrowingHandler extends FakeHandler {
  private readonly err: unknown;
  constructor(err: unknown) {
    super();
    this.err = err;
  }
  override async handle(req: ApiRequest, ctx: ApiRequestContext): Promise<ApiResponse> {
    this.seen.push({ req, ctx });
    throw this.err;
  }
}
