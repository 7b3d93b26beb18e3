// A linearizability checker for key-value histories, in the style of Porcupine (Wing & Gong's search
// with Lowe's memoization): the history is split by key (each key's register is independent), and
// for each key a depth-first search looks for an order of the operations that respects real time
// (an operation that completed before another was invoked comes first) and the register model.
// Visited (set of linearized operations, state) pairs are cached, so each is explored once.
//
// Operations whose outcome is unknown (info) complete at +infinity: they may take effect at any
// point after their invocation, including never (placed after everything else, nothing observes
// them). Failed operations had no effect and are left out.
import { describeOp, type Operation } from './history.js';
import { INITIAL_REGISTER, stepRegister, type RegisterState } from './register-model.js';

export interface KeyVerdict {
  key: string;
  /** true: linearizable; false: no valid order exists; 'unknown': the search hit its step budget. */
  linearizable: boolean | 'unknown';
  operations: number;
  /** When not linearizable: the operation no order could get past, and the key's history. */
  stuckAt?: Operation;
  history?: Operation[];
}

export interface CheckResult {
  ok: boolean;
  keys: number;
  operations: number;
  violations: KeyVerdict[];
  inconclusive: KeyVerdict[];
}

export interface CheckOptions {
  /** Search steps allowed per key before giving up with 'unknown'. */
  maxStepsPerKey?: number;
}

const DEFAULT_MAX_STEPS = 5_000_000;

/** Checks a whole history: every key's sub-history must be linearizable. */
export function checkLinearizable(ops: readonly Operation[], o: CheckOptions = {}): CheckResult {
  const byKey = new Map<string, Operation[]>();
  for (const op of ops) {
    if (op.outcome === 'fail') continue;
    if (op.kind === 'get' && op.outcome !== 'ok') continue; // a read with no answer changes nothing
    let list = byKey.get(op.key);
    if (!list) byKey.set(op.key, (list = []));
    list.push(op);
  }
  const violations: KeyVerdict[] = [];
  const inconclusive: KeyVerdict[] = [];
  let operations = 0;
  for (const [key, list] of byKey) {
    operations += list.length;
    const verdict = checkKey(key, list, o.maxStepsPerKey ?? DEFAULT_MAX_STEPS);
    if (verdict.linearizable === false) violations.push(verdict);
    else if (verdict.linearizable === 'unknown') inconclusive.push(verdict);
  }
  return { ok: violations.length === 0 && inconclusive.length === 0, keys: byKey.size, operations, violations, inconclusive };
}

/** A call or return event in the doubly linked list the search lifts operations out of. */
interface Event {
  id: number;
  op: Operation;
  time: number;
  isCall: boolean;
  /** On a call: its return. */
  match: Event | null;
  prev: Event | null;
  next: Event | null;
}

function checkKey(key: string, ops: Operation[], maxSteps: number): KeyVerdict {
  const head = buildEventList(ops);
  const linearized = new Bitset(ops.length);
  const seen = new Set<string>();
  const stack: { call: Event; state: RegisterState }[] = [];
  let state: RegisterState = INITIAL_REGISTER;
  let entry = head.next;
  let steps = 0;
  let deepest = 0;
  let stuckAt: Operation | undefined;

  while (head.next !== null) {
    if (++steps > maxSteps) return { key, linearizable: 'unknown', operations: ops.length };
    const call = entry as Event;
    if (call.isCall) {
      const next = stepRegister(state, call.op);
      if (next !== undefined) {
        linearized.set(call.id);
        const cacheKey = `${linearized.hash()}|${next === null ? '\u0000' : `=${next}`}`;
        if (!seen.has(cacheKey)) {
          seen.add(cacheKey);
          stack.push({ call, state });
          state = next;
          lift(call);
          entry = head.next;
          continue;
        }
        linearized.clear(call.id);
      }
      entry = call.next;
    } else {
      // A return whose call is not linearized yet: everything before it failed; backtrack.
      if (stack.length >= deepest) {
        deepest = stack.length;
        stuckAt = call.op;
      }
      const top = stack.pop();
      if (!top) {
        return { key, linearizable: false, operations: ops.length, stuckAt, history: sortByInvoke(ops) };
      }
      state = top.state;
      linearized.clear(top.call.id);
      unlift(top.call);
      entry = top.call.next;
    }
  }
  return { key, linearizable: true, operations: ops.length };
}

function buildEventList(ops: Operation[]): Event {
  const events: Event[] = [];
  ops.forEach((op, id) => {
    const complete = op.outcome === 'info' ? Infinity : op.completeMs;
    const call: Event = { id, op, time: op.invokeMs, isCall: true, match: null, prev: null, next: null };
    const ret: Event = { id, op, time: complete, isCall: false, match: null, prev: null, next: null };
    call.match = ret;
    events.push(call, ret);
  });
  // By time; on a tie a call comes first (the two operations count as concurrent).
  events.sort((a, b) => (a.time !== b.time ? a.time - b.time : Number(b.isCall) - Number(a.isCall)));
  const head: Event = { id: -1, op: ops[0], time: -Infinity, isCall: false, match: null, prev: null, next: null };
  let prev = head;
  for (const e of events) {
    prev.next = e;
    e.prev = prev;
    prev = e;
  }
  return head;
}

/** Takes a call and its return out of the list. */
function lift(call: Event): void {
  const ret = call.match as Event;
  (call.prev as Event).next = call.next;
  if (call.next) call.next.prev = call.prev;
  (ret.prev as Event).next = ret.next;
  if (ret.next) ret.next.prev = ret.prev;
}

/** Puts them back (in the reverse order of lift). */
function unlift(call: Event): void {
  const ret = call.match as Event;
  (ret.prev as Event).next = ret;
  if (ret.next) ret.next.prev = ret;
  (call.prev as Event).next = call;
  if (call.next) call.next.prev = call;
}

class Bitset {
  private readonly words: Uint32Array;
  constructor(bits: number) { this.words = new Uint32Array(Math.ceil(bits / 32) || 1); }
  set(i: number): void { this.words[i >>> 5] |= 1 << (i & 31); }
  clear(i: number): void { this.words[i >>> 5] &= ~(1 << (i & 31)); }
  hash(): string { return Array.from(this.words, (w) => w.toString(36)).join(','); }
}

function sortByInvoke(ops: Operation[]): Operation[] {
  return [...ops].sort((a, b) => a.invokeMs - b.invokeMs);
}

/** A readable account of a violation: the key's operations in invocation order. */
export function describeViolation(v: KeyVerdict, maxLines = 60): string {
  const history = v.history ?? [];
  const t0 = history[0]?.invokeMs ?? 0;
  const lines = history.slice(0, maxLines).map((op) => `    ${op === v.stuckAt ? '>' : ' '} ${describeOp(op, t0)}`);
  if (history.length > maxLines) lines.push(`    ... ${history.length - maxLines} more`);
  return [`  key ${v.key}: not linearizable (${v.operations} operations; '>' = no order gets past this one)`, ...lines].join('\n');
}
