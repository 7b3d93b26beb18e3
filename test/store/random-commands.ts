// A seeded generator of mixed commands (puts, deletes, txns, leases, compactions, retried and fresh
// client requests) over a small key set, so keys collide often.
import type { Command, CommandOp, TxnOp } from '../../src/codec/types.js';
import { FROM_KEY, cmp, del, prefixEnd, prng, put, rng, txn } from './helpers.js';

const KEYS = ['a', 'a/1', 'a/2', 'a/3', 'b', 'b/1', 'b/2', 'c', 'd/x', 'd/y'];
const PREFIXES = ['a', 'a/', 'b/', 'd/'];

export class RandomCommands {
  private readonly rand;
  private nextLease = 1;
  private readonly seqs = new Map<string, number>();

  constructor(seed: number) {
    this.rand = prng(seed);
  }

  private key(): string {
    return this.rand.pick(KEYS);
  }

  private lease(): number {
    return this.rand.next() < 0.7 ? 0 : 1 + this.rand.int(this.nextLease + 1); // sometimes unknown
  }

  private rangeEnd(key: string): string {
    const r = this.rand.next();
    if (r < 0.5) return '';
    if (r < 0.7) return FROM_KEY;
    if (r < 0.9) return prefixEnd(key);
    return this.key();
  }

  private txnOp(used: Set<string>): TxnOp {
    const r = this.rand.next();
    if (r < 0.45) {
      let key = this.key();
      while (used.has(key) && used.size < KEYS.length) key = this.key();
      used.add(key);
      return put(key, `t${this.rand.int(100)}`, this.lease(), this.rand.next() < 0.5);
    }
    if (r < 0.6) {
      const key = this.rand.pick(PREFIXES);
      return del(key, prefixEnd(key), this.rand.next() < 0.5);
    }
    const key = this.key();
    return rng(key, this.rangeEnd(key), { limit: this.rand.int(3), keysOnly: this.rand.next() < 0.2, countOnly: this.rand.next() < 0.1 });
  }

  op(revision: number): CommandOp {
    const r = this.rand.next();
    if (r < 0.35) return put(this.key(), `v${this.rand.int(1000)}`, this.lease(), this.rand.next() < 0.3);
    if (r < 0.45) {
      const key = this.key();
      return del(key, this.rangeEnd(key), this.rand.next() < 0.5);
    }
    if (r < 0.7) {
      const targets = ['value', 'version', 'createRevision', 'modRevision', 'lease'] as const;
      const results = ['equal', 'notEqual', 'greater', 'less'] as const;
      const compares = Array.from({ length: this.rand.int(3) }, () => {
        const target = this.rand.pick(targets);
        const key = this.key();
        const operand = target === 'value' ? `v${this.rand.int(1000)}` : this.rand.int(revision + 2);
        return cmp(key, target, this.rand.pick(results), operand, this.rand.next() < 0.2 ? prefixEnd(key) : '');
      });
      const branch = () => {
        const used = new Set<string>();
        // Puts avoid reusing a key, but may still land in a deleted range (refused as etcd does).
        return Array.from({ length: this.rand.int(4) }, () => this.txnOp(used));
      };
      return txn(compares, branch(), branch());
    }
    if (r < 0.78) return { type: 'leaseGrant', id: this.rand.next() < 0.9 ? this.nextLease++ : 1, ttlMs: 1000 };
    if (r < 0.84) return { type: 'leaseRevoke', id: 1 + this.rand.int(this.nextLease) };
    if (r < 0.9) return { type: 'leaseExpire', ids: [1 + this.rand.int(this.nextLease), 1 + this.rand.int(this.nextLease)] };
    if (r < 0.94) return { type: 'compact', revision: Math.max(0, revision - this.rand.int(5)) };
    if (r < 0.97) return { type: 'leaseExtendAll' };
    return { type: 'noop' };
  }

  /** A command, often with a requestId; sometimes a retry of an earlier seq. */
  command(revision: number): Command {
    const op = this.op(revision);
    if (this.rand.next() < 0.3) return { requestId: null, op };
    // 'rare' writes seldom, so it goes idle and gets forgotten now and then.
    const clientId = this.rand.next() < 0.05 ? 'rare' : this.rand.pick(['c1', 'c2', 'c3']);
    const last = this.seqs.get(clientId) ?? 0;
    const seq = this.rand.next() < 0.15 && last > 0 ? 1 + this.rand.int(last) : last + 1;
    this.seqs.set(clientId, Math.max(last, seq));
    return { requestId: { clientId, seq }, op };
  }
}
