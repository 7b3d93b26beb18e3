// Start-up: the newest usable snapshot plus the log after it. A snapshot is usable when it reads
// back intact and the log continues from it (the log may start anywhere up to index + 1). When the
// newest file is corrupt, an older one is tried, then the log alone (if it still starts at 1).
// Sync-free; runs once at open.
import type { Logger } from 'pino';
import type { SegmentedLog } from '../log/index.js';
import type { Entry } from '../raft/types.js';
import { loadNewestSnapshot, type LoadedSnapshot } from './snapshot-files.js';

export class UnrecoverableStateError extends Error {
  constructor(nodeDir: string, reason: string) {
    super(`${nodeDir}: cannot rebuild the node's state: ${reason}`);
    this.name = 'UnrecoverableStateError';
  }
}

export interface RestoredState {
  snapshot: LoadedSnapshot | null;
  /** Log entries after the snapshot (all of them without one). */
  entries: Entry[];
}

export async function restoreFromDisk(nodeDir: string, log: SegmentedLog<Entry>, logger: Logger): Promise<RestoredState> {
  // The first index the log can give (an empty log after reset(n) continues at n).
  const logStart = log.firstIndex() === 0 ? log.lastIndex() + 1 : log.firstIndex();
  const snapshot = await loadNewestSnapshot(nodeDir, logger, (s) => {
    if (logStart > s.meta.index + 1) {
      return `the log starts at ${logStart}, past the snapshot's index ${s.meta.index} + 1: the entries between are gone`;
    }
    return null;
  });
  if (!snapshot) {
    if (logStart > 1) {
      throw new UnrecoverableStateError(nodeDir, `the log starts at index ${logStart} and no usable snapshot covers the entries before it`);
    }
    const first = log.firstIndex();
    return { snapshot: null, entries: first === 0 ? [] : await log.read(first, log.lastIndex() + 1) };
  }

  const { index, term } = snapshot.meta;
  const heldTerm = log.term(index);
  if (log.lastIndex() < index || (heldTerm !== undefined && heldTerm !== term)) {
    // The log is behind the snapshot or diverges at its index (a crash while installing a snapshot
    // from the leader, after the file was renamed and before the log was reset): the snapshot wins.
    logger.warn({ snapshot: snapshot.path, logLastIndex: log.lastIndex(), heldTerm }, 'the log does not continue the snapshot; resetting it to start after the snapshot');
    await log.reset(index + 1);
    return { snapshot, entries: [] };
  }
  const from = Math.max(log.firstIndex(), index + 1);
  const entries = log.firstIndex() === 0 || from > log.lastIndex() ? [] : await log.read(from, log.lastIndex() + 1);
  logger.info({ snapshot: snapshot.path, index, term, tail: entries.length }, 'restoring from a snapshot and the log after it');
  return { snapshot, entries };
}
