// When this node last heard from the leader it follows. A follower keeps the leader's id until an
// election says otherwise, and a learner (which never campaigns) keeps it forever, so "knows a
// leader" is not enough to serve local reads and watches: the leader must have been heard from
// within an election timeout. A leader counts as in contact with itself (check-quorum steps it down
// within an election timeout of losing its majority).
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

  /** True when `leader` may be trusted as live: this node leads, or heard from it recently. */
  live(role: string, leader: string): boolean {
    if (role === 'leader') return true;
    return leader !== '' && this.now() - this.heardAt <= this.timeoutMs;
  }
}
