// ReadIndex bookkeeping on the leader: each request remembers the commit index at arrival and
// collects heartbeat acknowledgements; once a quorum acknowledged a request, it and every earlier
// one are safe to answer (the leader was still the leader when they arrived).
import type { NodeId } from './types.js';

export interface PendingRead {
  context: string;
  /** Who asked: this node or a follower that forwarded the request. */
  from: NodeId;
  index: number;
  acks: Set<NodeId>;
}

export class ReadOnlyQueue {
  private queue: PendingRead[] = [];
  private byContext = new Map<string, PendingRead>();

  add(read: PendingRead): void {
    if (this.byContext.has(read.context)) return; // duplicate request: the first answer serves both
    this.queue.push(read);
    this.byContext.set(read.context, read);
  }

  /** Records an ack for `context`; returns the ack count (0 if unknown). */
  ack(context: string, from: NodeId): number {
    const read = this.byContext.get(context);
    if (!read) return 0;
    read.acks.add(from);
    return read.acks.size;
  }

  acksOf(context: string): Set<NodeId> | undefined { return this.byContext.get(context)?.acks; }

  /** Removes and returns every request up to and including `context`. */
  release(context: string): PendingRead[] {
    const at = this.queue.findIndex((r) => r.context === context);
    if (at < 0) return [];
    const done = this.queue.splice(0, at + 1);
    for (const r of done) this.byContext.delete(r.context);
    return done;
  }

  lastContext(): string | undefined { return this.queue.at(-1)?.context; }
  clear(): void { this.queue = []; this.byContext.clear(); }
}
