// Sanity checks on a Raft message received from the network, before it reaches the Raft core. The
// core trusts its peers (it is not Byzantine-tolerant), so what no correct peer can send is dropped
// here: a message for another node, a `from` that differs from the batch's, numbers that are not
// small non-negative integers (the core adds 1 to terms and indexes; a value near 2^53 would stop
// being exact), a term more than MAX_TERM_JUMP above ours (a real cluster moves one term per
// election; a forged jump to the cap would leave no terms to elect with — an absolute cap alone
// deadlocks the cluster once its own term reaches it), entries that are not consecutive after
// `index`, and a response acknowledging an index beyond our own log (it would let a leader count a
// match it does not have).
import type { Message } from '../raft/types.js';

/** Far above any real term or index, far below where +1 stops being exact. */
export const MAX_RAFT_NUMBER = 2 ** 52;
/** How far above our own term a message's term may be. */
export const MAX_TERM_JUMP = 2 ** 20;
const ID = /^[A-Za-z0-9_-]{1,64}$/;

const NUMBER_FIELDS = ['term', 'logTerm', 'index', 'commit', 'rejectHint', 'rejectTerm', 'snapIndex', 'snapTerm', 'chunkOffset'] as const;

function sane(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0 && n <= MAX_RAFT_NUMBER;
}

/** Why `m` must be dropped, or null when it may be stepped. */
export function raftMessageProblem(m: Message, o: { self: string; batchFrom: string; lastIndex: number; term: number }): string | null {
  if (m.to !== o.self) return `addressed to ${JSON.stringify(m.to)}, not to this node`;
  if (m.from !== o.batchFrom) return `from ${JSON.stringify(m.from)} inside a batch from ${JSON.stringify(o.batchFrom)}`;
  if (!ID.test(m.from) || m.from === o.self) return `bad sender ${JSON.stringify(m.from)}`;
  for (const f of NUMBER_FIELDS) if (!sane(m[f])) return `${f} ${m[f]} out of range`;
  if (m.term > o.term + MAX_TERM_JUMP) return `term ${m.term} is too far above ours (${o.term})`;
  for (let i = 0; i < m.entries.length; i++) {
    const e = m.entries[i]!;
    if (!sane(e.term) || e.index !== m.index + 1 + i) return `entry ${i} has index ${e.index} term ${e.term} after index ${m.index}`;
    if (e.term < (i === 0 ? m.logTerm : m.entries[i - 1]!.term)) return `entry ${e.index} has a term below the entry before it`;
    if (e.term > m.term) return `entry ${e.index} has a term above the message's`;
  }
  if ((m.type === 'appResp' || m.type === 'heartbeatResp') && !m.reject && m.index > o.lastIndex) {
    return `acknowledges index ${m.index}, beyond our last index ${o.lastIndex}`;
  }
  for (const id of [...m.snapVoters, ...m.snapLearners]) if (!ID.test(id)) return `bad member id ${JSON.stringify(id)} in a snapshot`;
  return null;
}
