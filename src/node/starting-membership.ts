// Where a starting node takes its voters from. A founding member's first start writes the initial
// voters (--peers) into the log as entry 1, committed (etcd's bootstrap); every later start reads the
// membership back from the snapshot and the config entries up to the commit index, so --peers no
// longer matters — a different one is reported and ignored. A directory written before the
// bootstrap entry existed has no config entry: its --peers is used, as before.
import type { Logger } from 'pino';
import type { SegmentedLog } from '../log/index.js';
import { bootstrapEntry, membershipAt } from '../raft/confchange.js';
import type { ConfState, Entry, SnapshotMeta } from '../raft/types.js';
import type { HardStateFile } from './hard-state.js';

export interface StartingState {
  log: SegmentedLog<Entry>;
  hardState: HardStateFile;
  snapshot: SnapshotMeta | null;
  /** The log entries after the snapshot (the bootstrap entry is appended to it when written). */
  entries: Entry[];
  peers: string[];
  join: boolean;
  logger: Logger;
}

/** Writes the bootstrap entry on a founding member's first start; returns the stored membership (null: none). */
export async function startingMembership(s: StartingState): Promise<ConfState | null> {
  if (!s.snapshot && s.entries.length === 0 && s.log.lastIndex() === 0 && s.hardState.value.term === 0 && !s.join) {
    const first = bootstrapEntry(s.peers);
    await s.log.append([first]);
    await s.hardState.save({ term: first.term, vote: '', commit: first.index });
    s.entries.push(first);
  }
  const commit = Math.min(s.hardState.value.commit, s.log.lastIndex());
  const stored = membershipAt(s.snapshot?.conf ?? null, s.entries, commit);
  if (stored && !s.join && !sameMembers(stored.voters, s.peers)) {
    s.logger.warn({ peers: s.peers, voters: stored.voters, learners: stored.learners },
      '--peers differs from the membership in the log; the log\'s is used (peers matter only at a cluster\'s first start)');
  }
  return stored;
}

function sameMembers(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((id) => b.includes(id));
}
