// Numbers a client's writes (seq = 1, 2, 3, ...) and bounds them by seq span, not just by count: a
// write may be sent only while its seq is below (the lowest unfinished seq + limit). At most `limit`
// writes are therefore in flight, and — what count alone would not give — a slow write that is
// still being retried is never more than `limit - 1` seqs behind the newest one sent. The server's
// exactly-once table remembers the last `dedupWindow` seqs per client; with limit <= dedupWindow a
// retry always finds its stored outcome instead of being refused as too old.
export class WriteGate {
  private readonly limit: number;
  private nextSeq = 1;
  private running = 0;
  /** Seqs handed out and not finished, in ascending order (insertion order = seq order). */
  private readonly unfinished = new Set<number>();
  private readonly waiting: { seq: number; resume: () => void }[] = [];

  constructor(limit: number) {
    if (!Number.isSafeInteger(limit) || limit <= 0) throw new Error(`WriteGate: limit must be a positive integer, got ${limit}`);
    this.limit = limit;
  }

  /** Writes sent and not yet finished (at most `limit`). */
  get inFlight(): number {
    return this.running;
  }

  /** Writes waiting for their turn. */
  get queued(): number {
    return this.waiting.length;
  }

  /** Gives `task` the next seq and runs it once the seq is inside the window. */
  async run<T>(task: (seq: number) => Promise<T>): Promise<T> {
    const seq = this.nextSeq++;
    this.unfinished.add(seq);
    if (!this.fits(seq)) await new Promise<void>((resume) => this.waiting.push({ seq, resume }));
    this.running++;
    try {
      return await task(seq);
    } finally {
      this.running--;
      this.unfinished.delete(seq);
      this.wakeThoseThatFit();
    }
  }

  private fits(seq: number): boolean {
    const lowest = this.unfinished.values().next().value as number;
    return seq < lowest + this.limit;
  }

  private wakeThoseThatFit(): void {
    while (this.waiting.length > 0 && this.fits(this.waiting[0].seq)) this.waiting.shift()!.resume();
  }
}
