// Builders shared by the store tests: readable commands over string keys, and a seeded PRNG.
import type { Command, CommandOp, Compare, DeleteRangeOp, KeyValue, PutOp, RangeOp, TxnOp } from '../../src/codec/types.js';
import type { KvStore } from '../../src/store/index.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

export const b = (s: string): Uint8Array => enc.encode(s);
export const s = (bytes: Uint8Array): string => dec.decode(bytes);
/** rangeEnd meaning "every key >= key". */
export const FROM_KEY = '\0';

export function prefixEnd(prefix: string): string {
  const bytes = b(prefix);
  for (let i = bytes.length - 1; i >= 0; i--) {
    if (bytes[i]! < 0xff) {
      const end = bytes.slice(0, i + 1);
      end[i]!++;
      return dec.decode(end);
    }
  }
  return FROM_KEY;
}

export const put = (key: string, value: string, lease = 0, prevKv = false): PutOp =>
  ({ type: 'put', key: b(key), value: b(value), lease, prevKv });
export const del = (key: string, rangeEnd = '', prevKv = false): DeleteRangeOp =>
  ({ type: 'deleteRange', key: b(key), rangeEnd: b(rangeEnd), prevKv });
export const rng = (key: string, rangeEnd = '', extra: Partial<RangeOp> = {}): RangeOp =>
  ({ type: 'range', key: b(key), rangeEnd: b(rangeEnd), limit: 0, keysOnly: false, countOnly: false, ...extra });
export const cmp = (key: string, target: Compare['target'], result: Compare['result'], operand: number | string, rangeEnd = ''): Compare =>
  ({
    key: b(key), rangeEnd: b(rangeEnd), target, result,
    value: typeof operand === 'string' ? b(operand) : new Uint8Array(0),
    number: typeof operand === 'number' ? operand : 0,
  });
export const txn = (compare: Compare[], success: TxnOp[], failure: TxnOp[] = []): CommandOp =>
  ({ type: 'txn', compare, success, failure });

export const cmd = (op: CommandOp, clientId?: string, seq?: number): Command =>
  ({ requestId: clientId === undefined ? null : { clientId, seq: seq ?? 0 }, op });

/** Applies ops at successive log indexes after the store's appliedIndex; returns the outcomes. */
export function applyAll(store: KvStore, ...ops: CommandOp[]) {
  return ops.map((op) => store.apply(store.appliedIndex + 1, cmd(op)));
}

export function applyOne(store: KvStore, op: CommandOp, clientId?: string, seq?: number) {
  return store.apply(store.appliedIndex + 1, cmd(op, clientId, seq));
}

/** key -> value of every live key, in order. */
export function dump(store: KvStore): [string, string][] {
  return store.range(rng('', FROM_KEY)).kvs.map((kv: KeyValue) => [s(kv.key), s(kv.value)]);
}

/** mulberry32: small, fast, seeded. */
export function prng(seed: number): { next(): number; int(n: number): number; pick<T>(xs: readonly T[]): T } {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n) => Math.floor(next() * n), pick: (xs) => xs[Math.floor(next() * xs.length)]! };
}
