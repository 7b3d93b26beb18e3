// Simulated nodes: each runs the node's own ready loop (src/node/ready-loop.ts) over a simulated
// disk whose writes complete steps later (so messages step into Raft while an fsync is pending),
// the simulated network, and a state machine that is a running hash of applied entries. The
// storage, transport and state machine given to the loop check the safety rules as they are used.
import { RaftNode, decodeConfChange, type Message, type Entry, type NodeId, type RaftConfig, type RaftCoreClass, type SnapshotMeta } from '../../../src/raft/index.js';
import { ENTRY_OVERHEAD_BYTES } from '../../../src/raft/log.js';
import { ReadyLoop, type ReadyLoopParts } from '../../../src/node/ready-loop.js';
import { Checker, entryKey, SafetyViolation } from './checker.js';
import { SimDisk } from './disk.js';
import type { Network } from './network.js';
import type { Rng } from './rng.js';

export type SimSnapshot = { meta: SnapshotMeta; data: Uint8Array };
/** The ready loop a node runs: ReadyLoop itself, or a subclass with a planted bug. */
export type ReadyLoopClass = new (parts: ReadyLoopParts<SimSnapshot>) => ReadyLoop<SimSnapshot>;

export interface PendingRead { minIndex: number }

/** What every node of one simulation shares. */
export interface World {
  now: number;
  net: Network;
  checker: Checker;
  reads: Map<string, PendingRead>;
  /** Nodes whose removal some node has applied. */
  removed: Set<NodeId>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function mix(hash: number, index: number, key: string): number {
  let h = (hash ^ index) >>> 0;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619) >>> 0;
  return h;
}

export class SimNode {
  readonly disk: SimDisk;
  raft: RaftNode | null = null;
  private loop: ReadyLoop<SimSnapshot> | null = null;
  /** A run of the loop is in progress (it may be waiting for the disk). */
  running = false;
  /** Bumped on every start: a loop of an earlier life never reports back. */
  private life = 0;
  private failure: unknown = null;
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
    private readonly world: World,
    private readonly loopClass: ReadyLoopClass,
    rng: Rng,
    diskDelay: number,
  ) {
    this.disk = new SimDisk(rng, diskDelay);
  }

  get storage() { return this.disk.storage; }

  start(rng: Rng): void {
    const random = () => rng.next();
    const st = this.storage;
    this.life++;
    this.raft = new RaftNode({ ...this.config, random }, st.isEmpty() ? undefined : st.restored(), this.core);
    this.loop = new this.loopClass(this.loopParts(this.raft));
    this.running = false;
    this.role = 'follower';
    this.term = st.hardState.term;
    const snap = st.snapshot;
    this.applied = snap?.meta.index ?? 0;
    this.hash = snap ? Number(decoder.decode(snap.data).split(':')[1]) : 0;
    if (snap) this.raft.setSnapshot(snap.meta, snap.data);
  }

  /** Everything not on the disk is lost; pending writes may or may not have reached it. Returns how many were lost. */
  crash(): number {
    this.raft = null;
    this.loop = null;
    this.running = false;
    return this.disk.crash();
  }

  get live(): boolean { return this.raft !== null; }

  /** Starts a run of the ready loop (as the node's kick does) unless one is in progress or nothing is ready. */
  startReady(): void {
    if (this.running || !this.raft!.hasReady()) return;
    const life = this.life;
    this.running = true;
    this.loop!.run().then(
      () => { if (life === this.life) this.running = false; },
      (err) => { if (life === this.life) { this.running = false; this.failure = err; } },
    );
  }

  /** Nothing left to run until the disk completes a write (or the loop is idle). */
  get settled(): boolean { return !this.live || !this.running || this.disk.busy; }

  throwIfFailed(): void {
    if (this.failure !== null) throw this.failure;
  }

  private loopParts(raft: RaftNode): ReadyLoopParts<SimSnapshot> {
    const st = this.storage;
    const checker = this.world.checker;
    return {
      raft,
      storage: {
        persistedHardState: () => st.hardState,
        installSnapshot: (snap) => this.disk.write(this.world.now, () => {
          st.snapshot = snap;
          st.entries = [];
        }).then(() => snap),
        append: (entries) => this.disk.write(this.world.now, () => {
          const first = entries[0]!.index;
          if (first > st.lastIndex() + 1 || first <= st.snapIndex()) {
            throw new SafetyViolation(`${this.id}: entries at ${first} do not fit storage [${st.snapIndex()}, ${st.lastIndex()}]`);
          }
          st.entries.length = first - st.snapIndex() - 1;
          for (const e of entries) {
            checker.onPersist(this.id, e, st.term(e.index - 1) ?? -1);
            st.entries.push(e);
          }
        }),
        saveHardState: (hs) => this.disk.write(this.world.now, () => {
          const prev = st.hardState;
          if (hs.term < prev.term) throw new SafetyViolation(`${this.id}: term went back from ${prev.term} to ${hs.term}`);
          if (hs.term === prev.term && prev.vote !== '' && hs.vote !== prev.vote) {
            throw new SafetyViolation(`${this.id}: changed its vote in term ${prev.term} from ${prev.vote} to ${hs.vote}`);
          }
          st.hardState = { ...hs };
          this.term = hs.term;
        }),
      },
      transport: { send: (messages) => { for (const m of messages) this.send(m); } },
      stateMachine: {
        onSoftState: (soft) => {
          this.role = soft.role;
          if (soft.role === 'leader') {
            const s = raft.status();
            checker.onLeader(this.id, s.term, (i) => raft.logTerm(i), s.firstIndex, s.lastIndex);
          }
        },
        restore: (snap) => {
          this.applied = snap.meta.index;
          this.hash = Number(decoder.decode(snap.data).split(':')[1]);
          checker.onHash(this.id, this.applied, this.hash);
          checker.seen.snapshotsInstalled++;
        },
        apply: (entries) => { for (const e of entries) this.apply(e); },
        onReadStates: (states) => {
          for (const rs of states) {
            const r = this.world.reads.get(rs.context);
            if (!r) continue;
            this.world.reads.delete(rs.context);
            checker.seen.readsAnswered++;
            if (rs.index < r.minIndex) {
              throw new SafetyViolation(`${this.id}: ReadIndex ${rs.context} answered ${rs.index}, but ${r.minIndex} was committed before it was asked`);
            }
          }
        },
        afterReady: () => {},
      },
    };
  }

  private send(m: Message): void {
    const st = this.storage;
    // Persist-before-send: a granted vote and an append acknowledgement rest on durable state.
    if (m.type === 'voteResp' && !m.reject && (st.hardState.term < m.term || (st.hardState.term === m.term && st.hardState.vote !== m.to))) {
      throw new SafetyViolation(`${this.id}: granted a vote to ${m.to} in term ${m.term} before persisting it`);
    }
    if (m.type === 'appResp' && !m.reject && m.index > st.lastIndex()) {
      throw new SafetyViolation(`${this.id}: acknowledged index ${m.index} but stored only up to ${st.lastIndex()}`);
    }
    this.checkSize(m);
    this.world.net.send(this.world.now, m);
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

  /**
   * No node applies an entry that is not durable in its own log. (The commit index covering it may
   * still be in flight: the loop applies entries of earlier Readies before this Ready's hard state
   * is saved; the entries are committed and durable, and a restart recovers the commit index.)
   */
  private apply(e: Entry): void {
    const st = this.storage;
    if (e.index > st.snapIndex() && st.term(e.index) !== e.term) {
      throw new SafetyViolation(`${this.id}: applied ${e.index}/${e.term}, which is not in its stable storage`);
    }
    if (e.index !== this.applied + 1) throw new SafetyViolation(`${this.id}: applied ${e.index} after ${this.applied}`);
    this.applied = e.index;
    this.hash = mix(this.hash, e.index, entryKey(e));
    this.world.checker.onApply(this.id, e, this.hash);
    if (e.type === 'config') {
      this.world.checker.seen.configsApplied++;
      const { change } = decodeConfChange(e.data);
      if (change.type === 'remove') this.world.removed.add(change.node);
    }
  }

  /** The application takes a snapshot at its applied index (between Readies, as the node's snapshotter does). */
  takeSnapshot(retain: number): boolean {
    const raft = this.raft!;
    const st = this.storage;
    if (this.running || this.disk.busy || this.applied <= st.snapIndex()) return false;
    const term = st.term(this.applied);
    if (term === undefined) return false;
    const meta: SnapshotMeta = { index: this.applied, term, conf: raft.status().conf };
    const data = encoder.encode(`${this.applied}:${this.hash}:${'x'.repeat(this.applied % 97)}`);
    st.entries = st.entries.slice(this.applied - st.snapIndex());
    st.snapshot = { meta, data };
    raft.setSnapshot(meta, data, retain);
    return true;
  }
}
