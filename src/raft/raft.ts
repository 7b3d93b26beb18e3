// The Raft core (etcd-style): a pure state machine with one step function per role. No I/O, no
// clock, no randomness of its own. RaftNode (node.ts) wraps it with the Ready/advance protocol.
// The core owns term, vote, role and the log; the tracker owns configuration, progress, votes and
// the majority; replication, ReadIndex and snapshot transfer are parts it drives, each given only
// the log, the tracker and the outbox it needs.
import type { ConfChange, ConfState, Entry, HardState, Message, MessageType, NodeId, RaftConfig, Ready, Restored, Role, SnapshotMeta, SoftState, Status } from './types.js';
import { blankMessage, EMPTY } from './types.js';
import { RaftLog } from './log.js';
import { ProgressTracker } from './tracker.js';
import { Outbox } from './outbox.js';
import { Replicator } from './replication.js';
import { ReadIndex } from './read-index.js';
import { SnapshotTransfer } from './snapshot-transfer.js';
import { confChangeEntryData } from './membership.js';
import { copyConf, decodeConfChange } from './confchange.js';
import { ProposalDroppedError } from './errors.js';

export const DEFAULT_MAX_MSG_BYTES = 900 * 1024;
export const DEFAULT_MAX_INFLIGHT = 256;
const TRANSFER_CONTEXT = 'transfer';

type CampaignKind = 'pre' | 'normal' | 'transfer';

export class Raft {
  readonly id: NodeId;
  private readonly electionTick: number;
  private readonly heartbeatTick: number;
  private readonly preVote: boolean;
  private readonly checkQuorum: boolean;
  private readonly random: () => number;

  private readonly log: RaftLog;
  private term = 0;
  private vote: NodeId = '';
  private leader: NodeId | '' = '';
  private role: Role = 'follower';
  private readonly tracker: ProgressTracker;
  private readonly out: Outbox;
  private readonly snapshots: SnapshotTransfer;
  private readonly replicator: Replicator;
  private readonly reads: ReadIndex;

  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  private randomizedElectionTimeout = 0;
  private leadTransferee: NodeId | '' = '';
  /** Index of the latest config entry proposed by this leader; no new change until it is applied. */
  private pendingConfIndex = 0;

  constructor(config: RaftConfig, restored?: Restored) {
    this.id = config.id;
    this.electionTick = config.electionTick ?? 10;
    this.heartbeatTick = config.heartbeatTick ?? 1;
    this.random = config.random;
    const maxMsgBytes = config.maxMsgBytes ?? DEFAULT_MAX_MSG_BYTES;
    this.preVote = config.preVote ?? true;
    this.checkQuorum = config.checkQuorum ?? true;
    const snap = restored?.snapshot ?? null;
    const conf = snap ? copyConf(snap.conf) : { voters: [...config.voters], learners: [...(config.learners ?? [])] };
    this.log = new RaftLog(snap, restored?.entries ?? [], restored?.hardState.commit ?? 0);
    this.tracker = this.newTracker(conf, config.maxInflight ?? DEFAULT_MAX_INFLIGHT);
    this.out = new Outbox(this.id, () => this.term);
    this.snapshots = new SnapshotTransfer(this.log, this.tracker, this.out, config.snapshotChunkBytes ?? maxMsgBytes, config.checkSnapshot);
    this.replicator = new Replicator(this.log, this.tracker, this.out, this.snapshots, maxMsgBytes, () => this.maybeCommit());
    this.reads = new ReadIndex(this.log, this.tracker, this.out, this.replicator, () => this.term);
    if (restored) {
      this.term = restored.hardState.term;
      this.vote = restored.hardState.vote;
    }
    this.becomeFollower(this.term, '');
  }

  /** Tests substitute a tracker (e.g. one with a planted bug in its majority). */
  protected newTracker(conf: ConfState, maxInflight: number): ProgressTracker {
    return new ProgressTracker(conf, maxInflight);
  }

  // ---- roles ----

  private reset(term: number): void {
    if (term !== this.term) {
      this.term = term;
      this.vote = '';
    }
    this.leader = '';
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.randomizedElectionTimeout = this.electionTick + Math.floor(this.random() * this.electionTick);
    this.leadTransferee = '';
    this.tracker.resetVotes();
    this.pendingConfIndex = 0;
    this.reads.reset();
    this.tracker.resetProgress(this.log.lastIndex(), this.id);
  }

  private becomeFollower(term: number, leader: NodeId | ''): void {
    this.reset(term);
    this.leader = leader;
    this.role = 'follower';
  }

  private becomePreCandidate(): void {
    // Pre-vote changes neither term nor vote: a partitioned node cannot inflate terms.
    this.tracker.resetVotes();
    this.leader = '';
    this.role = 'precandidate';
  }

  private becomeCandidate(): void {
    this.reset(this.term + 1);
    this.vote = this.id;
    this.role = 'candidate';
  }

  private becomeLeader(): void {
    this.reset(this.term);
    this.leader = this.id;
    this.role = 'leader';
    this.tracker.get(this.id)?.becomeReplicate();
    // Conservative: entries in our log may hold an unapplied config change.
    this.pendingConfIndex = this.log.lastIndex();
    this.appendEntries([{ index: 0, term: 0, type: 'normal', data: EMPTY }]);
  }

  private promotable(): boolean { return this.tracker.isVoter(this.id); }

  // ---- ticks ----

  tick(): void {
    if (this.role === 'leader') this.tickHeartbeat();
    else this.tickElection();
  }

  private tickElection(): void {
    this.electionElapsed++;
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.hup(false);
    }
  }

  private tickHeartbeat(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.electionTick) {
      this.electionElapsed = 0;
      if (this.checkQuorum) {
        if (!this.tracker.quorumActive(this.id)) {
          this.becomeFollower(this.term, '');
          return;
        }
        this.tracker.resetRecentActive(this.id);
      }
      this.leadTransferee = ''; // a transfer that did not finish within an election timeout is abandoned
    }
    if (this.heartbeatElapsed >= this.heartbeatTick) {
      this.heartbeatElapsed = 0;
      this.replicator.bcastHeartbeat(this.reads.lastContext());
    }
  }

  // ---- elections ----

  private hup(transfer: boolean): void {
    if (this.role === 'leader' || !this.promotable()) return;
    // An unapplied config change may alter who we need votes from: apply it first (etcd does the same).
    for (let i = this.log.applied + 1; i <= this.log.committed; i++) {
      if (i >= this.log.firstIndex() && this.log.entry(i).type === 'config') return;
    }
    this.campaign(transfer ? 'transfer' : this.preVote ? 'pre' : 'normal');
  }

  private campaign(kind: CampaignKind): void {
    let type: MessageType;
    let term: number;
    if (kind === 'pre') {
      this.becomePreCandidate();
      type = 'preVote';
      term = this.term + 1;
    } else {
      this.becomeCandidate();
      type = 'vote';
      term = this.term;
    }
    if (this.tracker.recordVote(this.id, true) === 'won') {
      if (kind === 'pre') this.campaign('normal');
      else this.becomeLeader();
      return;
    }
    for (const v of this.tracker.conf.voters) {
      if (v === this.id) continue;
      const m = blankMessage(type, this.id, v, term);
      m.index = this.log.lastIndex();
      m.logTerm = this.log.lastTerm();
      m.context = kind === 'transfer' ? TRANSFER_CONTEXT : '';
      this.out.send(m);
    }
  }

  // ---- step ----

  step(m: Message): void {
    if (m.term > this.term) {
      if (m.type === 'vote' || m.type === 'preVote') {
        // Check-quorum lease: while we hear from a leader, ignore disruptive candidates
        // (a leadership transfer is explicitly allowed to disrupt).
        const inLease = this.checkQuorum && this.leader !== '' && this.electionElapsed < this.electionTick;
        if (inLease && m.context !== TRANSFER_CONTEXT) return;
      }
      if (m.type === 'preVote' || (m.type === 'preVoteResp' && !m.reject)) {
        // Pre-vote traffic never changes our term.
      } else {
        const fromLeader = m.type === 'app' || m.type === 'heartbeat' || m.type === 'snap';
        this.becomeFollower(m.term, fromLeader ? m.from : '');
      }
    } else if (m.term < this.term) {
      if ((this.checkQuorum || this.preVote) && (m.type === 'heartbeat' || m.type === 'app')) {
        // Tell a stale leader about the newer term so it steps down.
        this.out.send(this.out.message('appResp', m.from));
      } else if (m.type === 'preVote') {
        const r = this.out.message('preVoteResp', m.from);
        r.reject = true;
        this.out.send(r);
      }
      return;
    }

    if (m.type === 'vote' || m.type === 'preVote') {
      this.handleVoteRequest(m);
      return;
    }
    switch (this.role) {
      case 'leader': this.stepLeader(m); break;
      case 'candidate':
      case 'precandidate': this.stepCandidate(m); break;
      case 'follower': this.stepFollower(m); break;
    }
  }

  private handleVoteRequest(m: Message): void {
    const respType = m.type === 'vote' ? 'voteResp' : 'preVoteResp';
    const canVote = this.vote === m.from || (this.vote === '' && this.leader === '') ||
      (m.type === 'preVote' && m.term > this.term);
    if (canVote && this.log.isUpToDate(m.index, m.logTerm)) {
      this.out.send(blankMessage(respType, this.id, m.from, m.term));
      if (m.type === 'vote') {
        this.electionElapsed = 0;
        this.vote = m.from;
      }
    } else {
      const r = this.out.message(respType, m.from);
      r.reject = true;
      this.out.send(r);
    }
  }

  private stepCandidate(m: Message): void {
    switch (m.type) {
      case 'app':
      case 'heartbeat':
      case 'snap':
        this.becomeFollower(m.term, m.from);
        this.stepFollower(m);
        return;
      case 'voteResp':
      case 'preVoteResp': {
        if ((m.type === 'voteResp') !== (this.role === 'candidate')) return;
        const result = this.tracker.recordVote(m.from, !m.reject);
        if (result === 'won') {
          if (this.role === 'precandidate') this.campaign('normal');
          else {
            this.becomeLeader();
            this.replicator.bcastAppend();
          }
        } else if (result === 'lost') {
          this.becomeFollower(this.term, '');
        }
        return;
      }
      default:
        return; // reads and transfers are dropped without a leader; callers retry
    }
  }

  private stepFollower(m: Message): void {
    switch (m.type) {
      case 'app':
        this.electionElapsed = 0;
        this.leader = m.from;
        this.replicator.handleAppend(m);
        return;
      case 'heartbeat': {
        this.electionElapsed = 0;
        this.leader = m.from;
        this.log.commitTo(m.commit);
        const r = this.out.message('heartbeatResp', m.from);
        r.context = m.context;
        this.out.send(r);
        return;
      }
      case 'snap':
        this.electionElapsed = 0;
        this.leader = m.from;
        this.snapshots.handleChunk(m);
        return;
      case 'readIndexResp':
        this.out.answerRead(m.index, m.context);
        return;
      case 'timeoutNow':
        this.hup(true);
        return;
      case 'transferLeader':
        if (this.leader !== '') this.out.send({ ...m, from: this.id, to: this.leader, term: this.term });
        return;
      default:
        return;
    }
  }

  // ---- leader ----

  private stepLeader(m: Message): void {
    if (m.type === 'readIndex') {
      this.reads.handle(m.from, m.context);
      return;
    }
    if (m.type === 'transferLeader') {
      this.transferLeadership(m.context);
      return;
    }
    const pr = this.tracker.get(m.from);
    if (!pr) return;
    switch (m.type) {
      case 'appResp':
        if (this.replicator.handleAppendResponse(m, pr) && m.from === this.leadTransferee && pr.match === this.log.lastIndex()) {
          this.out.send(this.out.message('timeoutNow', m.from));
        }
        return;
      case 'heartbeatResp':
        this.replicator.handleHeartbeatResponse(m, pr);
        this.reads.onAck(m);
        return;
      case 'snapResp':
        this.snapshots.handleResponse(m, pr);
        return;
      default:
        return;
    }
  }

  /** Whether a quorum-replicated entry of term `entryTerm` may be committed directly (Raft §5.4.2). */
  protected canCommitAt(entryTerm: number | undefined): boolean {
    return entryTerm === this.term;
  }

  private maybeCommit(): boolean {
    const index = this.tracker.committedIndex();
    if (index <= this.log.committed || !this.canCommitAt(this.log.term(index))) return false;
    this.log.commitTo(index);
    this.reads.onCommit();
    return true;
  }

  private appendEntries(ents: Entry[]): void {
    let index = this.log.lastIndex();
    const stamped = ents.map((e) => ({ ...e, index: ++index, term: this.term }));
    this.log.append(stamped);
    this.tracker.get(this.id)?.maybeUpdate(this.log.lastIndex());
    this.maybeCommit();
  }

  // ---- client entry points ----

  propose(data: Uint8Array): void {
    this.proposeBatch([data]);
  }

  /** Appends several normal entries and replicates them together (one append message per follower). */
  proposeBatch(datas: Uint8Array[]): void {
    this.checkCanPropose();
    if (datas.length === 0) return;
    this.appendEntries(datas.map((data): Entry => ({ index: 0, term: 0, type: 'normal', data })));
    this.replicator.bcastAppend();
  }

  /** Leader only: propose a change; refused while another is unapplied or if a learner lags. */
  proposeConfChange(cc: ConfChange): void {
    this.checkCanPropose();
    const data = confChangeEntryData(this.tracker, this.log, this.pendingConfIndex, cc);
    this.appendEntries([{ index: 0, term: 0, type: 'config', data }]);
    this.pendingConfIndex = this.log.lastIndex();
    this.replicator.bcastAppend();
  }

  /** On the leader, hand over once the target is caught up; elsewhere, forward to the leader. */
  transferLeadership(to: NodeId): void {
    if (this.role !== 'leader') {
      if (this.leader !== '') {
        const m = this.out.message('transferLeader', this.leader);
        m.context = to;
        this.out.send(m);
      }
      return;
    }
    const pr = this.tracker.get(to);
    if (to === this.id || !pr || !this.tracker.isVoter(to) || this.leadTransferee === to) return;
    this.leadTransferee = to;
    this.electionElapsed = 0; // the transfer must finish within one election timeout
    if (pr.match === this.log.lastIndex()) this.out.send(this.out.message('timeoutNow', to));
    else this.replicator.sendAppend(to, pr, true);
  }

  /** A committed config entry was applied: switch to its configuration. */
  private applyConfEntry(entry: Entry): void {
    const { conf } = decodeConfChange(entry.data);
    this.tracker.applyConf(conf, this.log.lastIndex(), this.id);
    if (this.role !== 'leader') return;
    if (!conf.voters.includes(this.id)) {
      this.becomeFollower(this.term, ''); // removed: step down; a non-member never campaigns
      return;
    }
    if (this.leadTransferee !== '' && !conf.voters.includes(this.leadTransferee)) this.leadTransferee = '';
    this.maybeCommit(); // the quorum may have changed
    this.replicator.bcastAppend();
  }

  private checkCanPropose(): void {
    if (this.role !== 'leader') throw new ProposalDroppedError('not the leader', this.leader);
    if (this.leadTransferee !== '') throw new ProposalDroppedError(`leadership transfer to ${this.leadTransferee} in progress`, this.leader);
  }

  readIndex(context: string): void {
    if (this.role === 'leader') this.reads.handle(this.id, context);
    else if (this.role === 'follower' && this.leader !== '') {
      const m = this.out.message('readIndex', this.leader);
      m.context = context;
      this.out.send(m);
    }
    // Without a leader the request is dropped; the caller retries or times out.
  }

  // ---- the Ready protocol (driven by RaftNode) ----

  softState(): SoftState { return { leader: this.leader, role: this.role }; }
  hardState(): HardState { return { term: this.term, vote: this.vote, commit: this.log.committed }; }

  /** Something to persist, send, apply or hand out besides soft and hard state. */
  hasWork(): boolean {
    return !this.out.isEmpty || this.snapshots.pending !== null ||
      this.log.stableIndex < this.log.lastIndex() || this.log.hasNextCommitted();
  }

  /** The parts of a Ready the core produces; committed entries are marked as being applied. */
  collect(): Pick<Ready, 'entries' | 'snapshot' | 'committedEntries' | 'messages' | 'readStates'> {
    const committedEntries = this.log.nextCommitted();
    if (committedEntries.length > 0) this.log.applying = committedEntries[committedEntries.length - 1].index;
    const { messages, readStates } = this.out.take();
    return { entries: this.log.unstableEntries(), snapshot: this.snapshots.pending, committedEntries, messages, readStates };
  }

  /** The node persisted and applied `rd`. */
  acknowledge(rd: Ready): void {
    if (rd.snapshot) this.snapshots.persisted(rd.snapshot);
    if (rd.entries.length > 0) {
      const last: Entry = rd.entries[rd.entries.length - 1];
      this.log.stableTo(last.index, last.term);
    }
    for (const e of rd.committedEntries) {
      if (e.type === 'config') this.applyConfEntry(e);
    }
    if (rd.committedEntries.length > 0) this.log.appliedTo(rd.committedEntries[rd.committedEntries.length - 1].index);
  }

  // ---- snapshots of the application (see RaftNode) ----

  setSnapshot(meta: SnapshotMeta, data: Uint8Array | null, retainEntries: number): void { this.snapshots.set(meta, data, retainEntries); }
  snapshotWanted(): SnapshotMeta | null { return this.snapshots.wanted(); }
  provideSnapshotData(index: number, data: Uint8Array): void { this.snapshots.provide(index, data); }
  releaseSnapshotData(): boolean { return this.snapshots.release(); }

  logTerm(index: number): number | undefined { return this.log.term(index); }

  status(): Status {
    const progress: Status['progress'] = {};
    if (this.role === 'leader') {
      for (const [id, pr] of this.tracker.entries()) progress[id] = { match: pr.match, next: pr.next, state: pr.state };
    }
    return {
      id: this.id, role: this.role, leader: this.leader, term: this.term, commit: this.log.committed,
      applied: this.log.applied, lastIndex: this.log.lastIndex(), firstIndex: this.log.firstIndex(),
      conf: copyConf(this.tracker.conf), progress,
    };
  }
}

