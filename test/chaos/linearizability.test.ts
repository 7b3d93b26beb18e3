// The linearizability checker on hand-made histories: each one that must fail fails, each one that
// must pass passes, and a large seeded history produced by a real register passes quickly.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng } from '../raft/sim/rng.js';
import type { Operation } from './history.js';
import { checkLinearizable, describeViolation } from './linearizability.js';

type OpInput = Omit<Operation, 'client' | 'key' | 'outcome'> & Partial<Pick<Operation, 'client' | 'key' | 'outcome'>>;
const op = (o: OpInput): Operation => ({ client: 0, key: 'k', outcome: 'ok', ...o });
const put = (value: string, invokeMs: number, completeMs: number, extra: Partial<Operation> = {}): Operation =>
  op({ kind: 'put', value, invokeMs, completeMs, ...extra });
const get = (read: string | null, invokeMs: number, completeMs: number, extra: Partial<Operation> = {}): Operation =>
  op({ kind: 'get', read, invokeMs, completeMs, ...extra });
const cas = (expected: string, value: string, succeeded: boolean, invokeMs: number, completeMs: number, extra: Partial<Operation> = {}): Operation =>
  op({ kind: 'cas', expected, value, succeeded, invokeMs, completeMs, ...extra });
const info = { outcome: 'info' as const, error: 'Timeout' };

const linearizable = (ops: Operation[]): boolean => checkLinearizable(ops).ok;

test('sequential puts and reads pass', () => {
  assert.ok(linearizable([get(null, 0, 1), put('a', 2, 3), get('a', 4, 5), put('b', 6, 7), get('b', 8, 9)]));
});

test('a read concurrent with a write may see either value', () => {
  assert.ok(linearizable([put('a', 0, 1), put('b', 2, 10), get('a', 3, 4)]));
  assert.ok(linearizable([put('a', 0, 1), put('b', 2, 10), get('b', 3, 4)]));
});

test('a stale read fails', () => {
  const r = checkLinearizable([put('a', 0, 1), put('b', 2, 3), get('a', 4, 5)]);
  assert.not.ok(r.ok);
  assert.is(r.violations.length, 1);
  assert.is(r.violations[0].key, 'k');
  assert.match(describeViolation(r.violations[0]), /get => ok a/);
});

test('a lost write fails (an acknowledged put, then the key reads as missing)', () => {
  assert.not.ok(linearizable([put('a', 0, 1), get(null, 2, 3)]));
});

test('a non-linearizable pair of reads fails: a later read goes back to the older value', () => {
  // Both reads overlap the write, but once the first has seen it the second cannot un-see it.
  assert.not.ok(linearizable([put('a', 0, 1), put('b', 2, 20), get('b', 3, 4), get('a', 5, 6)]));
});

test('a read of a value nobody wrote fails', () => {
  assert.not.ok(linearizable([put('a', 0, 1), get('zzz', 2, 3)]));
});

test('cas must follow the register: success needs the expected value, failure needs another', () => {
  assert.ok(linearizable([put('a', 0, 1), cas('a', 'b', true, 2, 3), get('b', 4, 5)]));
  assert.ok(linearizable([put('a', 0, 1), cas('x', 'b', false, 2, 3), get('a', 4, 5)]));
  assert.not.ok(linearizable([put('a', 0, 1), cas('x', 'b', true, 2, 3)]), 'cas succeeded against another value');
  assert.not.ok(linearizable([put('a', 0, 1), cas('a', 'b', false, 2, 3)]), 'cas failed although the value matched');
  assert.not.ok(linearizable([put('a', 0, 1), cas('a', 'b', false, 2, 3), get('b', 4, 5)]), 'a failed cas wrote');
});

test('a write with an unknown outcome may have happened, later, or never', () => {
  assert.ok(linearizable([put('a', 0, 1, info), get('a', 5, 6)]), 'happened');
  assert.ok(linearizable([put('a', 0, 1, info), get(null, 5, 6)]), 'never happened');
  assert.ok(linearizable([put('a', 0, 1, info), get(null, 5, 6), get('a', 100, 101)]), 'happened long after it timed out');
  assert.ok(linearizable([put('a', 0, 1), cas('a', 'b', false, 2, 3, info), get('b', 4, 5)]), 'a cas with unknown result follows the register');
});

test('a write with an unknown outcome cannot explain a read invoked before it, nor be undone', () => {
  assert.not.ok(linearizable([get('a', 0, 1), put('a', 2, 3, info)]), 'read before the write was invoked');
  assert.not.ok(linearizable([put('a', 0, 1, info), get('a', 5, 6), get(null, 7, 8)]), 'seen, then gone');
});

test('failed operations are left out; keys are checked independently', () => {
  const ops = [
    put('a', 0, 1, { outcome: 'fail' }), get(null, 2, 3),
    put('x', 0, 1, { key: 'other' }), get('x', 2, 3, { key: 'other' }),
  ];
  const r = checkLinearizable(ops);
  assert.ok(r.ok);
  assert.is(r.keys, 2);
  assert.is(r.operations, 3);
  const bad = checkLinearizable([...ops, get('stale', 4, 5, { key: 'other' })]);
  assert.equal(bad.violations.map((v) => v.key), ['other']);
});

test('a step budget too small for the search answers unknown, not pass', () => {
  const ops = Array.from({ length: 20 }, (_, i) => put(`v${i}`, i, 1000 + i, info)).concat(get('nope', 2000, 2001));
  const r = checkLinearizable(ops, { maxStepsPerKey: 50 });
  assert.not.ok(r.ok);
  assert.is(r.inconclusive.length, 1);
});

/** Concurrent clients against a real register: each op takes effect at a random instant inside its interval. */
function registerHistory(seed: number, clients: number, opsPerClient: number, keys: number): Operation[] {
  const rng = new Rng(seed);
  const state = new Map<string, string | null>();
  const ops: { op: Operation; at: number }[] = [];
  for (let c = 0; c < clients; c++) {
    let t = rng.int(0, 5);
    for (let i = 0; i < opsPerClient; i++) {
      const invokeMs = t + rng.next();
      const at = invokeMs + rng.next() * 5;
      const completeMs = at + rng.next() * 5;
      const key = `k${rng.int(0, keys - 1)}`;
      const kind = rng.pick(['put', 'get', 'cas'] as const);
      const o: Operation = { client: c, key, kind, outcome: 'ok', invokeMs, completeMs };
      if (kind !== 'get') o.value = `c${c}.${i}`;
      ops.push({ op: o, at });
      t = completeMs + rng.next();
    }
  }
  ops.sort((a, b) => a.at - b.at);
  const recent: string[] = [];
  for (const { op: o } of ops) {
    const cur = state.get(o.key) ?? null;
    if (o.kind === 'put') state.set(o.key, o.value as string);
    else if (o.kind === 'get') o.read = cur;
    else {
      o.expected = rng.chance(0.5) && cur !== null ? cur : (recent[rng.int(0, recent.length - 1)] ?? 'none');
      o.succeeded = cur === o.expected;
      if (o.succeeded) state.set(o.key, o.value as string);
    }
    if (o.value) recent.push(o.value);
    // Some writes time out: their effect stays, the client just never learns it.
    if (o.kind !== 'get' && rng.chance(0.05)) {
      o.outcome = 'info';
      delete o.succeeded;
    }
  }
  return ops.map((x) => x.op);
}

test('a large history from a real register passes, and one corrupted read makes it fail', () => {
  const ops = registerHistory(7, 6, 400, 10);
  const started = Date.now();
  const r = checkLinearizable(ops);
  assert.ok(r.ok, r.violations.map((v) => describeViolation(v, 10)).join('\n'));
  assert.is(r.operations, ops.length);
  assert.ok(Date.now() - started < 5000, `checking took ${Date.now() - started} ms`);

  // Corrupt one read that saw an older value into one that sees a value overwritten long before.
  const reads = ops.filter((o) => o.kind === 'get' && o.read !== null);
  const victim = reads[Math.floor(reads.length / 2)];
  const firstWrite = ops.filter((o) => o.key === victim.key && o.kind === 'put' && o.outcome === 'ok' && o.completeMs < victim.invokeMs - 50)[0];
  assert.ok(firstWrite, 'the history has an old write to go back to');
  const overwritten = ops.some((o) => o.key === victim.key && o.kind === 'put' && o.outcome === 'ok' && o !== firstWrite
    && o.invokeMs > firstWrite.completeMs && o.completeMs < victim.invokeMs);
  assert.ok(overwritten);
  victim.read = firstWrite.value;
  assert.not.ok(checkLinearizable(ops).ok);
});

test.run();
