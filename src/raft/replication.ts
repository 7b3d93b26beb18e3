// Leader-side log replication: appends (pipelined within each follower's inflight window, capped
// at maxMsgBytes per message), heartbeats, and the handling of their responses.
import type { Message, NodeId } from './types.js';
import { blankMessage } from './types.js';
import type { Progress } from './progress.js';
import type { Raft } from './raft.js';
import { sendSnapshotChunks } from './snapshot-transfer.js';

export function handleAppendResponse(raft: Raft, m: Message, pr: Progress): void {
  pr.recentActive = true;
  if (m.reject) {
    let probe = m.rejectHint;
    if (m.rejectTerm > 0) probe = raft.log.findConflictByTerm(m.rejectHint, m.rejectTerm);
    if (pr.maybeDecrTo(m.index, probe)) {
      if (pr.state === 'replicate') pr.becomeProbe();
      sendAppend(raft, m.from, pr, true);
    }
    return;
  }
  const wasPaused = pr.isPaused();
  if (pr.maybeUpdate(m.index) || (pr.match === m.index && pr.state === 'probe')) {
    if (pr.state === 'probe') pr.becomeReplicate();
    else if (pr.state === 'snapshot' && pr.match + 1 >= raft.log.firstIndex()) {
      pr.becomeProbe();
      pr.becomeReplicate();
    } else if (pr.state === 'replicate') pr.inflights.freeLE(m.index);

    if (raft.maybeCommit()) bcastAppend(raft);
    else if (wasPaused) sendAppend(raft, m.from, pr, true);
    while (pr.state === 'replicate' && sendAppend(raft, m.from, pr, false)) { /* fill the window */ }
    if (m.from === raft.leadTransferee && pr.match === raft.log.lastIndex()) {
      raft.send(blankMessage('timeoutNow', raft.id, m.from, raft.term));
    }
  }
}

export function handleHeartbeatResponse(raft: Raft, m: Message, pr: Progress): void {
  pr.recentActive = true;
  pr.probeSent = false;
  if (pr.state === 'replicate' && pr.inflights.full()) pr.inflights.freeFirstOne();
  if (pr.state === 'snapshot') {
    // Resend whatever was not acknowledged: chunks may have been lost.
    pr.snapSent = pr.snapAcked;
    pr.snapDoneSent = false;
    sendSnapshotChunks(raft, m.from, pr);
  } else if (pr.match < raft.log.lastIndex()) {
    sendAppend(raft, m.from, pr, true);
  }
}

/** Sends one append (or starts a snapshot) to `to`. Returns whether a message went out. */
export function sendAppend(raft: Raft, to: NodeId, pr: Progress, sendIfEmpty: boolean): boolean {
  if (pr.isPaused()) return false;
  const prevIndex = pr.next - 1;
  const prevTerm = raft.log.term(prevIndex);
  if (prevTerm === undefined) {
    // The follower is behind the start of our log.
    if (raft.snapshot === null) return false; // nothing to send until the app hands us one
    pr.becomeSnapshot(raft.snapshot.meta.index);
    sendSnapshotChunks(raft, to, pr);
    return true;
  }
  const last = raft.log.lastIndex();
  const entries = pr.next <= last ? raft.log.slice(pr.next, last + 1, raft.maxMsgBytes) : [];
  if (entries.length === 0 && !sendIfEmpty) return false;
  const m = blankMessage('app', raft.id, to, raft.term);
  m.index = prevIndex;
  m.logTerm = prevTerm;
  m.entries = entries;
  m.commit = raft.log.committed;
  raft.send(m);
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

export function bcastAppend(raft: Raft): void {
  for (const [id, pr] of raft.progress) if (id !== raft.id) sendAppend(raft, id, pr, true);
}

export function bcastHeartbeat(raft: Raft, context: string): void {
  for (const [id, pr] of raft.progress) {
    if (id === raft.id) continue;
    const m = blankMessage('heartbeat', raft.id, id, raft.term);
    // Never tell a follower to commit past what we know it holds.
    m.commit = Math.min(pr.match, raft.log.committed);
    m.context = context;
    raft.send(m);
  }
}
