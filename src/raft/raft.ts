// The Raft core (etcd-style): a pure state machine with one step function per role. No I/O, no
// clock, no randomness of its own. RaftNode (node.ts) wraps it with the Ready/advance protocol;
// fields here are internal to this folder.
import type { ConfChange, ConfState, Entry, Message, MessageType, NodeId, RaftConfig, ReadState, Restored, Role, SnapshotMeta } from './types.js';
import { blankMessage, EMPTY } from './types.js';
import { RaftLog } from './log.js';
import { Progress } from './progress.js';
import { ReadOnlyQueue, type PendingRead } from './readonly.js';
import { copyConf } from './confchange.js';
import { ProposalDroppedError } from './errors.js';
import { handleSnapshotChunk, sendSnapshotChunks, type IncomingSnapshot } from './snapshot-transfer.js';
import { bcastAppend, bcastHeartbeat, handleAppendResponse, handleHeartbeatResponse } from './replication.js';
import { handleReadIndex, onReadAck, releaseAwaitingReads } from './read-index.js';
import { applyConfEntry, proposeConfChange, transferLeadership } from './membership.js';

export const DEFAULT_MAX_MSG_BYTES = 900 * 1024;
export const DEFAULT_MAX_INFLIGHT = 256;
const TRANSFER_CONTEXT = 'transfer';

type CampaignKind = 'pre' | 'normal' | 'transfer';

export class Raft {
  readonly id: NodeId;
  readonly electionTick: number;
  readonly heartbeatTick: number;
  readonly maxMsgBytes: number;
  readonly maxInflight: number;
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
  readonly snapshotChunkBytes: number;
  private readonly random: () => number;

  log: RaftLog;
  term = 0;
  vote: NodeId = '';
  leader: NodeId | '' = '';
  role: Role = 'follower';
  /** The configuration as of the last applied config entry (or snapshot). */
  conf: ConfState;
  progress = new Map<NodeId, Progress>();
  private votes = new Map<NodeId, boolean>();

  electionElapsed = 0;
  private heartbeatElapsed = 0;
  private randomizedElectionTimeout = 0;
  leadTransferee: NodeId | '' = '';
  /** Index of the latest config entry proposed by this leader; no new change until it is applied. */
  pendingConfIndex = 0;
  readOnly = new ReadOnlyQueue();
  /** Reads that arrived before this leader committed an entry of its own term. */
  readsAwaitingCommit: PendingRead[] = [];

  msgs: Message[] = [];
  readStates: ReadState[] = [];
  /**
   * The application's latest snapshot, sent to followers that are behind the log's start. `data`
   * null: the application keeps the bytes (e.g. on disk) and hands them over when asked
   * (`snapshotDataWanted`, RaftNode.snapshotWanted / provideSnapshotData).
   */
  snapshot: { meta: SnapshotMeta; data: Uint8Array | null } | null = null;
  /** A follower needs the snapshot while its bytes are not held. */
  snapshotDataWanted = false;
  /** A complete snapshot received from the leader, not yet handed out in a Ready. */
  pendingSnapshot: { meta: SnapshotMeta; data: Uint8Array } | null = null;
  incoming: IncomingSnapshot | null = null;

  constructor(config: RaftConfig, restored?: Restored) {
    this.id = config.id;
    this.electionTick = config.electionTick ?? 10;
    this.heartbeatTick = config.heartbeatTick ?? 1;
    this.random = config.random;
    this.maxMsgBytes = config.maxMsgBytes ?? DEFAULT_MAX_MSG_BYTES;
    this.maxInflight = config.maxInflight ?? DEFAULT_MAX_INFLIGHT;
    this.preVote = config.preVote ?? true;
    this.checkQuorum = config.checkQuorum ?? true;
    this.snapshotChunkBytes = config.snapshotChunkBytes ?? this.maxMsgBytes;
    const snap = restored?.snapshot ?? null;
    this.conf = snap ? copyConf(snap.conf) : { voters: [...config.voters], learners: [...(config.learners ?? [])] };
    this.log = new RaftLog(snap, restored?.entries ?? [], restored?.hardState.commit ?? 0);
    if (restored) {
      this.term = restored.hardState.term;
      this.vote = restored.hardState.vote;
    }
    this.becomeFollower(this.term, '');
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
    this.votes.clear();
    this.pendingConfIndex = 0;
    this.readOnly.clear();
    this.readsAwaitingCommit = [];
    this.resetProgress();
  }

  private resetProgress(): void {
    this.progress.clear();
    for (const id of [...this.conf.voters, ...this.conf.learners]) this.addProgress(id);
  }

  addProgress(id: NodeId): void {
    const pr = new Progress(this.log.lastIndex() + 1, this.maxInflight, this.conf.learners.includes(id));
    if (id === this.id) pr.match = this.log.lastIndex();
    this.progress.set(id, pr);
  }

  becomeFollower(term: number, leader: NodeId | ''): void {
    this.reset(term);
    this.leader = leader;
    this.role = 'follower';
  }

  private becomePreCandidate(): void {
    // Pre-vote changes neither term nor vote: a partitioned node cannot inflate terms.
    this.votes.clear();
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
    this.progress.get(this.id)?.becomeReplicate();
    // Conservative: entries in our log may hold an unapplied config change.
    this.pendingConfIndex = this.log.lastIndex();
    this.appendEntries([{ index: 0, term: 0, type: 'normal', data: EMPTY }]);
  }

  promotable(): boolean { return this.conf.voters.includes(this.id); }

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
        if (!this.quorumActive()) {
          this.becomeFollower(this.term, '');
          return;
        }
        for (const [id, pr] of this.progress) pr.recentActive = id === this.id;
      }
      this.leadTransferee = ''; // a transfer that did not finish within an election timeout is abandoned
    }
    if (this.heartbeatElapsed >= this.heartbeatTick) {
      this.heartbeatElapsed = 0;
      bcastHeartbeat(this, this.readOnly.lastContext() ?? '');
    }
  }

  private quorumActive(): boolean {
    let active = 0;
    for (const v of this.conf.voters) {
      if (v === this.id || this.progress.get(v)?.recentActive) active++;
    }
    return active >= this.quorum();
  }

  quorum(): number { return Math.floor(this.conf.voters.length / 2) + 1; }

  // ---- elections ----

  hup(transfer: boolean): void {
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
    if (this.poll(this.id, true) === 'won') {
      if (kind === 'pre') this.campaign('normal');
      else this.becomeLeader();
      return;
    }
    for (const v of this.conf.voters) {
      if (v === this.id) continue;
      const m = blankMessage(type, this.id, v, term);
      m.index = this.log.lastIndex();
      m.logTerm = this.log.lastTerm();
      m.context = kind === 'transfer' ? TRANSFER_CONTEXT : '';
      this.send(m);
    }
  }

  private poll(from: NodeId, granted: boolean): 'won' | 'lost' | 'pending' {
    if (this.conf.voters.includes(from) && !this.votes.has(from)) this.votes.set(from, granted);
    let yes = 0;
    let no = 0;
    for (const g of this.votes.values()) g ? yes++ : no++;
    if (yes >= this.quorum()) return 'won';
    if (no > this.conf.voters.length - this.quorum()) return 'lost';
    return 'pending';
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
        this.send(blankMessage('appResp', this.id, m.from, this.term));
      } else if (m.type === 'preVote') {
        const r = blankMessage('preVoteResp', this.id, m.from, this.term);
        r.reject = true;
        this.send(r);
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
      this.send(blankMessage(respType, this.id, m.from, m.term));
      if (m.type === 'vote') {
        this.electionElapsed = 0;
        this.vote = m.from;
      }
    } else {
      const r = blankMessage(respType, this.id, m.from, this.term);
      r.reject = true;
      this.send(r);
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
        const result = this.poll(m.from, !m.reject);
        if (result === 'won') {
          if (this.role === 'precandidate') this.campaign('normal');
          else {
            this.becomeLeader();
            bcastAppend(this);
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
        this.handleAppend(m);
        return;
      case 'heartbeat': {
        this.electionElapsed = 0;
        this.leader = m.from;
        this.log.commitTo(m.commit);
        const r = blankMessage('heartbeatResp', this.id, m.from, this.term);
        r.context = m.context;
        this.send(r);
        return;
      }
      case 'snap':
        this.electionElapsed = 0;
        this.leader = m.from;
        handleSnapshotChunk(this, m);
        return;
      case 'readIndexResp':
        this.readStates.push({ index: m.index, context: m.context });
        return;
      case 'timeoutNow':
        this.hup(true);
        return;
      case 'transferLeader':
        if (this.leader !== '') this.send({ ...m, from: this.id, to: this.leader, term: this.term });
        return;
      default:
        return;
    }
  }

  private handleAppend(m: Message): void {
    const r = blankMessage('appResp', this.id, m.from, this.term);
    if (m.index < this.log.committed) {
      r.index = this.log.committed;
      this.send(r);
      return;
    }
    const appended = this.log.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
    if (appended) {
      if (appended.removedFrom > 0) this.dropAcksFrom(appended.removedFrom);
      r.index = appended.lastNew;
      this.send(r);
      return;
    }
    // Reject with a hint: the last index at or below m.index whose term is <= m.logTerm, so the
    // leader can skip a whole conflicting term in one round trip.
    const hintIndex = this.log.findConflictByTerm(Math.min(m.index, this.log.lastIndex()), m.logTerm);
    r.reject = true;
    r.index = m.index;
    r.rejectHint = hintIndex;
    r.rejectTerm = this.log.term(hintIndex) ?? 0;
    this.send(r);
  }

  // ---- leader ----

  private stepLeader(m: Message): void {
    if (m.type === 'readIndex') {
      handleReadIndex(this, m.from, m.context);
      return;
    }
    if (m.type === 'transferLeader') {
      this.transferLeadership(m.context);
      return;
    }
    const pr = this.progress.get(m.from);
    if (!pr) return;
    switch (m.type) {
      case 'appResp': handleAppendResponse(this, m, pr); return;
      case 'heartbeatResp':
        handleHeartbeatResponse(this, m, pr);
        onReadAck(this, m);
        return;
      case 'snapResp':
        pr.recentActive = true;
        if (pr.state !== 'snapshot' || m.snapIndex !== pr.snapIndex) return;
        if (m.reject) {
          pr.snapSent = pr.snapAcked = m.rejectHint;
          pr.snapDoneSent = false;
        } else {
          pr.snapAcked = Math.max(pr.snapAcked, m.index);
        }
        sendSnapshotChunks(this, m.from, pr);
        return;
      default:
        return;
    }
  }






  /** Whether a quorum-replicated entry at `index` may be committed directly (Raft §5.4.2). */
  protected canCommitAt(index: number): boolean {
    return this.log.term(index) === this.term;
  }

  maybeCommit(): boolean {
    const matches: number[] = [];
    for (const v of this.conf.voters) matches.push(this.progress.get(v)?.match ?? 0);
    matches.sort((a, b) => b - a);
    const index = matches[this.quorum() - 1] ?? 0;
    if (index <= this.log.committed || !this.canCommitAt(index)) return false;
    this.log.commitTo(index);
    releaseAwaitingReads(this);
    return true;
  }

  appendEntries(ents: Entry[]): void {
    let index = this.log.lastIndex();
    const stamped = ents.map((e) => ({ ...e, index: ++index, term: this.term }));
    this.log.append(stamped);
    this.progress.get(this.id)?.maybeUpdate(this.log.lastIndex());
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
    bcastAppend(this);
  }


  proposeConfChange(cc: ConfChange): void { proposeConfChange(this, cc); }
  transferLeadership(to: NodeId): void { transferLeadership(this, to); }
  /** A committed config entry was applied (called from advance). */
  applyConfEntry(entry: Entry): void { applyConfEntry(this, entry); }

  checkCanPropose(): void {
    if (this.role !== 'leader') throw new ProposalDroppedError('not the leader', this.leader);
    if (this.leadTransferee !== '') throw new ProposalDroppedError(`leadership transfer to ${this.leadTransferee} in progress`, this.leader);
  }

  readIndex(context: string): void {
    if (this.role === 'leader') handleReadIndex(this, this.id, context);
    else if (this.role === 'follower' && this.leader !== '') {
      const m = blankMessage('readIndex', this.id, this.leader, this.term);
      m.context = context;
      this.send(m);
    }
    // Without a leader the request is dropped; the caller retries or times out.
  }





  send(m: Message): void { this.msgs.push(m); }

  /**
   * Our log lost its entries from `index` on (replaced by a new leader's, or by a snapshot) before
   * the queued acknowledgements of them went out: those acks would claim entries we will never
   * store, letting their old leader count us toward a commit. Drop them (as if lost).
   */
  dropAcksFrom(index: number): void {
    this.msgs = this.msgs.filter((m) => !(m.type === 'appResp' && !m.reject && m.index >= index));
  }
}
