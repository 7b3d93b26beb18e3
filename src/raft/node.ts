// RaftNode: the public entry point. Wraps the core with etcd's Ready/advance protocol: the caller
// takes a Ready, persists hardState + snapshot + entries, sends messages, applies committed
// entries, then calls advance(rd).
import type { ConfChange, HardState, Message, RaftConfig, Ready, Restored, SnapshotMeta, SoftState, Status } from './types.js';
import { Raft } from './raft.js';

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
  setSnapshot(meta: SnapshotMeta, data: Uint8Array | null, retainEntries = 0): void { this.raft.setSnapshot(meta, data, retainEntries); }

  /** The snapshot whose bytes a follower needs and Raft does not hold (see setSnapshot), or null. */
  snapshotWanted(): SnapshotMeta | null { return this.raft.snapshotWanted(); }

  /** The bytes of the snapshot at `index`, asked for by snapshotWanted(); ignored if it was replaced. */
  provideSnapshotData(index: number, data: Uint8Array): void { this.raft.provideSnapshotData(index, data); }

  /**
   * Forgets the snapshot's bytes when no follower is being sent them (the app provides them again
   * if needed). Returns true when bytes were released.
   */
  releaseSnapshotData(): boolean { return this.raft.releaseSnapshotData(); }

  /** Term of the entry at `index` in this node's log (undefined if compacted or absent). */
  logTerm(index: number): number | undefined { return this.raft.logTerm(index); }

  hasReady(): boolean {
    const soft = this.raft.softState();
    const hard = this.raft.hardState();
    return soft.leader !== this.prevSoft.leader || soft.role !== this.prevSoft.role ||
      hard.term !== this.prevHard.term || hard.vote !== this.prevHard.vote || hard.commit !== this.prevHard.commit ||
      this.raft.hasWork();
  }

  ready(): Ready {
    const soft = this.raft.softState();
    const hard = this.raft.hardState();
    const softChanged = soft.leader !== this.prevSoft.leader || soft.role !== this.prevSoft.role;
    const hardChanged = hard.term !== this.prevHard.term || hard.vote !== this.prevHard.vote || hard.commit !== this.prevHard.commit;
    return { softState: softChanged ? soft : null, hardState: hardChanged ? hard : null, ...this.raft.collect() };
  }

  advance(rd: Ready): void {
    if (rd.softState) this.prevSoft = rd.softState;
    if (rd.hardState) this.prevHard = rd.hardState;
    this.raft.acknowledge(rd);
  }

  status(): Status { return this.raft.status(); }
}
