// What a node counts on its own paths for the metrics and the status page: plain numbers and one
// callback, so the hot paths pay an increment and no allocation. node-metrics.ts reads them at
// scrape time (and sets `onFsync` to feed its histogram); nothing here knows about Prometheus.

/** One change of the leader this node saw: a new leader, or none known any more ('' ). */
export interface LeaderChange {
  /** Milliseconds since the epoch. */
  at: number;
  term: number;
  leader: string;
}

const RECENT_LEADER_CHANGES = 20;

export class NodeStats {
  /** Commands proposed through this node (it was the leader at the time). */
  proposals = 0;
  /** Proposals refused because leadership was lost between accepting and flushing them. */
  proposalsFailed = 0;
  /** Times a leader other than the one known before was seen (etcd's leader_changes_seen_total). */
  leaderChanges = 0;
  /** Committed entries that did not decode (skipped by every replica alike). */
  undecodableEntries = 0;
  /** The newest leader changes, oldest first, at most RECENT_LEADER_CHANGES. */
  readonly recentLeaders: LeaderChange[] = [];
  /** Called with the seconds each log write + fdatasync took. */
  onFsync: (seconds: number) => void = () => {};
  private lastLeader = '';

  /** Records the leader as the node's Raft reports it; counts only real changes. */
  leaderSeen(leader: string, term: number): void {
    if (leader === this.lastLeader) return;
    this.lastLeader = leader;
    if (leader !== '') this.leaderChanges++;
    this.recentLeaders.push({ at: Date.now(), term, leader });
    if (this.recentLeaders.length > RECENT_LEADER_CHANGES) this.recentLeaders.shift();
  }
}
