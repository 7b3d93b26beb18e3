// When this node last heard from a leader. A follower keeps the leader's id until an election says
// otherwise, and a learner (which never campaigns) keeps it forever, so "knows a leader" is not
// enough to serve local reads and watches: a leader must have been heard from within an election
// timeout. An election in progress (no leader known for a moment) does not count against it; only
// the silence does. A leader counts as in contact with itself (check-quorum steps it down within an
// election timeout of losing its majority).
export class LeaderContact {
  private heardAt = -Infinity;

  constructor(
    /** The election timeout, ms. */
    readonly timeoutMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** A message from the current leader (append, heartbeat or snapshot chunk) arrived. */
  heard(): void {
    this.heardAt = this.now();
  }

  /** True when this node leads, or heard from a leader within the election timeout. */
  live(role: string): boolean {
    return role === 'leader' || this.now() - this.heardAt <= this.timeoutMs;
  }
}
