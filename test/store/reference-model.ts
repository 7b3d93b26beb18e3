// A deliberately naive reference for the store's semantics: a sorted array of entries, scanned in
// full for every operation. Only ASCII keys (string order = byte order). Used by model.test.ts.
import type {
  CommandOp, Compare, CommandResult, DeleteRangeOp, KeyValue, PutOp, RangeOp, RangeResult, TxnOp, TxnOpResult,
} from '../../src/codec/types.js';
import { b, s } from './helpers.js';

interface Entry { key: string; value: string; createRevision: number; modRevision: number; version: number; lease: number }

export interface ModelOutcome { revision: number; result: CommandResult | null; errorCode: string | null }

const toKv = (e: Entry): KeyValue => ({ key: b(e.key), value: b(e.value), createRevision: e.createRevision, modRevision: e.modRevision, version: e.version, lease: e.lease });

function inRange(key: string, from: string, end: string): boolean {
  if (end === '') return key === from;
  if (end === '\0') return key >= from;
  return key >= from && key < end;
}

export class ReferenceModel {
  entries: Entry[] = [];
  revision = 0;
  compactRevision = 0;
  leases = new Map<number, number>();

  private select(from: string, end: string): Entry[] {
    return this.entries.filter((e) => inRange(e.key, from, end)).sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
  }

  range(op: RangeOp): RangeResult {
    const all = this.select(s(op.key), s(op.rangeEnd));
    const shown = op.countOnly ? [] : op.limit > 0 ? all.slice(0, op.limit) : all;
    return {
      type: 'range',
      kvs: shown.map((e) => (op.keysOnly ? { ...toKv(e), value: new Uint8Array(0) } : toKv(e))),
      count: all.length,
      more: op.limit > 0 && all.length > op.limit,
    };
  }

  private put(op: PutOp, rev: number) {
    const key = s(op.key);
    const prev = this.entries.find((e) => e.key === key);
    const next: Entry = {
      key, value: s(op.value), createRevision: prev ? prev.createRevision : rev, modRevision: rev,
      version: prev ? prev.version + 1 : 1, lease: op.lease,
    };
    this.entries = this.entries.filter((e) => e.key !== key).concat(next);
    return { type: 'put' as const, prevKv: op.prevKv && prev ? toKv(prev) : null };
  }

  private del(op: DeleteRangeOp) {
    const doomed = this.select(s(op.key), s(op.rangeEnd));
    this.entries = this.entries.filter((e) => !doomed.includes(e));
    return { type: 'deleteRange' as const, deleted: doomed.length, prevKvs: op.prevKv ? doomed.map(toKv) : [] };
  }

  private holds(c: Compare): boolean {
    const targets = this.select(s(c.key), s(c.rangeEnd));
    const list = targets.length ? targets : [{ key: '', value: '', createRevision: 0, modRevision: 0, version: 0, lease: 0 }];
    return list.every((e) => {
      const d = c.target === 'value' ? (e.value < s(c.value) ? -1 : e.value > s(c.value) ? 1 : 0) : e[c.target] - c.number;
      return c.result === 'equal' ? d === 0 : c.result === 'notEqual' ? d !== 0 : c.result === 'greater' ? d > 0 : d < 0;
    });
  }

  private duplicate(ops: TxnOp[]): boolean {
    const puts = ops.filter((o): o is PutOp => o.type === 'put').map((o) => s(o.key));
    const dels = ops.filter((o): o is DeleteRangeOp => o.type === 'deleteRange');
    return new Set(puts).size !== puts.length || puts.some((k) => dels.some((d) => inRange(k, s(d.key), s(d.rangeEnd))));
  }

  apply(op: CommandOp): ModelOutcome {
    const before = JSON.stringify(this.entries);
    const rev = this.revision + 1;
    const ok = (result: CommandResult): ModelOutcome => {
      if (JSON.stringify(this.entries) !== before) this.revision = rev;
      return { revision: this.revision, result, errorCode: null };
    };
    const fail = (code: string): ModelOutcome => ({ revision: this.revision, result: null, errorCode: code });
    const dropLeases = (ids: number[]) => {
      const gone = ids.filter((id) => this.leases.delete(id));
      this.entries = this.entries.filter((e) => !gone.includes(e.lease));
    };
    switch (op.type) {
      case 'put':
        if (op.lease !== 0 && !this.leases.has(op.lease)) return fail('LeaseNotFound');
        return ok(this.put(op, rev));
      case 'deleteRange':
        return ok(this.del(op));
      case 'txn': {
        if (this.duplicate(op.success) || this.duplicate(op.failure)) return fail('InvalidArgument');
        const succeeded = op.compare.every((c) => this.holds(c));
        const ops = succeeded ? op.success : op.failure;
        if (ops.some((o) => o.type === 'put' && o.lease !== 0 && !this.leases.has(o.lease))) return fail('LeaseNotFound');
        const responses: TxnOpResult[] = ops.map((o) => (o.type === 'put' ? this.put(o, rev) : o.type === 'deleteRange' ? this.del(o) : this.range(o)));
        return ok({ type: 'txn', succeeded, responses });
      }
      case 'leaseGrant':
        if (this.leases.has(op.id)) return fail('InvalidArgument');
        this.leases.set(op.id, op.ttlMs);
        return ok({ type: 'leaseGrant', id: op.id, ttlMs: op.ttlMs });
      case 'leaseRevoke':
        if (!this.leases.has(op.id)) return fail('LeaseNotFound');
        dropLeases([op.id]);
        return ok({ type: 'leaseRevoke' });
      case 'leaseExpire':
        dropLeases(op.ids);
        return ok({ type: 'leaseExpire' });
      case 'compact':
        if (op.revision > this.revision) return fail('FutureRevision');
        if (op.revision <= this.compactRevision) return fail('Compacted');
        this.compactRevision = op.revision;
        return ok({ type: 'compact' });
      default:
        return ok({ type: op.type });
    }
  }
}
