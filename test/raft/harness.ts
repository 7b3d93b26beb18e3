// A tiny synchronous cluster for unit tests: nodes are ticked individually, Readies are processed
// (storage is just what the Ready says) and messages are delivered until the cluster is quiet.
import { RaftNode, type Entry, type HardState, type Message, type RaftConfig, type Ready, type ReadState } from '../../src/raft/index.js';

export interface TestNode {
  raft: RaftNode;
  hard: HardState;
  entries: Entry[];
  applied: Entry[];
  readStates: ReadState[];
  readies: Ready[];
}

export class Cluster {
  readonly nodes = new Map<string, TestNode>();
  /** Return true to drop a message. */
  drop: (m: Message) => boolean = () => false;
  /** Every message delivered (or dropped), for inspection. */
  readonly log: Message[] = [];

  constructor(voters: string[], extra: Partial<RaftConfig> = {}, learners: string[] = []) {
    for (const id of [...voters, ...learners]) this.add(id, voters, learners, extra);
  }

  add(id: string, voters: string[], learners: string[], extra: Partial<RaftConfig> = {}): TestNode {
    // Fixed, staggered "randomness": the first node times out first, the others later, so
    // elections are deterministic and never split for ever.
    const jitter = (this.nodes.size * 0.29) % 1;
    const raft = new RaftNode({ id, voters, learners, random: () => jitter, ...extra });
    const node: TestNode = { raft, hard: { term: 0, vote: '', commit: 0 }, entries: [], applied: [], readStates: [], readies: [] };
    this.nodes.set(id, node);
    return node;
  }

  get(id: string): RaftNode { return this.nodes.get(id)!.raft; }
  node(id: string): TestNode { return this.nodes.get(id)!; }

  /** Process one Ready per node; returns the messages produced. */
  processReadies(): Message[] {
    const out: Message[] = [];
    for (const n of this.nodes.values()) {
      if (!n.raft.hasReady()) continue;
      const rd = n.raft.ready();
      n.readies.push(rd);
      if (rd.hardState) n.hard = rd.hardState;
      if (rd.snapshot) n.entries = [];
      if (rd.entries.length > 0) {
        const first = rd.entries[0].index;
        n.entries = n.entries.filter((e) => e.index < first).concat(rd.entries);
      }
      n.applied.push(...rd.committedEntries);
      n.readStates.push(...rd.readStates);
      out.push(...rd.messages);
      n.raft.advance(rd);
    }
    return out;
  }

  deliver(msgs: Message[]): void {
    for (const m of msgs) {
      this.log.push(m);
      if (this.drop(m)) continue;
      this.nodes.get(m.to)?.raft.step(m);
    }
  }

  /** Run until no node has anything to do. */
  stabilize(maxRounds = 1000): void {
    for (let i = 0; i < maxRounds; i++) {
      const msgs = this.processReadies();
      if (msgs.length === 0 && ![...this.nodes.values()].some((n) => n.raft.hasReady())) return;
      this.deliver(msgs);
    }
    throw new Error('cluster did not stabilize');
  }

  tick(id: string, times = 1): void {
    for (let i = 0; i < times; i++) this.get(id).tick();
  }

  /** Tick everyone once and stabilize. */
  tickAll(times = 1): void {
    for (let i = 0; i < times; i++) {
      for (const n of this.nodes.values()) n.raft.tick();
      this.stabilize();
    }
  }

  /** Make `id` time out and run the election to completion. */
  elect(id: string): void {
    const r = this.get(id);
    for (let i = 0; i < 100 && r.status().role === 'follower'; i++) r.tick();
    this.stabilize();
  }

  leaders(): string[] {
    return [...this.nodes.entries()].filter(([, n]) => n.raft.status().role === 'leader').map(([id]) => id);
  }
}

export const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
export const text = (b: Uint8Array): string => new TextDecoder().decode(b);
