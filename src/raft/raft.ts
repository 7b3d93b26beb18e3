// The Raft core (etcd-style): a pure state machine with one step function per role. No I/O, no
// clock, no randomness of its own. RaftNode (node.ts) wraps it with the Ready/advance protocol;
// fields here are internal to this folder.
import type { ConfChange, ConfState, Entry, Message, MessageType, NodeId, RaftConfig, ReadState, Restored, Role, SnapshotMeta } from './types.js';
import { blankMessage, EMPTY } from './types.js';
import { RaftLog } from './log.js';
import { Progress } from './progress.js';
import { ReadOnlyQueue, type PendingRead } from './readonly.js';
import { applyConfChange, copyConf, decodeConfChange, encodeConfChange } from './confchange.js';
import { ConfChangeRejectedError, ProposalDroppedError } from './errors.js';
import { handleSnapshotChunk, sendSnapshotChunks, type IncomingSnapshot } from './snapshot-transfer.js';

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
  private readOnly = new ReadOnlyQueue();
  /** Reads that arrived before this leader committed an entry of its own term. */
  private readsAwaitingCommit: PendingRead[] = [];

  msgs: Message[] = [];
  readStates: ReadState[] = [];
  /** The application's latest snapshot, sent to followers that are behind the log's start. */
  snapshot: { meta: SnapshotMeta; data: Uint8Array } | null = null;
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

  private addProgress(id: NodeId): void {
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
      this.bcastHeartbeat(this.readOnly.lastContext() ?? '');
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
            this.bcastAppend();
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
      this.handleReadIndex(m.from, m.context);
      return;
    }
    if (m.type === 'transferLeader') {
      this.transferLeadership(m.context);
      return;
    }
    const pr = this.progress.get(m.from);
    if (!pr) return;
    switch (m.type) {
      case 'appResp': this.handleAppendResponse(m, pr); return;
      case 'heartbeatResp': this.handleHeartbeatResponse(m, pr); return;
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

  private handleAppendResponse(m: Message, pr: Progress): void {
    pr.recentActive = true;
    if (m.reject) {
      let probe = m.rejectHint;
      if (m.rejectTerm > 0) probe = this.log.findConflictByTerm(m.rejectHint, m.rejectTerm);
      if (pr.maybeDecrTo(m.index, probe)) {
        if (pr.state === 'replicate') pr.becomeProbe();
        this.sendAppend(m.from, pr, true);
      }
      return;
    }
    const wasPaused = pr.isPaused();
    if (pr.maybeUpdate(m.index) || (pr.match === m.index && pr.state === 'probe')) {
      if (pr.state === 'probe') pr.becomeReplicate();
      else if (pr.state === 'snapshot' && pr.match + 1 >= this.log.firstIndex()) {
        pr.becomeProbe();
        pr.becomeReplicate();
      } else if (pr.state === 'replicate') pr.inflights.freeLE(m.index);

      if (this.maybeCommit()) this.bcastAppend();
      else if (wasPaused) this.sendAppend(m.from, pr, true);
      while (pr.state === 'replicate' && this.sendAppend(m.from, pr, false)) { /* fill the window */ }
      if (m.from === this.leadTransferee && pr.match === this.log.lastIndex()) {
        this.send(blankMessage('timeoutNow', this.id, m.from, this.term));
      }
    }
  }

  private handleHeartbeatResponse(m: Message, pr: Progress): void {
    pr.recentActive = true;
    pr.probeSent = false;
    if (pr.state === 'replicate' && pr.inflights.full()) pr.inflights.freeFirstOne();
    if (pr.state === 'snapshot') {
      // Resend whatever was not acknowledged: chunks may have been lost.
      pr.snapSent = pr.snapAcked;
      pr.snapDoneSent = false;
      sendSnapshotChunks(this, m.from, pr);
    } else if (pr.match < this.log.lastIndex()) {
      this.sendAppend(m.from, pr, true);
    }
    if (m.context === '' || !this.conf.voters.includes(m.from)) return;
    this.readOnly.ack(m.context, m.from);
    const acks = this.readOnly.acksOf(m.context);
    if (!acks) return;
    let voters = 0;
    for (const a of acks) if (this.conf.voters.includes(a)) voters++;
    if (voters < this.quorum()) return;
    for (const read of this.readOnly.release(m.context)) this.answerRead(read);
  }

  /** Sends one append (or starts a snapshot) to `to`. Returns whether a message went out. */
  sendAppend(to: NodeId, pr: Progress, sendIfEmpty: boolean): boolean {
    if (pr.isPaused()) return false;
    const prevIndex = pr.next - 1;
    const prevTerm = this.log.term(prevIndex);
    if (prevTerm === undefined) {
      // The follower is behind the start of our log.
      if (this.snapshot === null) return false; // nothing to send until the app hands us one
      pr.becomeSnapshot(this.snapshot.meta.index);
      sendSnapshotChunks(this, to, pr);
      return true;
    }
    const last = this.log.lastIndex();
    const entries = pr.next <= last ? this.log.slice(pr.next, last + 1, this.maxMsgBytes) : [];
    if (entries.length === 0 && !sendIfEmpty) return false;
    const m = blankMessage('app', this.id, to, this.term);
    m.index = prevIndex;
    m.logTerm = prevTerm;
    m.entries = entries;
    m.commit = this.log.committed;
    this.send(m);
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
    for (const [id, pr] of this.progress) if (id !== this.id) this.sendAppend(id, pr, true);
  }

  private bcastHeartbeat(context: string): void {
    for (const [id, pr] of this.progress) {
      if (id === this.id) continue;
      const m = blankMessage('heartbeat', this.id, id, this.term);
      // Never tell a follower to commit past what we know it holds.
      m.commit = Math.min(pr.match, this.log.committed);
      m.context = context;
      this.send(m);
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
    if (this.readsAwaitingCommit.length > 0 && this.log.term(this.log.committed) === this.term) {
      const waiting = this.readsAwaitingCommit;
      this.readsAwaitingCommit = [];
      for (const r of waiting) this.handleReadIndex(r.from, r.context);
    }
    return true;
  }

  private appendEntries(ents: Entry[]): void {
    let index = this.log.lastIndex();
    const stamped = ents.map((e) => ({ ...e, index: ++index, term: this.term }));
    this.log.append(stamped);
    this.progress.get(this.id)?.maybeUpdate(this.log.lastIndex());
    this.maybeCommit();
  }

  // ---- client entry points ----

  propose(data: Uint8Array): void {
    this.checkCanPropose();
    this.appendEntries([{ index: 0, term: 0, type: 'normal', data }]);
    this.bcastAppend();
  }

  proposeConfChange(cc: ConfChange): void {
    this.checkCanPropose();
    if (this.pendingConfIndex > this.log.applied) {
      throw new ConfChangeRejectedError(`a configuration change at index ${this.pendingConfIndex} is not applied yet`);
    }
    if (cc.type === 'promote') {
      const pr = this.progress.get(cc.node);
      if (!pr || pr.match < this.log.committed) {
        throw new ConfChangeRejectedError(`learner ${cc.node} has not caught up (match ${pr?.match ?? 0}, commit ${this.log.committed})`);
      }
    }
    const conf = applyConfChange(this.conf, cc);
    this.appendEntries([{ index: 0, term: 0, type: 'config', data: encodeConfChange({ change: cc, conf }) }]);
    this.pendingConfIndex = this.log.lastIndex();
    this.bcastAppend();
  }

  private checkCanPropose(): void {
    if (this.role !== 'leader') throw new ProposalDroppedError('not the leader', this.leader);
    if (this.leadTransferee !== '') throw new ProposalDroppedError(`leadership transfer to ${this.leadTransferee} in progress`, this.leader);
  }

  readIndex(context: string): void {
    if (this.role === 'leader') this.handleReadIndex(this.id, context);
    else if (this.role === 'follower' && this.leader !== '') {
      const m = blankMessage('readIndex', this.id, this.leader, this.term);
      m.context = context;
      this.send(m);
    }
    // Without a leader the request is dropped; the caller retries or times out.
  }

  private handleReadIndex(from: NodeId, context: string): void {
    const read: PendingRead = { context, from, index: this.log.committed, acks: new Set([this.id]) };
    if (this.conf.voters.length === 1 && this.conf.voters[0] === this.id) {
      this.answerRead(read);
    } else if (this.log.term(this.log.committed) !== this.term) {
      // Our commit index is only known to be current once an entry of our term committed.
      this.readsAwaitingCommit.push(read);
    } else {
      this.readOnly.add(read);
      this.bcastHeartbeat(context);
    }
  }

  private answerRead(read: PendingRead): void {
    if (read.from === this.id) {
      this.readStates.push({ index: read.index, context: read.context });
    } else {
      const m = blankMessage('readIndexResp', this.id, read.from, this.term);
      m.index = read.index;
      m.context = read.context;
      this.send(m);
    }
  }

  transferLeadership(to: NodeId): void {
    if (this.role !== 'leader') {
      if (this.leader !== '') {
        const m = blankMessage('transferLeader', this.id, this.leader, this.term);
        m.context = to;
        this.send(m);
      }
      return;
    }
    const pr = this.progress.get(to);
    if (to === this.id || !pr || !this.conf.voters.includes(to) || this.leadTransferee === to) return;
    this.leadTransferee = to;
    this.electionElapsed = 0; // the transfer must finish within one election timeout
    if (pr.match === this.log.lastIndex()) this.send(blankMessage('timeoutNow', this.id, to, this.term));
    else this.sendAppend(to, pr, true);
  }

  /** A committed config entry was applied: switch to its configuration. */
  applyConfEntry(entry: Entry): void {
    const { conf } = decodeConfChange(entry.data);
    this.conf = copyConf(conf);
    for (const id of [...this.progress.keys()]) {
      if (!conf.voters.includes(id) && !conf.learners.includes(id)) this.progress.delete(id);
    }
    for (const id of [...conf.voters, ...conf.learners]) {
      const pr = this.progress.get(id);
      if (pr) pr.isLearner = conf.learners.includes(id);
      else this.addProgress(id);
    }
    if (this.role !== 'leader') return;
    if (!conf.voters.includes(this.id)) {
      this.becomeFollower(this.term, ''); // removed: step down; a non-member never campaigns
      return;
    }
    if (this.leadTransferee !== '' && !conf.voters.includes(this.leadTransferee)) this.leadTransferee = '';
    this.maybeCommit(); // the quorum may have changed
    this.bcastAppend();
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
