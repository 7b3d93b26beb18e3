// How many commands the applied log entries hold, for the snapshot policy. `--snapshot-every-entries`
// and `--retain-entries` count an entry once per command in it: a leader under load proposes a turn's
// writes as one batch entry (src/codec/entry-commands.ts), and counted as entries those batches would
// make snapshots dozens of times rarer, and the tail kept in memory below a snapshot dozens of times
// longer, than the same writes proposed one by one. An entry without commands (a configuration
// change) weighs one.

export class EntryWeights {
  /** Applied entries still tracked, in index order, and the running total of weight up to each. */
  private indexes: number[] = [];
  private totals: number[] = [];
  private total = 0;
  /** The running total before the first tracked entry. */
  private base = 0;

  /** Records the weight of the entry applied at `index` (indexes increase). */
  record(index: number, weight: number): void {
    this.total += Math.max(1, weight);
    this.indexes.push(index);
    this.totals.push(this.total);
  }

  /** The weight applied after `index`; entries not tracked (applied before this process) weigh one. */
  since(index: number): number {
    const n = this.indexes.length;
    if (n === 0) return 0;
    const last = this.indexes[n - 1]!;
    if (index >= last) return 0;
    const i = this.lastAtOrBelow(index);
    if (i < 0) return this.total - this.base + Math.max(0, this.indexes[0]! - 1 - index);
    return this.total - this.totals[i]!;
  }

  /**
   * How many entries ending at `upTo` hold at most `weight` (at least one, when `weight` > 0).
   * Untracked entries below the tracked ones weigh one each.
   */
  entriesHolding(upTo: number, weight: number): number {
    if (weight <= 0) return 0;
    let i = this.lastAtOrBelow(upTo);
    if (i < 0) return Math.min(weight, upTo);
    let count = 0;
    let held = 0;
    for (; i >= 0; i--) {
      const w = this.totals[i]! - (i > 0 ? this.totals[i - 1]! : this.base);
      if (count > 0 && held + w > weight) return count;
      held += w;
      count++;
      if (held >= weight) return count;
    }
    // Below the tracked entries: one per entry.
    const firstTracked = this.indexes[0]!;
    return count + Math.min(weight - held, firstTracked - 1);
  }

  /** Stops tracking the entries at or below `index`. */
  forgetThrough(index: number): void {
    const i = this.lastAtOrBelow(index);
    if (i < 0) return;
    this.base = this.totals[i]!;
    this.indexes.splice(0, i + 1);
    this.totals.splice(0, i + 1);
  }

  /** Forgets everything: the log now continues after a snapshot received from the leader. */
  reset(): void {
    this.indexes = [];
    this.totals = [];
    this.base = this.total;
  }

  /** Entries tracked (bounded: the snapshotter forgets what a snapshot no longer needs). */
  get size(): number {
    return this.indexes.length;
  }

  /** Position of the last tracked entry with an index at or below `index`, or -1. */
  private lastAtOrBelow(index: number): number {
    let lo = 0;
    let hi = this.indexes.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.indexes[mid]! <= index) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }
}
