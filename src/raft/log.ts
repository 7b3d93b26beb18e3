// The in-memory Raft log (like etcd's MemoryStorage + unstable): entries after a compaction point,
// split into a stable prefix (persisted by the node) and an unstable suffix (handed out in Ready).
import type { Entry, SnapshotMeta } from './types.js';
import { LogUnavailableError } from './errors.js';

/** Rough per-entry overhead used when sizing messages (index, term, type, framing). */
export const ENTRY_OVERHEAD_BYTES = 24;

export class RaftLog {
  /** Index and term of the last compacted entry; the log holds entries from offsetIndex + 1. */
  private offsetIndex: number;
  private offsetTerm: number;
  private entries: Entry[];
  /** Last index known to be on stable storage. */
  stableIndex: number;
  committed: number;
  /** Last index the application reported applied (via advance). */
  applied: number;
  /** Last index handed out for applying (in a Ready not yet advanced). */
  applying: number;

  constructor(snapshot: SnapshotMeta | null, entries: Entry[], commit: number) {
    this.offsetIndex = snapshot?.index ?? 0;
    this.offsetTerm = snapshot?.term ?? 0;
    this.entries = entries.filter((e) => e.index > this.offsetIndex);
    for (let i = 0; i < this.entries.length; i++) {
      if (this.entries[i].index !== this.offsetIndex + 1 + i) {
        throw new LogUnavailableError(`restored entries are not contiguous after index ${this.offsetIndex}`);
      }
    }
    this.stableIndex = this.lastIndex();
    this.applied = this.offsetIndex;
    this.applying = this.offsetIndex;
    this.committed = Math.min(Math.max(commit, this.offsetIndex), this.lastIndex());
  }

  firstIndex(): number { return this.offsetIndex + 1; }
  lastIndex(): number { return this.offsetIndex + this.entries.length; }
  lastTerm(): number { return this.term(this.lastIndex()) ?? 0; }

  /** Term of the entry at `index`; undefined when compacted away or beyond the end. */
  term(index: number): number | undefined {
    if (index === this.offsetIndex) return this.offsetTerm;
    if (index < this.offsetIndex || index > this.lastIndex()) return undefined;
    return this.entries[index - this.offsetIndex - 1].term;
  }

  matchTerm(index: number, term: number): boolean { return this.term(index) === term; }

  /** Raft §5.4.1: is a log ending at (lastIndex, lastTerm) at least as up-to-date as ours? */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const myTerm = this.lastTerm();
    return lastTerm > myTerm || (lastTerm === myTerm && lastIndex >= this.lastIndex());
  }

  entry(index: number): Entry {
    if (index <= this.offsetIndex || index > this.lastIndex()) {
      throw new LogUnavailableError(`entry ${index} is outside [${this.firstIndex()}, ${this.lastIndex()}]`);
    }
    return this.entries[index - this.offsetIndex - 1];
  }

  /** Entries [lo, hi) capped at maxBytes (always at least one entry when the range is non-empty). */
  slice(lo: number, hi: number, maxBytes = Infinity): Entry[] {
    if (lo <= this.offsetIndex || hi > this.lastIndex() + 1) {
      throw new LogUnavailableError(`slice [${lo}, ${hi}) is outside [${this.firstIndex()}, ${this.lastIndex()}]`);
    }
    const out: Entry[] = [];
    let bytes = 0;
    for (let i = lo; i < hi; i++) {
      const e = this.entries[i - this.offsetIndex - 1];
      bytes += e.data.length + ENTRY_OVERHEAD_BYTES;
      if (out.length > 0 && bytes > maxBytes) break;
      out.push(e);
    }
    return out;
  }

  /**
   * Appends entries that start at or before lastIndex + 1, replacing any conflicting suffix.
   * Returns the first index removed by that replacement, or 0 if nothing was removed.
   */
  append(ents: Entry[]): number {
    if (ents.length === 0) return 0;
    const first = ents[0].index;
    if (first <= this.committed) {
      throw new LogUnavailableError(`append at ${first} would overwrite committed index ${this.committed}`);
    }
    if (first > this.lastIndex() + 1) {
      throw new LogUnavailableError(`append at ${first} leaves a gap after ${this.lastIndex()}`);
    }
    const removedFrom = first <= this.lastIndex() ? first : 0;
    this.entries.length = first - this.offsetIndex - 1;
    for (const e of ents) this.entries.push(e);
    if (this.stableIndex >= first) this.stableIndex = first - 1;
    return removedFrom;
  }

  /** First index in ents whose term differs from ours (or that we lack); 0 if all match. */
  private findConflict(ents: Entry[]): number {
    for (const e of ents) {
      if (e.index <= this.offsetIndex) continue; // compacted, hence committed and matching
      if (!this.matchTerm(e.index, e.term)) return e.index;
    }
    return 0;
  }

  /**
   * Follower-side append of a leader's message. Returns null if (prevIndex, prevTerm) does not
   * match our log; otherwise the last index now known to match the leader, and the first index
   * of our log that was replaced (0 if none).
   */
  maybeAppend(prevIndex: number, prevTerm: number, leaderCommit: number, ents: Entry[]): { lastNew: number; removedFrom: number } | null {
    if (!this.matchTerm(prevIndex, prevTerm)) return null;
    const lastNew = prevIndex + ents.length;
    const conflict = this.findConflict(ents);
    const removedFrom = conflict > 0 ? this.append(ents.slice(conflict - ents[0].index)) : 0;
    this.commitTo(Math.min(leaderCommit, lastNew));
    return { lastNew, removedFrom };
  }

  /**
   * The largest index <= `index` whose term is <= `term` (etcd's findConflictByTerm): where a
   * leader should probe next so a whole conflicting term is skipped at once.
   */
  findConflictByTerm(index: number, term: number): number {
    let i = Math.min(index, this.lastIndex());
    while (i > this.offsetIndex) {
      const t = this.term(i)!;
      if (t <= term) break;
      i--;
    }
    return i;
  }

  commitTo(index: number): void {
    if (index > this.committed) this.committed = Math.min(index, this.lastIndex());
  }

  /** Committed entries not yet handed out for applying. */
  nextCommitted(maxBytes = Infinity): Entry[] {
    const lo = Math.max(this.applying, this.offsetIndex) + 1;
    if (lo > this.committed) return [];
    return this.slice(lo, this.committed + 1, maxBytes);
  }
  hasNextCommitted(): boolean { return Math.max(this.applying, this.offsetIndex) < this.committed; }

  unstableEntries(): Entry[] {
    if (this.stableIndex >= this.lastIndex()) return [];
    return this.entries.slice(this.stableIndex - this.offsetIndex);
  }

  /** The node persisted entries up to (index, term); ignored if that entry was replaced since. */
  stableTo(index: number, term: number): void {
    if (this.matchTerm(index, term) && index > this.stableIndex) this.stableIndex = index;
  }

  appliedTo(index: number): void {
    if (index > this.applied) this.applied = index;
    if (index > this.applying) this.applying = index;
  }

  /** Drops entries up to `index` (which must be applied); they remain represented by the snapshot. */
  compact(index: number): void {
    if (index <= this.offsetIndex) return;
    if (index > this.applied) throw new LogUnavailableError(`cannot compact to ${index}: applied is ${this.applied}`);
    const term = this.term(index)!;
    this.entries = this.entries.slice(index - this.offsetIndex);
    this.offsetIndex = index;
    this.offsetTerm = term;
  }

  /** Replace the whole log with a snapshot received from the leader. */
  restore(meta: SnapshotMeta): void {
    this.entries = [];
    this.offsetIndex = meta.index;
    this.offsetTerm = meta.term;
    this.stableIndex = meta.index;
    this.committed = meta.index;
    this.applied = meta.index;
    this.applying = meta.index;
  }
}
