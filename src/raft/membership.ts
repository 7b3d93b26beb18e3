// Membership changes (one server at a time, learners first) and leadership transfer, on the core.
import type { ConfChange, Entry, NodeId } from './types.js';
import { blankMessage } from './types.js';
import type { Raft } from './raft.js';
import { applyConfChange, copyConf, decodeConfChange, encodeConfChange } from './confchange.js';
import { ConfChangeRejectedError } from './errors.js';
import { bcastAppend, sendAppend } from './replication.js';

/** Leader only: propose a change; refused while another is unapplied or if a learner lags. */
export function proposeConfChange(raft: Raft, cc: ConfChange): void {
  raft.checkCanPropose();
  if (raft.pendingConfIndex > raft.log.applied) {
    throw new ConfChangeRejectedError(`a configuration change at index ${raft.pendingConfIndex} is not applied yet`, 'pending');
  }
  if (cc.type === 'promote') {
    const pr = raft.progress.get(cc.node);
    if (!pr || pr.match < raft.log.committed) {
      throw new ConfChangeRejectedError(`learner ${cc.node} has not caught up (match ${pr?.match ?? 0}, commit ${raft.log.committed})`, 'notCaughtUp');
    }
  }
  const conf = applyConfChange(raft.conf, cc);
  raft.appendEntries([{ index: 0, term: 0, type: 'config', data: encodeConfChange({ change: cc, conf }) }]);
  raft.pendingConfIndex = raft.log.lastIndex();
  bcastAppend(raft);
}

/** On the leader, hand over once the target is caught up; elsewhere, forward to the leader. */
export function transferLeadership(raft: Raft, to: NodeId): void {
  if (raft.role !== 'leader') {
    if (raft.leader !== '') {
      const m = blankMessage('transferLeader', raft.id, raft.leader, raft.term);
      m.context = to;
      raft.send(m);
    }
    return;
  }
  const pr = raft.progress.get(to);
  if (to === raft.id || !pr || !raft.conf.voters.includes(to) || raft.leadTransferee === to) return;
  raft.leadTransferee = to;
  raft.electionElapsed = 0; // the transfer must finish within one election timeout
  if (pr.match === raft.log.lastIndex()) raft.send(blankMessage('timeoutNow', raft.id, to, raft.term));
  else sendAppend(raft, to, pr, true);
}

/** A committed config entry was applied: switch to its configuration. */
export function applyConfEntry(raft: Raft, entry: Entry): void {
  const { conf } = decodeConfChange(entry.data);
  raft.conf = copyConf(conf);
  for (const id of [...raft.progress.keys()]) {
    if (!conf.voters.includes(id) && !conf.learners.includes(id)) raft.progress.delete(id);
  }
  for (const id of [...conf.voters, ...conf.learners]) {
    const pr = raft.progress.get(id);
    if (pr) pr.isLearner = conf.learners.includes(id);
    else raft.addProgress(id);
  }
  if (raft.role !== 'leader') return;
  if (!conf.voters.includes(raft.id)) {
    raft.becomeFollower(raft.term, ''); // removed: step down; a non-member never campaigns
    return;
  }
  if (raft.leadTransferee !== '' && !conf.voters.includes(raft.leadTransferee)) raft.leadTransferee = '';
  raft.maybeCommit(); // the quorum may have changed
  bcastAppend(raft);
}
