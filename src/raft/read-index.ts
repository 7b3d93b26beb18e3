// ReadIndex on the leader: a read is answered with the commit index at its arrival once a quorum
// has acknowledged a heartbeat sent after it (so we were still the leader), and only after this
// leader has committed an entry of its own term (so that commit index is current).
import type { Message, NodeId } from './types.js';
import { blankMessage } from './types.js';
import type { PendingRead } from './readonly.js';
import type { Raft } from './raft.js';
import { bcastHeartbeat } from './replication.js';

export function handleReadIndex(raft: Raft, from: NodeId, context: string): void {
  const read: PendingRead = { context, from, index: raft.log.committed, acks: new Set([raft.id]) };
  if (raft.conf.voters.length === 1 && raft.conf.voters[0] === raft.id) {
    answerRead(raft, read);
  } else if (raft.log.term(raft.log.committed) !== raft.term) {
    // Our commit index is only known to be current once an entry of our term committed.
    raft.readsAwaitingCommit.push(read);
  } else {
    raft.readOnly.add(read);
    bcastHeartbeat(raft, context);
  }
}

export function answerRead(raft: Raft, read: PendingRead): void {
  if (read.from === raft.id) {
    raft.readStates.push({ index: read.index, context: read.context });
  } else {
    const m = blankMessage('readIndexResp', raft.id, read.from, raft.term);
    m.index = read.index;
    m.context = read.context;
    raft.send(m);
  }
}

/** A heartbeat response carried a read context: count the ack, answer what a quorum confirmed. */
export function onReadAck(raft: Raft, m: Message): void {
  if (m.context === '' || !raft.conf.voters.includes(m.from)) return;
  raft.readOnly.ack(m.context, m.from);
  const acks = raft.readOnly.acksOf(m.context);
  if (!acks) return;
  let voters = 0;
  for (const a of acks) if (raft.conf.voters.includes(a)) voters++;
  if (voters < raft.quorum()) return;
  for (const read of raft.readOnly.release(m.context)) answerRead(raft, read);
}

/** Called when the commit index advances: reads that waited for a commit in our term can proceed. */
export function releaseAwaitingReads(raft: Raft): void {
  if (raft.readsAwaitingCommit.length === 0 || raft.log.term(raft.log.committed) !== raft.term) return;
  const waiting = raft.readsAwaitingCommit;
  raft.readsAwaitingCommit = [];
  for (const r of waiting) handleReadIndex(raft, r.from, r.context);
}
