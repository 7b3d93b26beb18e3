// Closed-loop load: `concurrency` workers each issue one operation after another for `durationMs`.
// Records every latency (for exact percentiles) and shows a progress bar while it runs.
import cliProgress from 'cli-progress';
import { percentile } from './percentile.js';

export interface WorkloadResult {
  name: string;
  concurrency: number;
  ops: number;
  errors: number;
  seconds: number;
  opsPerSec: number;
  p50ms: number;
  p99ms: number;
  maxms: number;
}

export async function runClosedLoop(
  name: string,
  concurrency: number,
  durationMs: number,
  op: (worker: number, i: number) => Promise<unknown>,
  opts: { progress?: boolean } = {},
): Promise<WorkloadResult> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: unknown = null;
  const bar = opts.progress === false
    ? null
    : new cliProgress.SingleBar(
      { format: `${name.padEnd(9)} [{bar}] {percentage}% | {ops} ops | {rate} ops/s`, hideCursor: true, clearOnComplete: false },
      cliProgress.Presets.shades_classic,
    );
  const start = performance.now();
  const end = start + durationMs;
  bar?.start(100, 0, { ops: 0, rate: 0 });
  const timer = setInterval(() => {
    const elapsed = performance.now() - start;
    bar?.update(Math.min(100, Math.round((elapsed / durationMs) * 100)), {
      ops: latencies.length,
      rate: Math.round(latencies.length / (elapsed / 1000)),
    });
  }, 200);
  let counter = 0;
  const worker = async (w: number): Promise<void> => {
    while (performance.now() < end) {
      const t0 = performance.now();
      try {
        await op(w, counter++);
        latencies.push(performance.now() - t0);
      } catch (err) {
        errors++;
        firstError ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  clearInterval(timer);
  const seconds = (performance.now() - start) / 1000;
  bar?.update(100, { ops: latencies.length, rate: Math.round(latencies.length / seconds) });
  bar?.stop();
  if (firstError) console.error(`${name}: ${errors} errors; first: ${(firstError as Error).message ?? firstError}`);
  latencies.sort((a, b) => a - b);
  const pct = (p: number): number => percentile(latencies, p);
  return {
    name,
    concurrency,
    ops: latencies.length,
    errors,
    seconds: round(seconds),
    opsPerSec: Math.round(latencies.length / seconds),
    p50ms: round(pct(0.5)),
    p99ms: round(pct(0.99)),
    maxms: round(latencies[latencies.length - 1] ?? NaN),
  };
}

/** The run with the median throughput of several runs of one workload. */
export function medianRun(runs: WorkloadResult[]): WorkloadResult {
  const sorted = [...runs].sort((a, b) => a.opsPerSec - b.opsPerSec);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
