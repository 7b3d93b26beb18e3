// Offline compaction of a stopped node's directory (`npm run compact -- <dir>`): rebuild the
// projection up to the last committed index (newest usable snapshot + committed log entries),
// write it as a snapshot at that index, and drop the log entries it covers. The log's lock is held
// throughout, so a running node's directory is refused (LogLockedError names the holder's pid).
//
// The membership at the commit index comes from the snapshot and the config entries after it; a
// directory with neither (a cluster that never changed membership and never snapshotted) needs the
// initial voters given as `peers`.
import type { Logger } from 'pino';
import pino from 'pino';
import { decodeEntryCommands, entryCodec, entryCodecFor } from '../codec/index.js';
import { SegmentedLog } from '../log/index.js';
import { decodeConfChange } from '../raft/confchange.js';
import type { ConfState, Entry, SnapshotMeta } from '../raft/types.js';
import { KvStore } from '../store/kv-store.js';
import { encodeSnapshot } from '../store/snapshot-codec.js';
import { HardStateFile } from './hard-state.js';
import { listSnapshotFiles, pruneSnapshotFiles, writeSnapshotFile } from './snapshot-files.js';
import { restoreFromDisk } from './snapshot-restore.js';

export class CompactionRefusedError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'CompactionRefusedError';
  }
}

export interface DirectorySize {
  logBytes: number;
  segments: number;
  firstIndex: number;
  lastIndex: number;
  snapshotBytes: number;
  snapshots: number;
}

export interface CompactionReport {
  before: DirectorySize;
  after: DirectorySize;
  /** The snapshot written (null when the newest snapshot already sits at the commit index). */
  snapshot: { path: string; index: number; term: number; bytes: number; kvs: number } | null;
  commitIndex: number;
}

async function sizeOf(nodeDir: string, log: SegmentedLog<Entry>): Promise<DirectorySize> {
  const snaps = await listSnapshotFiles(nodeDir);
  return {
    logBytes: log.sizeBytes(),
    segments: log.segments().length,
    firstIndex: log.firstIndex(),
    lastIndex: log.lastIndex(),
    snapshotBytes: snaps.reduce((sum, s) => sum + s.bytes, 0),
    snapshots: snaps.length,
  };
}

export async function compactNodeDirectory(nodeDir: string, opts: { peers?: string[]; logger?: Logger } = {}): Promise<CompactionReport> {
  const logger = opts.logger ?? pino({ level: 'warn' });
  const log = await SegmentedLog.open<Entry>(nodeDir, { codec: entryCodec, resolveCodec: (fp) => entryCodecFor(fp), logger });
  let hardState: HardStateFile | undefined;
  try {
    hardState = await HardStateFile.open(nodeDir);
    const before = await sizeOf(nodeDir, log);
    const { snapshot, entries } = await restoreFromDisk(nodeDir, log, logger);
    const commitIndex = Math.min(hardState.value.commit, log.lastIndex());
    const store = snapshot ? KvStore.fromSnapshot(snapshot.store) : new KvStore();
    let conf: ConfState | null = snapshot ? snapshot.meta.conf : opts.peers ? { voters: [...opts.peers], learners: [] } : null;
    for (const e of entries) {
      if (e.index > commitIndex) break;
      if (e.type === 'config') conf = decodeConfChange(e.data).conf;
      if (e.type !== 'normal' || e.data.length === 0) store.skip(e.index);
      else store.applyEntry(e.index, decodeEntryCommands(e.data), () => {});
    }
    if (!conf) {
      throw new CompactionRefusedError(`${nodeDir}: no snapshot and no membership change in the log, so the voters are unknown; pass --peers <the initial voters>`);
    }
    const index = store.appliedIndex;
    let written: CompactionReport['snapshot'] = null;
    if (index > (snapshot?.meta.index ?? 0)) {
      const term = log.term(index);
      if (term === undefined) throw new CompactionRefusedError(`${nodeDir}: the log does not hold the term of index ${index}`);
      const meta: SnapshotMeta = { index, term, conf };
      const view = store.toSnapshot();
      const file = await writeSnapshotFile(nodeDir, meta, encodeSnapshot(meta, view));
      written = { path: file.path, index, term, bytes: file.bytes, kvs: view.kvs.length };
    }
    if (index > 0) {
      if (index === log.lastIndex()) await log.reset(index + 1);
      else await log.dropPrefix(index + 1);
    }
    await pruneSnapshotFiles(nodeDir, 1);
    return { before, after: await sizeOf(nodeDir, log), snapshot: written, commitIndex };
  } finally {
    await hardState?.close();
    await log.close();
  }
}
