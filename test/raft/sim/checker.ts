// Safety checks run while the simulation executes. Each hook is called at the moment the property
// can first be observed; a violation throws SafetyViolation.
import type { Entry, NodeId } from '../../../src/raft/index.js';

export class SafetyViolation extends Error {}

const decoder = new TextDecoder();
export function entryKey(e: Entry): string { return `${e.type}:${decoder.decode(e.data)}`; }

export class Checker {
  /** term → the node that became leader in it. */
  private leaders = new Map<number, NodeId>();
  /** index → term → (term of the previous entry, payload): the identity of every entry ever persisted. */
  private identities = new Map<number, Map<number, { prevTerm: number; key: string }>>();
  /** index → the entry some node applied there (applied implies committed). */
  readonly committed = new Map<number, { term: number; key: string }>();
  /** index → state-machine hash after applying it. */
  private hashes = new Map<number, number>();
  readonly committedKeys = new Set<string>();
  maxCommitted = 0;
  /** Observations, so tests can show the faults really were exercised. */
  readonly seen = { snapshotsInstalled: 0, readsAnswered: 0, configsApplied: 0 };
  get leadersElected(): number { return this.leaders.size; }

  /** At most one leader per term. */
  onLeader(id: NodeId, term: number, logTerm: (i: number) => number | undefined, firstIndex: number, lastIndex: number): void {
    const prev = this.leaders.get(term);
    if (prev !== undefined && prev !== id) throw new SafetyViolation(`two leaders in term ${term}: ${prev} and ${id}`);
    this.leaders.set(term, id);
    // Leader completeness: every entry committed so far is in the new leader's log.
    if (lastIndex < this.maxCommitted) {
      throw new SafetyViolation(`leader ${id} (term ${term}) has last index ${lastIndex} < committed ${this.maxCommitted}`);
    }
    for (let i = Math.max(firstIndex, 1); i <= this.maxCommitted; i++) {
      const c = this.committed.get(i);
      if (c && logTerm(i) !== c.term) {
        throw new SafetyViolation(`leader ${id} (term ${term}) lacks committed entry ${i} (term ${c.term}); has term ${logTerm(i)}`);
      }
    }
  }

  /** Log matching: entries with the same index and term have the same payload and the same predecessor. */
  onPersist(id: NodeId, e: Entry, prevTerm: number): void {
    let byTerm = this.identities.get(e.index);
    if (!byTerm) this.identities.set(e.index, (byTerm = new Map()));
    const key = entryKey(e);
    const known = byTerm.get(e.term);
    if (!known) {
      byTerm.set(e.term, { prevTerm, key });
      return;
    }
    if (known.key !== key || known.prevTerm !== prevTerm) {
      throw new SafetyViolation(`log matching: ${id} has entry ${e.index}/${e.term} = ${key} after term ${prevTerm}; seen ${known.key} after term ${known.prevTerm}`);
    }
  }

  /** State machine safety: no two nodes apply different entries at one index. */
  onApply(id: NodeId, e: Entry, hashAfter: number): void {
    const key = entryKey(e);
    const c = this.committed.get(e.index);
    if (c && (c.term !== e.term || c.key !== key)) {
      throw new SafetyViolation(`state machine safety: ${id} applied ${e.index}/${e.term} ${key}; another node applied ${c.term} ${c.key}`);
    }
    if (!c) {
      this.committed.set(e.index, { term: e.term, key });
      this.committedKeys.add(key);
    }
    if (e.index > this.maxCommitted) this.maxCommitted = e.index;
    this.onHash(id, e.index, hashAfter);
  }

  onHash(id: NodeId, index: number, hash: number): void {
    const h = this.hashes.get(index);
    if (h === undefined) this.hashes.set(index, hash);
    else if (h !== hash) throw new SafetyViolation(`state of ${id} at index ${index} differs from another node's`);
  }
}
