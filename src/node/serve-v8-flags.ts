// The V8 flags a `keel serve` process runs with. Measured: docs/performance.md, "JIT warm-up" and
// "Batch entries and the heap's growth".
// - `--interrupt-budget=8192`: a node's hot paths run once per batch (a Ready, a log entry of dozens
//   of writes, a batch reply), a few hundred times a second under load, and V8 optimizes a function
//   only once it has run about 66 KB of its bytecode (67584 in Node 20): on a fresh node those paths
//   stayed unoptimized for 40,000–60,000 writes, each costing about a third more CPU than once warm.
//   An eighth of that budget optimizes them within the first few thousand writes.
// - `--no-memory-reducer`: when a node goes idle, V8's memory reducer runs full collections that
//   shrink the heap (and age out compiled code), so the next burst of writes paid the warm-up again.
//   A node keeps the heap its load grew instead (bounded as before: --heap-growth-percent).
// - `--heap-growing-percent` (the node's setting `--heap-growth-percent`, below): a node's live heap
//   grows for a long while (the history of recent revisions, the Raft log until a snapshot), and on
//   it V8's own heuristic chose growth factors close to 1, so a node under write load ran a full
//   mark-compact every few thousand writes, each pausing every write in flight. 200 (the default)
//   lets the heap reach three times what the last full collection kept; Go's default (GOGC=100) is two.
import v8 from 'node:v8';

/** What spawnNode passes to every node it starts (before KEEL_NODE_FLAGS, which may override them). */
export const SERVE_V8_FLAGS: readonly string[] = ['--interrupt-budget=8192', '--no-memory-reducer'];

/** A flag's name without its value or `no-`, with V8's `_` and `-` made one: `--memory-reducer`. */
function flagName(flag: string): string {
  return flag.split('=')[0]!.replace(/^--no-/, '--').replaceAll('_', '-');
}

/**
 * For a node started without SERVE_V8_FLAGS on its command line (`keel serve` run directly): sets the
 * ones it was not given now (a flag given in either form, with any value, is left alone). Set at run
 * time they measured to help less than on the command line (the cause was not pinned down), so
 * docs/operations.md shows how to pass them to node. Returns the flags it set.
 */
export function applyServeV8Flags(execArgv: readonly string[] = process.execArgv): string[] {
  const given = new Set(execArgv.map(flagName));
  const missing = SERVE_V8_FLAGS.filter((flag) => !given.has(flagName(flag)));
  for (const flag of missing) v8.setFlagsFromString(flag);
  return missing;
}

/** Sets V8's heap growth for this process; 0 leaves V8's heuristic in charge. */
export function setHeapGrowth(percent: number): void {
  // V8 reads this flag each time it sets the next limit (after a full collection), so setting it
  // once the process runs takes effect from the next collection on.
  if (percent > 0) v8.setFlagsFromString(`--heap-growing-percent=${percent}`);
}
