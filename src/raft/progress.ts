// The leader's view of one follower (etcd's Progress): probe while searching for the match point,
// replicate (pipelined, bounded by Inflights) once found, snapshot while sending InstallSnapshot.
import type { ProgressState } from './types.js';
import { Inflights } from './inflights.js';

export class Progress {
  match = 0;
  next: number;
  state: ProgressState = 'probe';
  /** Probe state: an append was sent and we wait for its answer (or a heartbeat response). */
  probeSent = false;
  /** Heard from since the last check-quorum round. */
  recentActive = false;
  isLearner: boolean;
  readonly inflights: Inflights;
  /** Snapshot state: the index of the snapshot being sent, bytes sent and bytes acknowledged. */
  snapIndex = 0;
  snapSent = 0;
  snapAcked = 0;
  /** The chunk marked done has been sent (since the last resend). */
  snapDoneSent = false;

  constructor(next: number, maxInflight: number, isLearner: boolean) {
    this.next = next;
    this.inflights = new Inflights(maxInflight);
    this.isLearner = isLearner;
  }

  private reset(state: ProgressState): void {
    this.state = state;
    this.probeSent = false;
    this.snapIndex = 0;
    this.snapSent = 0;
    this.snapAcked = 0;
    this.snapDoneSent = false;
    this.inflights.reset();
  }

  becomeProbe(): void {
    const fromSnapshot = this.state === 'snapshot' ? this.snapIndex : 0;
    this.reset('probe');
    this.next = Math.max(this.match + 1, fromSnapshot + 1);
  }
  becomeReplicate(): void {
    this.reset('replicate');
    this.next = this.match + 1;
  }
  becomeSnapshot(snapIndex: number): void {
    this.reset('snapshot');
    this.snapIndex = snapIndex;
  }

  /** An append up to `index` was acknowledged. Returns false if that was old news. */
  maybeUpdate(index: number): boolean {
    let updated = false;
    if (this.match < index) {
      this.match = index;
      updated = true;
      this.probeSent = false;
    }
    this.next = Math.max(this.next, index + 1);
    return updated;
  }

  /**
   * A follower rejected an append at `rejected`; `probeHint` is where to try next. Returns false
   * if the rejection is stale (answers a message we no longer care about).
   */
  maybeDecrTo(rejected: number, probeHint: number): boolean {
    if (this.state === 'replicate') {
      if (rejected <= this.match) return false;
      this.next = this.match + 1; // pipeline broke: fall back to probing right after the match
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, probeHint + 1), this.match + 1, 1);
    this.probeSent = false;
    return true;
  }

  /** Whether sending another append to this follower must wait. */
  isPaused(): boolean {
    switch (this.state) {
      case 'probe': return this.probeSent;
      case 'replicate': return this.inflights.full();
      case 'snapshot': return true;
    }
  }
}
