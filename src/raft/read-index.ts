// ReadIndex on the leader: a read is answered with the commit index at its arrival once a quorum
// has acknowledged a heartbeat sent after it (so we were still the leader), and only after this
// leader has committed an entry of its own term (so that commit index is current).
import type { Message, NodeId } from './types.js';
import type { RaftLog } from './log.js';
import type { Outbox } from './outbox.js';
import type { ProgressTracker } from './tracker.js';
import type { Replicator } from './replication.js';
import { ReadOnlyQueue, type PendingRead } from './readonly.js';

export class ReadIndex {
  private readonly queue = new ReadOnlyQueue();
  /** Reads that arrived before this leader committed an entry of its own term. */
  private awaitingCommit: PendingRead[] = [];

  constructor(
    private readonly log: RaftLog,
    private readonly tracker: ProgressTracker,
    private readonly out: Outbox,
    private readonly replicator: Replicator,
    private readonly currentTerm: () => number,
  ) {}

  /** A read from this node or a follower, on the leader. */
  handle(from: NodeId, context: string): void {
    const read: PendingRead = { context, from, index: this.log.committed, acks: new Set([this.out.id]) };
    if (this.tracker.isSoleVoter(this.out.id)) {
      this.answer(read);
    } else if (this.log.term(this.log.committed) !== this.currentTerm()) {
      // Our commit index is only known to be current once an entry of our term committed.
      this.awaitingCommit.push(read);
    } else {
      this.queue.add(read);
      this.replicator.bcastHeartbeat(context);
    }
  }

  private answer(read: PendingRead): void {
    if (read.from === this.out.id) {
      this.out.answerRead(read.index, read.context);
    } else {
      const m = this.out.message('readIndexResp', read.from);
      m.index = read.index;
      m.context = read.context;
      this.out.send(m);
    }
  }

  /** A heartbeat response carried a read context: count the ack, answer what a quorum confirmed. */
  onAck(m: Message): void {
    if (m.context === '' || !this.tracker.isVoter(m.from)) return;
    this.queue.ack(m.context, m.from);
    const acks = this.queue.acksOf(m.context);
    if (!acks || !this.tracker.hasReadQuorum(acks)) return;
    for (const read of this.queue.release(m.context)) this.answer(read);
  }

  /** The commit index advanced: reads that waited for a commit in our term can proceed. */
  onCommit(): void {
    if (this.awaitingCommit.length === 0 || this.log.term(this.log.committed) !== this.currentTerm()) return;
    const waiting = this.awaitingCommit;
    this.awaitingCommit = [];
    for (const r of waiting) this.handle(r.from, r.context);
  }

  /** The context of the newest read waiting for acks: every heartbeat carries it. */
  lastContext(): string { return this.queue.lastContext() ?? ''; }

  /** A new term or role: pending reads are dropped (callers retry). */
  reset(): void {
    this.queue.clear();
    this.awaitingCommit = [];
  }
}
