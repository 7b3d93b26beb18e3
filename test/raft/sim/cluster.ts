// Simulated nodes: each has stable storage (survives crashes), a volatile RaftNode and a volatile
// state machine (a running hash of applied entries, restored from snapshots).
import { RaftNode, decodeConfChange, type Message, type Entry, type HardState, type NodeId, type RaftConfig, type RaftCoreClass, type Ready, type SnapshotMeta, type Restored } from '../../../src/raft/index.js';
import { ENTRY_OVERHEAD_BYTES } from '../../../src/raft/log.js';
import { Checker, entryKey, SafetyViolation } from './checker.js';
import type { Network } from './network.js';
import type { Rng } from './rng.js';

export class Storage {
  hardState: HardState = { term: 0, vote: '', commit: 0 };
  snapshot: { meta: SnapshotMeta; data: Uint8Array } | null = null;
  entries: Entry[] = [];

  snapIndex(): number { return this.snapshot?.meta.index ?? 0; }
  lastIndex(): number { return this.snapIndex() + this.entries.length; }
  term(index: number): number | undefined {
    if (index === this.snapIndex()) return this.snapshot?.meta.term ?? 0;
    return this.entries[index - this.snapIndex() - 1]?.term;
  }
  restored(): Restored {
    return { hardState: { ...this.hardState }, snapshot: this.snapshot?.meta ?? null, entries: [...this.entries] };
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function mix(hash: number, index: number, key: string): number {
  let h = (hash ^ index) >>> 0;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619) >>> 0;
  return h;
}

export interface PendingRead { minIndex: number }
export type Tear = 'none' | 'nothing' | 'log-only' | 'hard-only';

export class SimNode {
  readonly storage = new Storage();
  raft: RaftNode | null = null;
  applied = 0;
  hash = 0;
  role = 'follower';
  term = 0;
  /** Removed from the cluster and shut down for good. */
  decommissioned = false;

  constructor(
    readonly id: NodeId,
    private readonly config: Omit<RaftConfig, 'random'>,
    private readonly core: RaftCoreClass | undefined,
    /** Shared: nodes whose removal some node has applied. */
    private readonly removed: Set<NodeId>,
    /** Leader sends a Ready's messages before persisting it (when its term and vote are unchanged). */
    private readonly leaderSendsFirst = false,
  ) {}

  start(rng: Rng): void {
    const random = () => rng.next();
    const hasState = this.storage.hardState.term > 0 || this.storage.entries.length > 0 || this.storage.snapshot !== null;
    this.raft = new RaftNode({ ...this.config, random }, hasState ? this.storage.restored() : undefined, this.core);
    this.role = 'follower';
    const snap = this.storage.snapshot;
    this.applied = snap?.meta.index ?? 0;
    this.hash = snap ? Number(decoder.decode(snap.data).split(':')[1]) : 0;
    if (snap) this.raft.setSnapshot(snap.meta, snap.data);
  }

  crash(): void {
    this.raft = null; // everything not in storage is lost
  }

  get live(): boolean { return this.raft !== null; }

  /** Persist, send, apply, advance: the contract a real node follows. */
  /**
   * `tear` simulates a crash in the middle of persisting: only the log part (snapshot + entries)
   * or only the hard state reaches the disk, then the node dies before sending or applying.
   */
  processReady(now: number, net: Network, checker: Checker, reads: Map<string, PendingRead>, tear: Tear = 'none'): void {
    const raft = this.raft!;
    const rd: Ready = raft.ready();
    const st = this.storage;
    // etcd's optimization (Raft thesis §10.2.1), as src/node uses it: a leader whose term and vote
    // are unchanged sends before it writes its own disk.
    const voteChanged = rd.hardState !== null && (rd.hardState.term !== st.hardState.term || rd.hardState.vote !== st.hardState.vote);
    const sendFirst = this.leaderSendsFirst && (rd.softState?.role ?? this.role) === 'leader' && !voteChanged;
    if (sendFirst) this.sendMessages(now, rd, net);
    if (tear === 'nothing') {
      this.crash();
      return;
    }
    if (tear !== 'hard-only') this.persistLog(rd, checker);
    if (rd.hardState && tear !== 'log-only') {
      const prev = st.hardState;
      if (rd.hardState.term < prev.term) throw new SafetyViolation(`${this.id}: term went back from ${prev.term} to ${rd.hardState.term}`);
      if (rd.hardState.term === prev.term && prev.vote !== '' && rd.hardState.vote !== prev.vote) {
        throw new SafetyViolation(`${this.id}: changed its vote in term ${prev.term} from ${prev.vote} to ${rd.hardState.vote}`);
      }
      st.hardState = { ...rd.hardState };
    }
    if (tear !== 'none') {
      this.crash();
      return;
    }
    this.sendApplyAdvance(now, rd, net, checker, reads, sendFirst);
  }

  private persistLog(rd: Ready, checker: Checker): void {
    const st = this.storage;
    if (rd.snapshot) {
      st.snapshot = rd.snapshot;
      st.entries = [];
      this.applied = rd.snapshot.meta.index;
      this.hash = Number(decoder.decode(rd.snapshot.data).split(':')[1]);
      checker.onHash(this.id, this.applied, this.hash);
      checker.seen.snapshotsInstalled++;
    }
    if (rd.entries.length > 0) {
      const first = rd.entries[0].index;
      if (first > st.lastIndex() + 1 || first <= st.snapIndex()) {
        throw new SafetyViolation(`${this.id}: entries at ${first} do not fit storage [${st.snapIndex()}, ${st.lastIndex()}]`);
      }
      st.entries.length = first - st.snapIndex() - 1;
      for (const e of rd.entries) {
        checker.onPersist(this.id, e, st.term(e.index - 1) ?? -1);
        st.entries.push(e);
      }
    }
  }

  private sendApplyAdvance(now: number, rd: Ready, net: Network, checker: Checker, reads: Map<string, PendingRead>, alreadySent: boolean): void {
    const raft = this.raft!;
    const st = this.storage;
    if (rd.softState) {
      this.role = rd.softState.role;
      if (rd.softState.role === 'leader') {
        const s = raft.status();
        checker.onLeader(this.id, s.term, (i) => raft.logTerm(i), s.firstIndex, s.lastIndex);
      }
    }
    this.term = st.hardState.term;
    if (!alreadySent) this.sendMessages(now, rd, net);
    for (const e of rd.committedEntries) this.apply(e, checker);
    for (const rs of rd.readStates) {
      const r = reads.get(rs.context);
      if (!r) continue;
      reads.delete(rs.context);
      checker.seen.readsAnswered++;
      if (rs.index < r.minIndex) {
        throw new SafetyViolation(`${this.id}: ReadIndex ${rs.context} answered ${rs.index}, but ${r.minIndex} was committed before it was asked`);
      }
    }
    raft.advance(rd);
  }

  private sendMessages(now: number, rd: Ready, net: Network): void {
    const st = this.storage;
    for (const m of rd.messages) {
      // Persist-before-send: a granted vote and an append acknowledgement rest on stable state.
      if (m.type === 'voteResp' && !m.reject && (st.hardState.term < m.term || (st.hardState.term === m.term && st.hardState.vote !== m.to))) {
        throw new SafetyViolation(`${this.id}: granted a vote to ${m.to} in term ${m.term} before persisting it`);
      }
      if (m.type === 'appResp' && !m.reject && m.index > st.lastIndex()) {
        throw new SafetyViolation(`${this.id}: acknowledged index ${m.index} but stored only up to ${st.lastIndex()}`);
      }
      this.checkSize(m);
      net.send(now, m);
    }
  }

  /** Flow control: no append above maxMsgBytes (unless a single entry is larger), no oversized chunk. */
  private checkSize(m: Message): void {
    const limit = this.config.maxMsgBytes ?? Infinity;
    if (m.type === 'app' && m.entries.length > 1) {
      const bytes = m.entries.reduce((sum, e) => sum + e.data.length + ENTRY_OVERHEAD_BYTES, 0);
      if (bytes > limit) throw new SafetyViolation(`${this.id}: append of ${bytes} bytes exceeds maxMsgBytes ${limit}`);
    }
    const chunkLimit = this.config.snapshotChunkBytes ?? limit;
    if (m.type === 'snap' && m.chunkData.length > chunkLimit) {
      throw new SafetyViolation(`${this.id}: snapshot chunk of ${m.chunkData.length} bytes exceeds ${chunkLimit}`);
    }
  }

  private apply(e: Entry, checker: Checker): void {
    const st = this.storage;
    // No node applies past what it persisted.
    if (e.index > st.hardState.commit) throw new SafetyViolation(`${this.id}: applied ${e.index} beyond persisted commit ${st.hardState.commit}`);
    if (e.index > st.snapIndex() && st.term(e.index) !== e.term) {
      throw new SafetyViolation(`${this.id}: applied ${e.index}/${e.term}, which is not in its stable storage`);
    }
    if (e.index !== this.applied + 1) throw new SafetyViolation(`${this.id}: applied ${e.index} after ${this.applied}`);
    this.applied = e.index;
    this.hash = mix(this.hash, e.index, entryKey(e));
    checker.onApply(this.id, e, this.hash);
    if (e.type === 'config') {
      checker.seen.configsApplied++;
      const { change } = decodeConfChange(e.data);
      if (change.type === 'remove') this.removed.add(change.node);
    }
  }

  /** The application takes a snapshot at its applied index. */
  takeSnapshot(retain: number): void {
    const raft = this.raft!;
    const st = this.storage;
    if (this.applied <= st.snapIndex()) return;
    const term = st.term(this.applied);
    if (term === undefined) return;
    const meta: SnapshotMeta = { index: this.applied, term, conf: raft.status().conf };
    const data = encoder.encode(`${this.applied}:${this.hash}:${'x'.repeat(this.applied % 97)}`);
    st.entries = st.entries.slice(this.applied - st.snapIndex());
    st.snapshot = { meta, data };
    raft.setSnapshot(meta, data, retain);
  }
}
