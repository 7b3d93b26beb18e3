// Latency trace for `npm run critical-path` (off unless KEEL_TRACE=<path prefix> is set): the node
// records when each step of a write happens (request in, proposed, Ready, appends sent, durable,
// acks in, applied, reply out) in milliseconds of the machine's monotonic clock (traceClockMs), so
// that the steps of one put can be lined up across the processes of a cluster on one machine. Rows stay in memory (at most
// MAX_ROWS, then recording stops) and are written to `<prefix>.<who>.<pid>.txt` on SIGUSR2 and at
// exit. Disabled, a call costs one branch; callers that build a string guard it with `tracing`.
import { writeFileSync } from 'node:fs';

const prefix = process.env.KEEL_TRACE ?? '';
const MAX_ROWS = 500_000;
const rows: string[] = [];
let who = String(process.pid);

/** True when KEEL_TRACE is set. */
export const tracing = prefix !== '';

/**
 * The trace's clock: CLOCK_MONOTONIC (process.hrtime), one clock for every process on the machine.
 * (performance.timeOrigin + performance.now() is wall time fixed at each process's start; two
 * processes started under load disagreed by up to a millisecond, more than a NATS hop.)
 */
export function traceClockMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** Names this process in the trace (the node id). */
export function traceAs(name: string): void {
  who = name;
}

/** Records one step: its kind, the log index it concerns (0 when none) and free text. */
export function trace(kind: string, index: number, extra = ''): void {
  if (!tracing || rows.length >= MAX_ROWS) return;
  rows.push(`${traceClockMs().toFixed(3)} ${who} ${kind} ${index} ${extra}`);
}

if (tracing) {
  const dump = (): void => writeFileSync(`${prefix}.${who}.${process.pid}.txt`, rows.join('\n') + '\n');
  process.on('SIGUSR2', dump);
  process.on('exit', dump);
}
