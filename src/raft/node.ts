// RaftNode: the public entry point. Wraps the core with etcd's Ready/advance protocol: the caller
// takes a Ready, persists hardState + snapshot + entries, sends messages, applies committed
// entries, then calls advance(rd).
import type { ConfChange, Entry, HardState, Message, RaftConfig, Ready, Restored, SnapshotMeta, SoftState, Status } from './types.js';
import { Raft } from './raft.js';
import { RaftStateError } from './errors.js';

export type RaftCoreClass = new (config: RaftConfig, restored?: Restored) => Raft;

export class RaftNode {
  protected readonly raft: Raft;
  private prevSoft: SoftState;
  private prevHard: HardState;

  /** `core` lets tests substitute a Raft subclass (e.g. one with a planted bug). */
  constructor(config: RaftConfig, restored?: Restored, core: RaftCoreClass = Raft) {
    this.raft = new core(config, restored);
    this.prevSoft = { leader: '', role: 'follower' };
    this.prevHard = restored ? { ...restored.hardState } : { term: 0, vote: '', commit: 0 };
  }

  tick(): void { this.raft.tick(); }
  step(msg: Message): void {
    if (msg.to !== this.raft.id) return;
    this.raft.step(msg);
  }
  /** Throws ProposalDroppedError when not the leader or while a transfer is in progress. */
  propose(data: Uint8Array): void { this.raft.propose(data); }
  /** Several proposals as one append: one replication message per follower instead of one each. */
  proposeBatch(datas: Uint8Array[]): void { this.raft.proposeBatch(datas); }
  /** Throws ProposalDroppedError / ConfChangeRejectedError. */
  proposeConfChange(cc: ConfChange): void { this.raft.proposeConfChange(cc); }
  /** `context` must be unique across the cluster (e.g. `${nodeId}:${counter}`). */
  readIndex(context: string): void { this.raft.readIndex(context); }
  transferLeadership(to: string): void { this.raft.transferLeadership(to); }

  /**
   * The app took a snapshot at meta.index (<= applied). Raft keeps it to send to lagging followers
   * and drops in-memory entries up to meta.index - retainEntries. With `data` null the app keeps
   * the bytes itself and provides them when snapshotWanted() says a follower needs them.
   */
  setSnapshot(meta: SnapshotMeta, data: Uint8Array | null, retainEntries = 0): void {
    if (meta.index > this.raft.log.applied) {
      throw new RaftStateError(`snapshot index ${meta.index} is beyond applied ${this.raft.log.applied}`);
    }
    if (this.raft.snapshot && this.raft.snapshot.meta.index >= meta.index) return;
    this.raft.snapshot = { meta, data };
    this.raft.log.compact(Math.max(0, meta.index - retainEntries));
  }

  /** The snapshot whose bytes a follower needs and Raft does not hold (see setSnapshot), or null. */
  snapshotWanted(): SnapshotMeta | null {
    const snap = this.raft.snapshot;
    return snap && snap.data === null && this.raft.snapshotDataWanted ? snap.meta : null;
  }

  /** The bytes of the snapshot at `index`, asked for by snapshotWanted(); ignored if it was replaced. */
  provideSnapshotData(index: number, data: Uint8Array): void {
    const snap = this.raft.snapshot;
    if (snap && snap.meta.index === index && snap.data === null) this.raft.snapshot = { meta: snap.meta, data };
    this.raft.snapshotDataWanted = false;
  }

  /**
   * Forgets the snapshot's bytes when no follower is being sent them (the app provides them again
   * if needed). Returns true when bytes were released.
   */
  releaseSnapshotData(): boolean {
    const snap = this.raft.snapshot;
    if (!snap || snap.data === null) return false;
    for (const pr of this.raft.progress.values()) if (pr.state === 'snapshot') return false;
    this.raft.snapshot = { meta: snap.meta, data: null };
    return true;
  }

  /** Term of the entry at `index` in this node's log (undefined if compacted or absent). */
  logTerm(index: number): number | undefined { return this.raft.log.term(index); }

  private softState(): SoftState { return { leader: this.raft.leader, role: this.raft.role }; }
  private hardState(): HardState { return { term: this.raft.term, vote: this.raft.vote, commit: this.raft.log.committed }; }

  hasReady(): boolean {
    const r = this.raft;
    const soft = this.softState();
    const hard = this.hardState();
    return soft.leader !== this.prevSoft.leader || soft.role !== this.prevSoft.role ||
      hard.term !== this.prevHard.term || hard.vote !== this.prevHard.vote || hard.commit !== this.prevHard.commit ||
      r.msgs.length > 0 || r.readStates.length > 0 || r.pendingSnapshot !== null ||
      r.log.stableIndex < r.log.lastIndex() || r.log.hasNextCommitted();
  }

  ready(): Ready {
    const r = this.raft;
    const soft = this.softState();
    const hard = this.hardState();
    const softChanged = soft.leader !== this.prevSoft.leader || soft.role !== this.prevSoft.role;
    const hardChanged = hard.term !== this.prevHard.term || hard.vote !== this.prevHard.vote || hard.commit !== this.prevHard.commit;
    const committedEntries = r.log.nextCommitted();
    if (committedEntries.length > 0) r.log.applying = committedEntries[committedEntries.length - 1].index;
    const rd: Ready = {
      softState: softChanged ? soft : null,
      hardState: hardChanged ? hard : null,
      entries: r.log.unstableEntries(),
      snapshot: r.pendingSnapshot,
      committedEntries,
      messages: r.msgs,
      readStates: r.readStates,
    };
    r.msgs = [];
    r.readStates = [];
    return rd;
  }

  advance(rd: Ready): void {
    const r = this.raft;
    if (rd.softState) this.prevSoft = rd.softState;
    if (rd.hardState) this.prevHard = rd.hardState;
    if (rd.snapshot && r.pendingSnapshot === rd.snapshot) r.pendingSnapshot = null;
    if (rd.entries.length > 0) {
      const last: Entry = rd.entries[rd.entries.length - 1];
      r.log.stableTo(last.index, last.term);
    }
    for (const e of rd.committedEntries) {
      if (e.type === 'config') r.applyConfEntry(e);
    }
    if (rd.committedEntries.length > 0) r.log.appliedTo(rd.committedEntries[rd.committedEntries.length - 1].index);
  }

  status(): Status {
    const r = this.raft;
    const progress: Status['progress'] = {};
    if (r.role === 'leader') {
      for (const [id, pr] of r.progress) progress[id] = { match: pr.match, next: pr.next, state: pr.state };
    }
    return {
      id: r.id, role: r.role, leader: r.leader, term: r.term, commit: r.log.committed,
      applied: r.log.applied, lastIndex: r.log.lastIndex(), firstIndex: r.log.firstIndex(),
      conf: { voters: [...r.conf.voters], learners: [...r.conf.learners] }, progress,
    };
  }
}
