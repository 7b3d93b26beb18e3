// Membership changes, one server at a time and learners first: what the leader may propose. The
// configuration takes effect when the entry applies (ProgressTracker.applyConf, from the core).
import type { ConfChange } from './types.js';
import type { RaftLog } from './log.js';
import type { ProgressTracker } from './tracker.js';
import { applyConfChange, encodeConfChange } from './confchange.js';
import { ConfChangeRejectedError } from './errors.js';

/**
 * The data of the config entry for `cc` (the change and the resulting configuration). Refused while
 * an earlier change (at `pendingConfIndex`) is unapplied, or when promoting a learner that lags.
 */
export function confChangeEntryData(tracker: ProgressTracker, log: RaftLog, pendingConfIndex: number, cc: ConfChange): Uint8Array {
  if (pendingConfIndex > log.applied) {
    throw new ConfChangeRejectedError(`a configuration change at index ${pendingConfIndex} is not applied yet`, 'pending');
  }
  if (cc.type === 'promote') {
    const pr = tracker.get(cc.node);
    if (!pr || pr.match < log.committed) {
      throw new ConfChangeRejectedError(`learner ${cc.node} has not caught up (match ${pr?.match ?? 0}, commit ${log.committed})`, 'notCaughtUp');
    }
  }
  return encodeConfChange({ change: cc, conf: applyConfChange(tracker.conf, cc) });
}
