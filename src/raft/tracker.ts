// The cluster as Raft counts it (etcd's tracker and quorum packages): the configuration, every
// member's Progress, the votes of the current election, and the one majority computation that
// commit, elections, check-quorum and ReadIndex all use.
import type { ConfState, NodeId } from './types.js';
import { copyConf, isMember } from './confchange.js';
import { Progress } from './progress.js';

export type VoteResult = 'won' | 'lost' | 'pending';

export class ProgressTracker {
  private config: ConfState;
  private readonly progress = new Map<NodeId, Progress>();
  private readonly votes = new Map<NodeId, boolean>();

  constructor(conf: ConfState, private readonly maxInflight: number) {
    this.config = copyConf(conf);
  }

  /** The configuration in force (as of the last applied config entry or snapshot). Do not mutate. */
  get conf(): Readonly<ConfState> { return this.config; }
  isVoter(id: NodeId): boolean { return this.config.voters.includes(id); }
  isMember(id: NodeId): boolean { return isMember(this.config, id); }
  /** The one voter is `id` (a single-node cluster needs no round trips). */
  isSoleVoter(id: NodeId): boolean { return this.config.voters.length === 1 && this.config.voters[0] === id; }

  get(id: NodeId): Progress | undefined { return this.progress.get(id); }
  /** Every member's progress, this node's included. */
  entries(): IterableIterator<[NodeId, Progress]> { return this.progress.entries(); }
  /** A snapshot is being sent to some follower. */
  anySendingSnapshot(): boolean {
    for (const pr of this.progress.values()) if (pr.state === 'snapshot') return true;
    return false;
  }

  /** Fresh progress for every member: next after our last index; our own match is our last index. */
  resetProgress(lastIndex: number, self: NodeId): void {
    this.progress.clear();
    for (const id of [...this.config.voters, ...this.config.learners]) this.addProgress(id, lastIndex, self);
  }

  private addProgress(id: NodeId, lastIndex: number, self: NodeId): void {
    const pr = new Progress(lastIndex + 1, this.maxInflight, this.config.learners.includes(id));
    if (id === self) pr.match = lastIndex;
    this.progress.set(id, pr);
  }

  /** A config entry applied: switch to `conf`, dropping the progress of members that left and adding new ones. */
  applyConf(conf: ConfState, lastIndex: number, self: NodeId): void {
    this.config = copyConf(conf);
    for (const id of [...this.progress.keys()]) if (!isMember(conf, id)) this.progress.delete(id);
    for (const id of [...conf.voters, ...conf.learners]) {
      const pr = this.progress.get(id);
      if (pr) pr.isLearner = conf.learners.includes(id);
      else this.addProgress(id, lastIndex, self);
    }
  }

  /** A snapshot from the leader replaced our log: its configuration is now ours (progress is rebuilt on the next role change). */
  restoreConf(conf: ConfState): void {
    this.config = copyConf(conf);
  }

  // ---- the majority computation ----

  /** Votes needed for a majority of the voters. */
  protected quorum(): number { return Math.floor(this.config.voters.length / 2) + 1; }

  /** Won once a majority said yes; lost once a majority can no longer say yes. */
  private voteResult(voteOf: (id: NodeId) => boolean | undefined): VoteResult {
    let yes = 0;
    let no = 0;
    for (const v of this.config.voters) {
      const vote = voteOf(v);
      if (vote === true) yes++;
      else if (vote === false) no++;
    }
    if (yes >= this.quorum()) return 'won';
    if (no > this.config.voters.length - this.quorum()) return 'lost';
    return 'pending';
  }

  /** The highest index a majority of voters has matched. */
  committedIndex(): number {
    const matches = this.config.voters.map((v) => this.progress.get(v)?.match ?? 0).sort((a, b) => b - a);
    return matches[this.quorum() - 1] ?? 0;
  }

  /** Records a voter's answer in this election (the first answer counts); returns the tally. */
  recordVote(id: NodeId, granted: boolean): VoteResult {
    if (this.isVoter(id) && !this.votes.has(id)) this.votes.set(id, granted);
    return this.voteResult((v) => this.votes.get(v));
  }
  resetVotes(): void { this.votes.clear(); }

  /** A majority of voters (this node counts) was heard from since the last check-quorum round. */
  quorumActive(self: NodeId): boolean {
    return this.voteResult((v) => (v === self || this.progress.get(v)?.recentActive ? true : undefined)) === 'won';
  }
  /** Starts a new check-quorum round. */
  resetRecentActive(self: NodeId): void {
    for (const [id, pr] of this.progress) pr.recentActive = id === self;
  }

  /** A majority of voters acknowledged a heartbeat carrying a read's context. */
  hasReadQuorum(acks: ReadonlySet<NodeId>): boolean {
    return this.voteResult((v) => (acks.has(v) ? true : undefined)) === 'won';
  }
}
