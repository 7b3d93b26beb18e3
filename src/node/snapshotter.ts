// When and how a running node snapshots its projection, compacts its log, and installs a snapshot
// received from the leader.
//
// Taking a snapshot: once `everyEntries` entries were applied since the last one, or the log grew by
// `logBytes` since the last compaction, the node captures a point-in-time view of the store
// (KvStore.snapshotView: an O(1) copy-on-write copy of the key index, plus the small tables) together with
// Raft's metadata at the same applied index, then encodes and writes it block by block across
// event-loop turns while writes go on. Afterwards Raft gets the snapshot's metadata (the bytes stay
// on disk until a follower behind the log's start needs them) and drops its in-memory entries
// below `index - retainEntries`; the segmented log
// drops whole segments below min(index - retainEntries, previous snapshot's index + 1), so the
// previous snapshot plus the log still rebuilds the state if the newest file turns out corrupt.
// The two newest snapshot files are kept.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { SegmentedLog } from '../log/index.js';
import type { RaftNode } from '../raft/node.js';
import type { Entry, SnapshotMeta } from '../raft/types.js';
import type { KvStore } from '../store/kv-store.js';
import { decodeSnapshot, encodeSnapshot, type DecodedSnapshot } from '../store/snapshot-codec.js';
import type { StoreSnapshotView } from '../store/snapshot.js';
import { pruneSnapshotFiles, snapshotDir, snapshotFileName, writeSnapshotFile } from './snapshot-files.js';
import { EntryWeights } from './entry-weights.js';

export interface SnapshotPolicy {
  /** Snapshot after this many applied entries. */
  everyEntries: number;
  /** Or once the log has grown by this many bytes since the last compaction. */
  logBytes: number;
  /** Entries kept below a snapshot's index (followers a little behind catch up from the log). */
  retainEntries: number;
}

// 100,000 writes between snapshots, as etcd 3.5's --snapshot-count: every 10,000 writes, a node under
// put64 load wrote its whole store (2.75 MB for 10,000 keys) twice a second, at 5-10% of the
// cluster's put64 throughput. The log-size trigger bounds the in-memory Raft log at 64 MiB.
export const DEFAULT_SNAPSHOT_POLICY: SnapshotPolicy = { everyEntries: 100_000, logBytes: 64 * 1024 * 1024, retainEntries: 5_000 };
const RETRY_AFTER_FAILURE_MS = 10_000;
/** Snapshot files kept on disk: the newest and one to fall back to. */
const KEEP_FILES = 2;

export interface SnapshotterDeps {
  nodeDir: string;
  logger: Logger;
  log: SegmentedLog<Entry>;
  raft: RaftNode;
  store: () => KvStore;
  policy: SnapshotPolicy;
  /** Index of the snapshot the node started from (0 if none). */
  startIndex: number;
}

export interface SnapshotTaken {
  meta: SnapshotMeta;
  path: string;
  bytes: number;
  /** Time to capture the store's view (the only part that blocks the event loop as a whole). */
  captureMs: number;
  totalMs: number;
  logBytesFreed: number;
}

export class Snapshotter {
  private lastIndex: number;
  /** How many commands each applied entry holds: the policy counts entries by them. */
  private readonly weights = new EntryWeights();
  private logBaseline: number;
  private running: Promise<SnapshotTaken | null> | null = null;
  /** After a failed snapshot (disk full, ...), wait before trying again. */
  private retryAt = 0;
  /** Called after every snapshot written (tests, metrics). */
  onSnapshot: (taken: SnapshotTaken) => void = () => {};

  constructor(private readonly deps: SnapshotterDeps) {
    this.lastIndex = deps.startIndex;
    this.logBaseline = deps.log.sizeBytes();
  }

  get lastSnapshotIndex(): number {
    return this.lastIndex;
  }

  /**
   * The store's point-in-time view with Raft's metadata at the same index, taken right after the
   * next Ready is advanced (only there do the store and Raft's configuration agree on one index).
   */
  captureNext(): Promise<{ meta: SnapshotMeta; view: StoreSnapshotView }> {
    return new Promise((resolve, reject) => this.captureWaiters.push({ resolve, reject }));
  }

  private captureWaiters: { resolve: (c: { meta: SnapshotMeta; view: StoreSnapshotView }) => void; reject: (err: Error) => void }[] = [];

  private serveCaptures(): void {
    const waiters = this.captureWaiters;
    this.captureWaiters = [];
    const view = this.deps.store().snapshotView();
    const term = this.deps.raft.logTerm(view.appliedIndex);
    for (const w of waiters) {
      if (term === undefined) w.reject(new Error(`no term known for applied index ${view.appliedIndex}`));
      else w.resolve({ meta: { index: view.appliedIndex, term, conf: this.deps.raft.status().conf }, view });
    }
  }

  /**
   * Raft holds a snapshot's metadata only; when a follower needs the bytes, read the file
   * (asynchronously) and hand them over; once no follower is being sent them, Raft forgets them.
   */
  private serveSnapshotBytes(): void {
    const { raft, logger, nodeDir } = this.deps;
    if (this.loadingBytes || Date.now() < this.bytesRetryAt) return;
    const wanted = raft.snapshotWanted();
    if (!wanted) {
      raft.releaseSnapshotData();
      return;
    }
    const file = join(snapshotDir(nodeDir), snapshotFileName(wanted.index, wanted.term));
    this.loadingBytes = readFile(file)
      .then((data) => {
        raft.provideSnapshotData(wanted.index, data);
        logger.info({ file, bytes: data.length }, 'sending a snapshot to a follower behind the log start');
      })
      .catch((err: unknown) => {
        this.bytesRetryAt = Date.now() + 1000;
        logger.error({ err, file }, 'cannot read the snapshot a follower needs; retrying in 1 s');
      })
      .finally(() => {
        this.loadingBytes = null;
      });
  }

  private loadingBytes: Promise<void> | null = null;
  private bytesRetryAt = 0;

  /** The entry at `index` was applied; it held `commands` commands (0 for an entry without any). */
  applied(index: number, commands: number): void {
    this.weights.record(index, commands);
  }

  /** Called after each Ready is applied and advanced: starts a snapshot in the background when due. */
  maybeSnapshot(): void {
    if (this.captureWaiters.length > 0) this.serveCaptures();
    this.serveSnapshotBytes();
    if (this.running || Date.now() < this.retryAt) return;
    const applied = this.deps.store().appliedIndex;
    const { everyEntries, logBytes } = this.deps.policy;
    const dueByEntries = this.weights.since(this.lastIndex) >= everyEntries;
    const dueByBytes = applied > this.lastIndex && this.deps.log.sizeBytes() - this.logBaseline >= logBytes;
    if (dueByEntries || dueByBytes) void this.snapshotNow();
  }

  /** Takes a snapshot at the current applied index now (or joins the one running). */
  snapshotNow(): Promise<SnapshotTaken | null> {
    this.running ??= this.take()
      .catch((err: unknown) => {
        this.retryAt = Date.now() + RETRY_AFTER_FAILURE_MS;
        this.deps.logger.error({ err, retryInMs: RETRY_AFTER_FAILURE_MS }, 'taking a snapshot failed; the node keeps serving from its log');
        return null;
      })
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }

  /** Resolves once no snapshot is being written. */
  async idle(): Promise<void> {
    while (this.running || this.loadingBytes) await (this.running ?? this.loadingBytes);
  }

  private async take(): Promise<SnapshotTaken | null> {
    const { raft, log, logger, nodeDir, policy } = this.deps;
    const started = performance.now();
    // Capture the view and Raft's metadata in the same turn: both describe exactly `index`.
    const view = this.deps.store().snapshotView();
    const index = view.appliedIndex;
    const term = raft.logTerm(index);
    if (index <= this.lastIndex || term === undefined) return null;
    const meta: SnapshotMeta = { index, term, conf: raft.status().conf };
    const captureMs = performance.now() - started;

    const written = await writeSnapshotFile(nodeDir, meta, encodeSnapshot(meta, view));
    // Raft holds only the metadata; the file's bytes are read when a follower needs them.
    // The entries kept below the snapshot hold about retainEntries commands (entry-weights.ts).
    const retain = this.weights.entriesHolding(index, policy.retainEntries);
    raft.setSnapshot(meta, null, retain);
    this.weights.forgetThrough(index - retain);
    const previous = this.lastIndex;
    this.lastIndex = index;
    // Keep what the previous snapshot needs to replay (it is the fallback if this file goes bad).
    const dropBelow = Math.min(index - retain, previous + 1);
    const logBytesFreed = dropBelow > 1 ? await log.dropPrefix(dropBelow) : 0;
    this.logBaseline = log.sizeBytes();
    await pruneSnapshotFiles(nodeDir, KEEP_FILES);
    const taken: SnapshotTaken = { meta, path: written.path, bytes: written.bytes, captureMs, totalMs: performance.now() - started, logBytesFreed };
    logger.info({ index, term, kvs: view.kvCount, bytes: written.bytes, captureMs: Math.round(captureMs), ms: Math.round(taken.totalMs), logBytesFreed }, 'snapshot written');
    this.onSnapshot(taken);
    return taken;
  }

  /**
   * A snapshot received from the leader (Ready.snapshot): check it, write it, and replace the log
   * with an empty one continuing after it. Returns the decoded state to restore the store from.
   */
  async install(snapshot: { meta: SnapshotMeta; data: Uint8Array }, checked?: DecodedSnapshot): Promise<DecodedSnapshot> {
    const { log, logger, nodeDir } = this.deps;
    // Raft refuses a transfer that does not decode (checkReceivedSnapshot); a failure here stops the node.
    const decoded = checked ?? decodeSnapshot(snapshot.data);
    if (decoded.meta.index !== snapshot.meta.index || decoded.meta.term !== snapshot.meta.term) {
      throw new Error(`received snapshot says index ${decoded.meta.index} term ${decoded.meta.term}, raft says ${snapshot.meta.index}/${snapshot.meta.term}`);
    }
    await this.idle();
    await writeSnapshotFile(nodeDir, snapshot.meta, [snapshot.data]);
    await log.reset(snapshot.meta.index + 1);
    this.weights.reset();
    this.lastIndex = snapshot.meta.index;
    this.logBaseline = log.sizeBytes();
    await pruneSnapshotFiles(nodeDir, KEEP_FILES);
    logger.info({ index: snapshot.meta.index, term: snapshot.meta.term, bytes: snapshot.data.length, kvs: decoded.store.kvs.length }, 'installed a snapshot from the leader');
    return decoded;
  }
}

/**
 * Raft's check of a fully received snapshot: null when its bytes decode and match its metadata,
 * else why not. The decoded snapshot is passed to `keep` so install does not decode it again.
 */
export function checkReceivedSnapshot(
  meta: SnapshotMeta, data: Uint8Array, keep: (data: Uint8Array, decoded: DecodedSnapshot) => void,
): string | null {
  let decoded: DecodedSnapshot;
  try {
    decoded = decodeSnapshot(data);
  } catch (err) {
    return `the snapshot does not decode: ${(err as Error).message}`;
  }
  if (decoded.meta.index !== meta.index || decoded.meta.term !== meta.term) {
    return `the snapshot says index ${decoded.meta.index} term ${decoded.meta.term}, its transfer says ${meta.index}/${meta.term}`;
  }
  keep(data, decoded);
  return null;
}

