// InstallSnapshot in chunks. The leader streams its latest snapshot to a follower that is behind
// the log's start, a few chunks ahead of the follower's acknowledgements; the follower reassembles
// the chunks in order and, on the last one, replaces its log with the snapshot.
import type { Message, NodeId, SnapshotMeta } from './types.js';
import { blankMessage } from './types.js';
import type { Progress } from './progress.js';
import type { Raft } from './raft.js';
import { copyConf } from './confchange.js';

/** Chunks the leader may send ahead of the follower's acknowledgements. */
const CHUNK_WINDOW = 4;

export interface IncomingSnapshot {
  meta: SnapshotMeta;
  chunks: Uint8Array[];
  bytes: number;
}

/** Leader: send the next chunks of its snapshot to `to`, within the window. */
export function sendSnapshotChunks(raft: Raft, to: NodeId, pr: Progress): void {
  const snap = raft.snapshot;
  if (!snap) return;
  if (snap.meta.index !== pr.snapIndex) pr.becomeSnapshot(snap.meta.index); // a newer snapshot replaced it
  if (snap.data === null) {
    // Ask the application for the bytes; the next heartbeat response resumes the transfer.
    raft.snapshotDataWanted = true;
    return;
  }
  const data = snap.data;
  const total = data.length;
  const chunk = Math.max(1, raft.snapshotChunkBytes);
  while (!pr.snapDoneSent && pr.snapSent - pr.snapAcked < chunk * CHUNK_WINDOW) {
    const end = Math.min(total, pr.snapSent + chunk);
    const m = blankMessage('snap', raft.id, to, raft.term);
    m.snapIndex = snap.meta.index;
    m.snapTerm = snap.meta.term;
    m.snapVoters = [...snap.meta.conf.voters];
    m.snapLearners = [...snap.meta.conf.learners];
    m.chunkOffset = pr.snapSent;
    m.chunkData = data.subarray(pr.snapSent, end);
    m.chunkDone = end === total;
    m.commit = raft.log.committed;
    raft.send(m);
    pr.snapSent = end;
    pr.snapDoneSent = m.chunkDone;
  }
}

/** Follower: take one chunk; on the last one, install the snapshot. */
export function handleSnapshotChunk(raft: Raft, m: Message): void {
  if (m.snapIndex <= raft.log.committed) {
    // Already have everything the snapshot covers.
    raft.incoming = null;
    const r = blankMessage('appResp', raft.id, m.from, raft.term);
    r.index = raft.log.committed;
    raft.send(r);
    return;
  }
  let inc = raft.incoming;
  if (!inc || inc.meta.index !== m.snapIndex || inc.meta.term !== m.snapTerm) {
    if (m.chunkOffset !== 0) {
      ackChunk(raft, m, 0, true); // we hold nothing of this snapshot: start over
      return;
    }
    inc = { meta: { index: m.snapIndex, term: m.snapTerm, conf: { voters: [...m.snapVoters], learners: [...m.snapLearners] } }, chunks: [], bytes: 0 };
    raft.incoming = inc;
  }
  if (m.chunkOffset > inc.bytes) {
    ackChunk(raft, m, inc.bytes, true); // a chunk was lost: resend from what we hold
    return;
  }
  if (m.chunkOffset < inc.bytes) {
    ackChunk(raft, m, inc.bytes, false); // duplicate
    return;
  }
  inc.chunks.push(m.chunkData);
  inc.bytes += m.chunkData.length;
  if (!m.chunkDone) {
    ackChunk(raft, m, inc.bytes, false);
    return;
  }
  raft.incoming = null;
  installSnapshot(raft, inc, m.from);
}

function ackChunk(raft: Raft, m: Message, bytes: number, reject: boolean): void {
  const r = blankMessage('snapResp', raft.id, m.from, raft.term);
  r.snapIndex = m.snapIndex;
  r.snapTerm = m.snapTerm;
  r.index = bytes;
  r.reject = reject;
  r.rejectHint = bytes;
  raft.send(r);
}

function installSnapshot(raft: Raft, inc: IncomingSnapshot, leader: NodeId): void {
  const r = blankMessage('appResp', raft.id, leader, raft.term);
  if (raft.log.matchTerm(inc.meta.index, inc.meta.term)) {
    // Our log already holds the snapshot's last entry: just fast-forward the commit.
    raft.log.commitTo(inc.meta.index);
    r.index = raft.log.committed;
    raft.send(r);
    return;
  }
  const data = new Uint8Array(inc.bytes);
  let at = 0;
  for (const c of inc.chunks) {
    data.set(c, at);
    at += c.length;
  }
  raft.dropAcksFrom(raft.log.committed + 1);
  raft.log.restore(inc.meta);
  raft.conf = copyConf(inc.meta.conf);
  raft.pendingSnapshot = { meta: inc.meta, data };
  raft.snapshot = raft.pendingSnapshot;
  r.index = inc.meta.index;
  raft.send(r);
}
