// /livez and /readyz of one node.
//   live:  the process answers and the node has not failed (a failed disk write stops it serving).
//   ready: it knows a leader, and it has applied what it was told is committed.
// Under a steady write load the commit index a follower was just told is applied a moment later, so
// "applied >= commit" at one instant would flap. Ready therefore means: applied reaches the commit
// index now, or at least the one seen at the previous check (the node keeps up). A node far behind
// (catching up after a restart) stays unready until a check finds it past the previous target.
import type { KeelNode } from './node.js';

export interface Verdict {
  ok: boolean;
  reason: string;
}

export class Readiness {
  /** The commit index seen at the last check where the node had not applied everything. */
  private target: number | null = null;

  constructor(private readonly node: KeelNode) {}

  live(): Verdict {
    const failure = this.node.failure;
    return failure ? { ok: false, reason: `the node failed: ${failure.message}` } : { ok: true, reason: 'ok' };
  }

  check(): { ready: boolean; reason: string } {
    const live = this.live();
    if (!live.ok) return { ready: false, reason: live.reason };
    const st = this.node.status();
    if (st.leader === '') return { ready: false, reason: `no leader known (role ${st.role}, term ${st.term})` };
    const applied = st.appliedIndex;
    const previous = this.target;
    if (applied >= st.commitIndex || (previous !== null && applied >= previous)) {
      this.target = applied >= st.commitIndex ? null : st.commitIndex;
      return { ready: true, reason: `leader ${st.leader}, term ${st.term}, applied ${applied} of ${st.commitIndex} committed` };
    }
    if (previous === null) this.target = st.commitIndex;
    return { ready: false, reason: `applied ${applied} of ${st.commitIndex} committed (catching up)` };
  }
}
