// Log replication. Leader: appends (pipelined within each follower's inflight window, capped at
// maxMsgBytes per message), heartbeats, and their responses. Follower: accepting an append.
import type { Message, NodeId } from './types.js';
import type { Progress } from './progress.js';
import type { RaftLog } from './log.js';
import type { Outbox } from './outbox.js';
import type { ProgressTracker } from './tracker.js';
import type { SnapshotTransfer } from './snapshot-transfer.js';

/**
 * Marks an empty append that only carries a new commit index to a follower the leader believes is
 * up to date. The follower applies it and does not answer: the leader learns nothing from an ack of
 * an index it already counted, and on a put's path those acks were a third of the Raft messages. A
 * follower that cannot accept it (its log does not match) still answers with a rejection.
 */
export const COMMIT_ONLY = 'commit';

export class Replicator {
  constructor(
    private readonly log: RaftLog,
    private readonly tracker: ProgressTracker,
    private readonly out: Outbox,
    private readonly snapshots: SnapshotTransfer,
    private readonly maxMsgBytes: number,
    /** Advances the commit index if a majority allows it (the core's commit rule); true if it moved. */
    private readonly maybeCommit: () => boolean,
  ) {}

  // ---- leader ----

  /** A follower answered an append. Returns true when its match index advanced. */
  handleAppendResponse(m: Message, pr: Progress): boolean {
    pr.recentActive = true;
    if (m.reject) {
      let probe = m.rejectHint;
      if (m.rejectTerm > 0) probe = this.log.findConflictByTerm(m.rejectHint, m.rejectTerm);
      if (pr.maybeDecrTo(m.index, probe)) {
        if (pr.state === 'replicate') pr.becomeProbe();
        this.sendAppend(m.from, pr, true);
      }
      return false;
    }
    const wasPaused = pr.isPaused();
    if (!pr.maybeUpdate(m.index) && !(pr.match === m.index && pr.state === 'probe')) return false;
    if (pr.state === 'probe') pr.becomeReplicate();
    else if (pr.state === 'snapshot' && pr.match + 1 >= this.log.firstIndex()) {
      pr.becomeProbe();
      pr.becomeReplicate();
    } else if (pr.state === 'replicate') pr.inflights.freeLE(m.index);

    if (this.maybeCommit()) this.bcastCommit();
    else if (wasPaused) this.sendAppend(m.from, pr, true);
    while (pr.state === 'replicate' && this.sendAppend(m.from, pr, false)) { /* fill the window */ }
    return true;
  }

  handleHeartbeatResponse(m: Message, pr: Progress): void {
    pr.recentActive = true;
    pr.probeSent = false;
    if (pr.state === 'replicate' && pr.inflights.full()) pr.inflights.freeFirstOne();
    if (pr.state === 'snapshot') this.snapshots.resend(m.from, pr);
    else if (pr.match < this.log.lastIndex()) this.sendAppend(m.from, pr, true);
  }

  /** Sends one append (or starts a snapshot) to `to`. Returns whether a message went out. */
  sendAppend(to: NodeId, pr: Progress, sendIfEmpty: boolean): boolean {
    if (pr.isPaused()) return false;
    const prevIndex = pr.next - 1;
    const prevTerm = this.log.term(prevIndex);
    if (prevTerm === undefined) return this.snapshots.start(to, pr); // the follower is behind the start of our log
    const last = this.log.lastIndex();
    const entries = pr.next <= last ? this.log.slice(pr.next, last + 1, this.maxMsgBytes) : [];
    if (entries.length === 0 && !sendIfEmpty) return false;
    const m = this.out.message('app', to);
    m.index = prevIndex;
    m.logTerm = prevTerm;
    m.entries = entries;
    m.commit = this.log.committed;
    this.out.send(m);
    if (pr.state === 'replicate') {
      if (entries.length > 0) {
        const lastSent = entries[entries.length - 1].index;
        pr.next = lastSent + 1;
        pr.inflights.add(lastSent);
      }
    } else {
      pr.probeSent = true;
    }
    return true;
  }

  bcastAppend(): void {
    for (const [id, pr] of this.tracker.entries()) if (id !== this.out.id) this.sendAppend(id, pr, true);
  }

  /** After the commit index moved: followers with nothing to receive get a commit-only append, the rest their next entries. */
  bcastCommit(): void {
    const last = this.log.lastIndex();
    for (const [id, pr] of this.tracker.entries()) {
      if (id === this.out.id) continue;
      if (pr.state === 'replicate' && pr.next > last) this.sendCommit(id, pr);
      else this.sendAppend(id, pr, true);
    }
  }

  /** An empty append at the follower's next index carrying the commit index; it draws no ack. */
  private sendCommit(to: NodeId, pr: Progress): void {
    const prevTerm = this.log.term(pr.next - 1);
    if (prevTerm === undefined) return; // compacted away: the next heartbeat or append brings the commit
    const m = this.out.message('app', to);
    m.index = pr.next - 1;
    m.logTerm = prevTerm;
    m.commit = this.log.committed;
    m.context = COMMIT_ONLY;
    this.out.send(m);
  }

  bcastHeartbeat(context: string): void {
    for (const [id, pr] of this.tracker.entries()) {
      if (id === this.out.id) continue;
      const m = this.out.message('heartbeat', id);
      // Never tell a follower to commit past what we know it holds.
      m.commit = Math.min(pr.match, this.log.committed);
      m.context = context;
      this.out.send(m);
    }
  }

  // ---- follower ----

  handleAppend(m: Message): void {
    const r = this.out.message('appResp', m.from);
    if (m.index < this.log.committed) {
      r.index = this.log.committed;
      this.out.send(r);
      return;
    }
    const appended = this.log.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
    if (appended) {
      if (appended.removedFrom > 0) this.out.dropAcksFrom(appended.removedFrom);
      if (m.context === COMMIT_ONLY && m.entries.length === 0) return;
      r.index = appended.lastNew;
      this.out.send(r);
      return;
    }
    // Reject with a hint: the last index at or below m.index whose term is <= m.logTerm, so the
    // leader can skip a whole conflicting term in one round trip.
    const hintIndex = this.log.findConflictByTerm(Math.min(m.index, this.log.lastIndex()), m.logTerm);
    r.reject = true;
    r.index = m.index;
    r.rejectHint = hintIndex;
    r.rejectTerm = this.log.term(hintIndex) ?? 0;
    this.out.send(r);
  }
}
