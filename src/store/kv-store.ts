// The KV projection: a pure, deterministic, synchronous state machine over committed commands. Every
// replica applying the same commands at the same log indexes ends in the same state and returns the
// same outcomes. No I/O, no clock, no randomness. Bad user commands give error outcomes (values,
// never exceptions); apply throws only on a broken invariant (e.g. a log index that goes backwards).
//
// Revisions start at 0 (empty store); the first mutation is revision 1.
import type {
  ApplyOutcome, Command, CommandOp, CommandResult, KeyValue, RangeOp, RangeResult, TxnOpResult, WatchEvent,
} from '../codec/types.js';
import {
  CompactedError, FencedError, FutureRevisionError, InternalError, InvalidArgumentError, LeaseNotFoundError, UnimplementedError,
  type KeelError,
} from '../codec/errors.js';
import { compareBytes, copyBytes, toKeyRange } from './bytes.js';
import { allComparesHold, compareHolds, describeCompare } from './compare.js';
import { DedupTable } from './dedup.js';
import { EventHistory } from './history.js';
import { Keyspace } from './keyspace.js';
import { LeaseTable, type LeaseInfo } from './leases.js';
import { currentSource, pastSource, readRange } from './range.js';
import { RevisionWriter } from './revision-writer.js';
import type { StoreSnapshot, StoreSnapshotView } from './snapshot.js';
import { checkRange, validateOp } from './validate.js';
import { WatchHub, type WatchSource } from './watch-hub.js';

export interface KvStoreOptions {
  /** Keep at least this many recent revisions of watch history (default 100,000). */
  historyRevisions?: number;
  /** And at most about this many bytes of keys and values in the watch history (default 256 MiB). */
  historyBytes?: number;
  /** Per client, remember the outcomes of this many most recent seqs (default 1024). */
  dedupWindow?: number;
  /** Forget a client with no write in this many applied log indexes (default 1,000,000). */
  dedupIdleEntries?: number;
  /** The exactly-once table holds at most about this many bytes (least recently seen clients go first; default 64 MiB). */
  dedupMaxBytes?: number;
}

export const STORE_DEFAULTS: Required<KvStoreOptions> = {
  historyRevisions: 100_000,
  historyBytes: 256 * 1024 * 1024,
  dedupWindow: 1024,
  dedupIdleEntries: 1_000_000,
  dedupMaxBytes: 64 * 1024 * 1024,
};

type TxnCommand = Extract<CommandOp, { type: 'txn' }>;

function resolveOptions(opts: KvStoreOptions): Required<KvStoreOptions> {
  const resolved = { ...STORE_DEFAULTS };
  for (const name of Object.keys(STORE_DEFAULTS) as (keyof KvStoreOptions)[]) {
    const value = opts[name];
    if (value !== undefined) resolved[name] = value;
  }
  for (const [name, value] of Object.entries(resolved)) {
    if (!Number.isSafeInteger(value) || value < 1) throw new InvalidArgumentError(`store option ${name} must be a positive integer, got ${value}`);
  }
  return resolved;
}

export class KvStore implements WatchSource {
  readonly watches: WatchHub;
  private readonly options: Required<KvStoreOptions>;
  private readonly keyspace = new Keyspace();
  private readonly leases = new LeaseTable();
  private dedup: DedupTable;
  private history: EventHistory;
  private currentRevision = 0;
  private compactedAt = 0;
  private lastIndex = 0;
  /** The revision the current apply committed, handed to the watch hub once apply is done. */
  private unpublished: { revision: number; events: WatchEvent[] } | undefined;
  private publishing = false;

  constructor(opts: KvStoreOptions = {}) {
    this.options = resolveOptions(opts);
    this.dedup = new DedupTable(this.options.dedupWindow, this.options.dedupIdleEntries, this.options.dedupMaxBytes);
    this.history = new EventHistory(0);
    this.watches = new WatchHub(this);
  }

  get revision(): number { return this.currentRevision; }
  get compactRevision(): number { return this.compactedAt; }
  get appliedIndex(): number { return this.lastIndex; }
  /** Number of live keys. */
  get size(): number { return this.keyspace.size; }
  /** Key and value bytes of the live keys. */
  get bytes(): number { return this.keyspace.bytes; }
  /** Number of clients in the exactly-once table. */
  get dedupClientCount(): number { return this.dedup.clientCount; }
  /** The oldest revision whose events are still retained (revision + 1 when none are). */
  get oldestEventRevision(): number { return this.history.oldestAvailable; }

  /**
   * Applies the committed command at raft log `index` (strictly increasing; call it for noops too).
   * Watchers are notified synchronously once the command is fully applied; a watch sink must not
   * call apply (that would interleave revisions), and doing so throws.
   */
  apply(index: number, cmd: Command): ApplyOutcome {
    if (this.publishing) throw new InternalError('apply called from inside a watch sink');
    this.advanceTo(index);
    return this.applyOne(index, cmd);
  }

  /**
   * Applies the commands of the committed entry at `index` in order (a batch entry holds several:
   * src/codec/entry-commands.ts), each its own revision, and hands each outcome to `onOutcome`.
   */
  applyEntry(index: number, cmds: readonly Command[], onOutcome: (cmd: Command, outcome: ApplyOutcome) => void): void {
    if (this.publishing) throw new InternalError('apply called from inside a watch sink');
    this.advanceTo(index);
    for (const cmd of cmds) onOutcome(cmd, this.applyOne(index, cmd));
  }

  private applyOne(index: number, cmd: Command): ApplyOutcome {
    const outcome = this.applyCommand(index, cmd);
    const committed = this.unpublished;
    if (committed) {
      this.unpublished = undefined;
      this.publishing = true;
      try {
        this.watches.publish(committed.revision, committed.events);
      } finally {
        this.publishing = false;
      }
    }
    return outcome;
  }

  /** An entry without a command (e.g. a raft configuration change) still advances appliedIndex. */
  skip(index: number): void {
    if (this.publishing) throw new InternalError('skip called from inside a watch sink');
    this.advanceTo(index);
  }

  /**
   * A local read of the current state, or of the state at `at.revision` (0 = current) from the
   * retained history; `at.maxBytes` bounds the key-values returned (one page; `more` says more follow).
   * Throws InvalidArgumentError on a malformed range, CompactedError below the compaction point or the
   * oldest retained history, FutureRevisionError above the current revision.
   */
  range(op: RangeOp, at: { revision?: number; maxBytes?: number } = {}): RangeResult {
    const reason = checkRange(op);
    if (reason) throw new InvalidArgumentError(reason);
    const revision = at.revision ?? 0;
    if (!Number.isSafeInteger(revision) || revision < 0) throw new InvalidArgumentError(`range: invalid revision ${revision}`);
    if (revision === 0 || revision === this.currentRevision) return readRange(currentSource(this.keyspace), op, at.maxBytes);
    if (revision > this.currentRevision) throw new FutureRevisionError(revision, this.currentRevision);
    if (revision < this.compactedAt) throw new CompactedError(revision, this.compactedAt);
    return readRange(pastSource(this.keyspace, this.history, revision, this.compactedAt), op, at.maxBytes);
  }

  get(key: Uint8Array): KeyValue | undefined {
    return this.keyspace.get(key);
  }

  /** Ascending lease ids. */
  leaseIds(): number[] {
    return this.leases.ids();
  }

  lease(id: number): LeaseInfo | undefined {
    return this.leases.get(id);
  }

  /** Every lease's id and granted TTL (what a new leader's LeaseClock.resetAll takes). */
  leaseList(): { id: number; ttlMs: number }[] {
    return this.leases.list();
  }

  /** Matching events from fromRevision on (see EventHistory.eventsSince). Throws CompactedError. */
  eventsSince(fromRevision: number, key: Uint8Array, rangeEnd: Uint8Array, limit?: number): WatchEvent[] {
    return this.history.eventsSince(fromRevision, this.compactedAt, toKeyRange(key, rangeEnd), limit);
  }

  forEachRevisionSince(fromRevision: number, visit: (revision: number, events: WatchEvent[]) => boolean | void): void {
    this.history.forEachRevisionSince(fromRevision, this.compactedAt, visit);
  }

  toSnapshot(): StoreSnapshot {
    return {
      revision: this.currentRevision,
      compactRevision: this.compactedAt,
      appliedIndex: this.lastIndex,
      kvs: this.keyspace.all(),
      leases: this.leases.list(),
      clients: this.dedup.toSnapshot(),
    };
  }

  /**
   * Like toSnapshot, but the key-values are an O(1) copy-on-write view read in blocks, so a snapshot
   * of millions of keys neither stalls the event loop to copy them nor sees later writes.
   */
  snapshotView(): StoreSnapshotView {
    const keys = this.keyspace.frozenCopy();
    return {
      revision: this.currentRevision,
      compactRevision: this.compactedAt,
      appliedIndex: this.lastIndex,
      kvCount: keys.size,
      kvBlocks: (blockKvs) => keys.blocks(blockKvs),
      leases: this.leases.list(),
      clients: this.dedup.toSnapshot(),
    };
  }

  /**
   * A store in the snapshot's state; its watch history starts empty, after the snapshot's revision.
   * It takes over the snapshot's key and value byte arrays (no copies): hand it a snapshot of its own.
   */
  static fromSnapshot(s: StoreSnapshot, opts: KvStoreOptions = {}): KvStore {
    const store = new KvStore(opts);
    store.currentRevision = s.revision;
    store.compactedAt = s.compactRevision;
    store.lastIndex = s.appliedIndex;
    store.history = new EventHistory(s.revision);
    store.dedup = DedupTable.fromSnapshot(s.clients, store.options.dedupWindow, store.options.dedupIdleEntries, store.options.dedupMaxBytes);
    for (const lease of s.leases) {
      if (!store.leases.grant(lease.id, lease.ttlMs)) throw new InternalError(`snapshot: lease ${lease.id} listed twice`);
    }
    let previous: Uint8Array | undefined;
    for (const kv of s.kvs) {
      if (previous && compareBytes(previous, kv.key) >= 0) throw new InternalError('snapshot: kvs are not in strictly ascending key order');
      if (kv.modRevision > s.revision) throw new InternalError(`snapshot: a key has modRevision ${kv.modRevision} > revision ${s.revision}`);
      // The store takes the snapshot's byte arrays over rather than copying each one: a million
      // separate small copies cost seconds of allocation and GC at restart. The store never
      // mutates bytes, and a snapshot is built fresh for the store that restores it.
      const key = kv.key;
      store.keyspace.set(Object.freeze({ ...kv }), undefined); // keys ascend strictly (checked above): each is new
      if (kv.lease !== 0) {
        if (!store.leases.has(kv.lease)) throw new InternalError(`snapshot: a key is attached to unknown lease ${kv.lease}`);
        store.leases.attach(kv.lease, key);
      }
      previous = key;
    }
    return store;
  }

  // ------------------------------------------------------------------ applying

  private applyCommand(index: number, cmd: Command): ApplyOutcome {
    const requestId = cmd.requestId;
    if (requestId) {
      if (!Number.isSafeInteger(requestId.seq) || requestId.seq < 0) {
        return this.failure(new InvalidArgumentError(`invalid request seq ${requestId.seq}`));
      }
      const verdict = this.dedup.check(requestId);
      if (verdict.kind === 'retry') return verdict.outcome;
      if (verdict.kind === 'tooOld') {
        return this.failure(new InvalidArgumentError(
          `request too old to deduplicate: client ${requestId.clientId} seq ${requestId.seq}`,
        ));
      }
    }
    const outcome = this.execute(cmd.op);
    if (requestId) this.dedup.record(requestId, index, outcome);
    return outcome;
  }

  private advanceTo(index: number): void {
    if (!Number.isSafeInteger(index) || index <= this.lastIndex) {
      throw new InternalError(`apply: log index ${index} after ${this.lastIndex}; indexes must increase`);
    }
    this.lastIndex = index;
    this.dedup.expireIdle(index);
  }

  private execute(op: CommandOp): ApplyOutcome {
    const reason = validateOp(op);
    if (reason) return this.failure(new InvalidArgumentError(reason));
    switch (op.type) {
      case 'put':
        if (op.lease !== 0 && !this.leases.has(op.lease)) return this.failure(new LeaseNotFoundError(op.lease));
        return this.write((w) => w.put(op));
      case 'deleteRange':
        return this.write((w) => w.deleteRange(op));
      case 'txn':
        return this.txn(op);
      case 'leaseGrant':
        if (!this.leases.grant(op.id, op.ttlMs)) return this.failure(new InvalidArgumentError(`lease ${op.id} already exists`));
        return this.success({ type: 'leaseGrant', id: op.id, ttlMs: op.ttlMs });
      case 'leaseRevoke': {
        const keys = this.leases.remove(op.id);
        if (!keys) return this.failure(new LeaseNotFoundError(op.id));
        return this.write((w) => {
          w.deleteKeys(keys);
          return { type: 'leaseRevoke' };
        });
      }
      case 'leaseExpire':
        // Ids revoked meanwhile are ignored; all keys of all expired leases share one revision.
        return this.write((w) => {
          for (const id of op.ids) {
            const keys = this.leases.remove(id);
            if (keys) w.deleteKeys(keys);
          }
          return { type: 'leaseExpire' };
        });
      case 'compact':
        return this.compact(op.revision);
      case 'leaseExtendAll':
      case 'noop':
        return this.success({ type: op.type });
      default:
        return this.failure(new UnimplementedError(String((op as { type: unknown }).type)));
    }
  }

  private txn(op: TxnCommand): ApplyOutcome {
    const failedGuard = op.guard?.find((c) => !compareHolds(this.keyspace, c));
    if (failedGuard) return this.failure(new FencedError(`fencing condition failed: ${describeCompare(failedGuard)}`));
    const succeeded = allComparesHold(this.keyspace, op.compare);
    const ops = succeeded ? op.success : op.failure;
    for (const child of ops) {
      if (child.type === 'put' && child.lease !== 0 && !this.leases.has(child.lease)) {
        return this.failure(new LeaseNotFoundError(child.lease));
      }
    }
    return this.write((w) => {
      const responses: TxnOpResult[] = ops.map((child) => {
        switch (child.type) {
          case 'put': return w.put(child);
          case 'deleteRange': return w.deleteRange(child);
          case 'range': return readRange(currentSource(this.keyspace), child);
        }
      });
      return { type: 'txn', succeeded, responses };
    });
  }

  private compact(revision: number): ApplyOutcome {
    if (revision > this.currentRevision) return this.failure(new FutureRevisionError(revision, this.currentRevision));
    if (revision <= this.compactedAt) return this.failure(new CompactedError(revision, this.compactedAt));
    this.compactedAt = revision;
    this.history.trimBelow(revision);
    return this.success({ type: 'compact' });
  }

  /** Runs `change` as the next revision; the revision is committed only if something changed. */
  private write(change: (w: RevisionWriter) => CommandResult): ApplyOutcome {
    const writer = new RevisionWriter(this.keyspace, this.leases, this.currentRevision + 1);
    const result = change(writer);
    if (writer.changed) {
      this.currentRevision = writer.revision;
      this.history.append(writer.revision, writer.events);
      this.history.trimBelow(Math.max(this.compactedAt, writer.revision - this.options.historyRevisions + 1));
      this.history.trimToBytes(this.options.historyBytes);
      this.unpublished = { revision: writer.revision, events: writer.events };
    }
    return this.success(result);
  }

  private success(result: CommandResult): ApplyOutcome {
    return { revision: this.currentRevision, result, error: null };
  }

  private failure(error: KeelError): ApplyOutcome {
    return { revision: this.currentRevision, result: null, error: error.toBody() };
  }
}
