// Snapshots in the Raft core: the application's latest one (sent to followers behind the log's
// start), InstallSnapshot in chunks — the leader streams a few chunks ahead of the follower's
// acknowledgements; the follower reassembles them in order and, on the last one, replaces its log
// with the snapshot — and the received snapshot waiting to be handed out in a Ready.
import type { Message, NodeId, SnapshotMeta } from './types.js';
import type { Progress } from './progress.js';
import type { RaftLog } from './log.js';
import type { Outbox } from './outbox.js';
import type { ProgressTracker } from './tracker.js';
import { RaftStateError } from './errors.js';

/** Chunks the leader may send ahead of the follower's acknowledgements. */
const CHUNK_WINDOW = 4;

interface IncomingSnapshot {
  meta: SnapshotMeta;
  chunks: Uint8Array[];
  bytes: number;
}

export class SnapshotTransfer {
  /**
   * The application's latest snapshot. `data` null: the application keeps the bytes (e.g. on disk)
   * and hands them over when asked (wanted / provide).
   */
  private latest: { meta: SnapshotMeta; data: Uint8Array | null } | null = null;
  /** A follower needs the snapshot while its bytes are not held. */
  private dataWanted = false;
  /** A complete snapshot received from the leader, not yet handed out in a Ready. */
  private received: { meta: SnapshotMeta; data: Uint8Array } | null = null;
  private incoming: IncomingSnapshot | null = null;

  constructor(
    private readonly log: RaftLog,
    private readonly tracker: ProgressTracker,
    private readonly out: Outbox,
    private readonly chunkBytes: number,
    /** RaftConfig.checkSnapshot: a reason string refuses a received snapshot. */
    private readonly check: (meta: SnapshotMeta, data: Uint8Array) => string | null = () => null,
  ) {}

  // ---- the application's snapshots ----

  /** See RaftNode.setSnapshot. */
  set(meta: SnapshotMeta, data: Uint8Array | null, retainEntries: number): void {
    if (meta.index > this.log.applied) {
      throw new RaftStateError(`snapshot index ${meta.index} is beyond applied ${this.log.applied}`);
    }
    if (this.latest && this.latest.meta.index >= meta.index) return;
    this.latest = { meta, data };
    this.log.compact(Math.max(0, meta.index - retainEntries));
  }

  wanted(): SnapshotMeta | null {
    return this.latest && this.latest.data === null && this.dataWanted ? this.latest.meta : null;
  }

  provide(index: number, data: Uint8Array): void {
    const snap = this.latest;
    if (snap && snap.meta.index === index && snap.data === null) this.latest = { meta: snap.meta, data };
    this.dataWanted = false;
  }

  release(): boolean {
    const snap = this.latest;
    if (!snap || snap.data === null || this.tracker.anySendingSnapshot()) return false;
    this.latest = { meta: snap.meta, data: null };
    return true;
  }

  /** The received snapshot for the next Ready (null if none). */
  get pending(): { meta: SnapshotMeta; data: Uint8Array } | null { return this.received; }
  /** The node persisted `snap` (advance). */
  persisted(snap: { meta: SnapshotMeta; data: Uint8Array }): void {
    if (this.received === snap) this.received = null;
  }

  // ---- leader ----

  /** Starts sending the latest snapshot to `to` (behind the log's start); false if there is none yet. */
  start(to: NodeId, pr: Progress): boolean {
    if (this.latest === null) return false; // nothing to send until the app hands us one
    pr.becomeSnapshot(this.latest.meta.index);
    this.sendChunks(to, pr);
    return true;
  }

  /** Sends the next chunks to `to`, within the window. */
  sendChunks(to: NodeId, pr: Progress): void {
    const snap = this.latest;
    if (!snap) return;
    if (snap.meta.index !== pr.snapIndex) pr.becomeSnapshot(snap.meta.index); // a newer snapshot replaced it
    if (snap.data === null) {
      // Ask the application for the bytes; the next heartbeat response resumes the transfer.
      this.dataWanted = true;
      return;
    }
    const data = snap.data;
    const total = data.length;
    const chunk = Math.max(1, this.chunkBytes);
    while (!pr.snapDoneSent && pr.snapSent - pr.snapAcked < chunk * CHUNK_WINDOW) {
      const end = Math.min(total, pr.snapSent + chunk);
      const m = this.out.message('snap', to);
      m.snapIndex = snap.meta.index;
      m.snapTerm = snap.meta.term;
      m.snapVoters = [...snap.meta.conf.voters];
      m.snapLearners = [...snap.meta.conf.learners];
      m.chunkOffset = pr.snapSent;
      m.chunkData = data.subarray(pr.snapSent, end);
      m.chunkDone = end === total;
      m.commit = this.log.committed;
      this.out.send(m);
      pr.snapSent = end;
      pr.snapDoneSent = m.chunkDone;
    }
  }

  /** Resends whatever was not acknowledged (chunks may have been lost). */
  resend(to: NodeId, pr: Progress): void {
    pr.snapSent = pr.snapAcked;
    pr.snapDoneSent = false;
    this.sendChunks(to, pr);
  }

  /** A follower acknowledged (or asked to resend from) an offset. */
  handleResponse(m: Message, pr: Progress): void {
    pr.recentActive = true;
    if (pr.state !== 'snapshot' || m.snapIndex !== pr.snapIndex) return;
    if (m.reject) {
      pr.snapSent = pr.snapAcked = m.rejectHint;
      pr.snapDoneSent = false;
    } else {
      pr.snapAcked = Math.max(pr.snapAcked, m.index);
    }
    this.sendChunks(m.from, pr);
  }

  // ---- follower ----

  /** Takes one chunk; on the last one, installs the snapshot. */
  handleChunk(m: Message): void {
    if (m.snapIndex <= this.log.committed) {
      // Already have everything the snapshot covers.
      this.incoming = null;
      const r = this.out.message('appResp', m.from);
      r.index = this.log.committed;
      this.out.send(r);
      return;
    }
    let inc = this.incoming;
    if (!inc || inc.meta.index !== m.snapIndex || inc.meta.term !== m.snapTerm) {
      if (m.chunkOffset !== 0) {
        this.ackChunk(m, 0, true); // we hold nothing of this snapshot: start over
        return;
      }
      inc = { meta: { index: m.snapIndex, term: m.snapTerm, conf: { voters: [...m.snapVoters], learners: [...m.snapLearners] } }, chunks: [], bytes: 0 };
      this.incoming = inc;
    }
    if (m.chunkOffset > inc.bytes) {
      this.ackChunk(m, inc.bytes, true); // a chunk was lost: resend from what we hold
      return;
    }
    if (m.chunkOffset < inc.bytes) {
      this.ackChunk(m, inc.bytes, false); // duplicate
      return;
    }
    inc.chunks.push(m.chunkData);
    inc.bytes += m.chunkData.length;
    if (!m.chunkDone) {
      this.ackChunk(m, inc.bytes, false);
      return;
    }
    this.incoming = null;
    this.install(inc, m.from);
  }

  private ackChunk(m: Message, bytes: number, reject: boolean): void {
    const r = this.out.message('snapResp', m.from);
    r.snapIndex = m.snapIndex;
    r.snapTerm = m.snapTerm;
    r.index = bytes;
    r.reject = reject;
    r.rejectHint = bytes;
    this.out.send(r);
  }

  private install(inc: IncomingSnapshot, leader: NodeId): void {
    const r = this.out.message('appResp', leader);
    if (this.log.matchTerm(inc.meta.index, inc.meta.term)) {
      // Our log already holds the snapshot's last entry: just fast-forward the commit.
      this.log.commitTo(inc.meta.index);
      r.index = this.log.committed;
      this.out.send(r);
      return;
    }
    const data = new Uint8Array(inc.bytes);
    let at = 0;
    for (const c of inc.chunks) {
      data.set(c, at);
      at += c.length;
    }
    if (this.check(inc.meta, data) !== null) {
      // Bytes the application cannot restore from: refuse them; the leader's next chunk starts over.
      this.ackChunk({ ...this.out.message('snap', leader), from: leader, snapIndex: inc.meta.index, snapTerm: inc.meta.term }, 0, true);
      return;
    }
    this.out.dropAcksFrom(this.log.committed + 1);
    this.log.restore(inc.meta);
    this.tracker.restoreConf(inc.meta.conf);
    this.received = { meta: inc.meta, data };
    this.latest = this.received;
    r.index = inc.meta.index;
    this.out.send(r);
  }
}
