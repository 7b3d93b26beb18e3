// One client operation of a chaos run, as the checkers see it. Times are wall-clock milliseconds
// with sub-millisecond precision from one monotonic clock (performance.timeOrigin + performance.now()),
// so every client of a run (they share the runner's process) is ordered by the same clock.
//
// outcome:
//   ok   the call returned; its result is known.
//   fail the call certainly had no effect (only reads: a failed read changes nothing).
//   info the outcome is unknown: a write that timed out or lost its connection may have been
//        applied, now or later. The checkers treat it as possibly applied at any time after invoke.

export type OpKind = 'put' | 'get' | 'cas';
export type Outcome = 'ok' | 'fail' | 'info';

export interface Operation {
  /** Which client (0-based); the final reads use the client id -1. */
  client: number;
  key: string;
  kind: OpKind;
  /** put: the value written; cas: the value written if the compare holds. Unique per write. */
  value?: string;
  /** cas: the value the key must hold for the write to happen (never empty). */
  expected?: string;
  outcome: Outcome;
  /** get (ok): the value read, null when the key is missing. */
  read?: string | null;
  /** cas (ok): whether the compare held and the write happened. */
  succeeded?: boolean;
  invokeMs: number;
  completeMs: number;
  /** fail / info: why. */
  error?: string;
}

/** The clock every operation's times come from. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** Whether `op` may have written `op.value` (an acknowledged write, or a write whose outcome is unknown). */
export function mayHaveWritten(op: Operation): boolean {
  if (op.kind === 'put') return op.outcome !== 'fail';
  if (op.kind === 'cas') return op.outcome === 'info' || (op.outcome === 'ok' && op.succeeded === true);
  return false;
}

/** Whether `op` is a write the cluster acknowledged. */
export function isAcknowledgedWrite(op: Operation): boolean {
  return op.outcome === 'ok' && (op.kind === 'put' || (op.kind === 'cas' && op.succeeded === true));
}

/** One line per operation, for violation reports. */
export function describeOp(op: Operation, t0 = 0): string {
  const t = (ms: number): string => (Number.isFinite(ms) ? (ms - t0).toFixed(1) : 'inf');
  const what = op.kind === 'put' ? `put ${op.value}`
    : op.kind === 'cas' ? `cas ${op.expected} -> ${op.value}`
      : 'get';
  const result = op.outcome !== 'ok' ? `${op.outcome}${op.error ? ` (${op.error})` : ''}`
    : op.kind === 'get' ? `ok ${op.read === null ? 'missing' : op.read}`
      : op.kind === 'cas' ? `ok ${op.succeeded ? 'succeeded' : 'compare failed'}`
        : 'ok';
  return `[${t(op.invokeMs)} .. ${t(op.completeMs)}] client ${op.client} ${op.key}: ${what} => ${result}`;
}
