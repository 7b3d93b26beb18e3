// The V8 flags a `keel serve` process runs with. A node's hot paths run once per batch (a Ready, a
// log entry of dozens of writes, a batch reply), a few hundred times a second under load, and V8
// optimizes a function only once it has run about 66 KB of its bytecode (`--interrupt-budget`,
// 67584 in Node 20): on a fresh node those paths stayed unoptimized for 40,000–60,000 writes, each
// costing about a third more CPU than once warm. An eighth of that budget optimizes them within the
// first few thousand writes. Measured: docs/performance.md, "JIT warm-up".
import v8 from 'node:v8';

/** What spawnNode passes to every node it starts (before KEEL_NODE_FLAGS, which may override them). */
export const SERVE_V8_FLAGS: readonly string[] = ['--interrupt-budget=8192'];

/**
 * For a node started without SERVE_V8_FLAGS on its command line (`keel serve` run directly): sets the
 * missing ones now. Set at run time they help less than on the command line (V8 has already made
 * the code it starts with), so docs/operations.md shows how to pass them to node.
 */
export function applyServeV8Flags(execArgv: readonly string[] = process.execArgv): string[] {
  const missing = SERVE_V8_FLAGS.filter((flag) => !execArgv.some((given) => given.split('=')[0] === flag.split('=')[0]));
  for (const flag of missing) v8.setFlagsFromString(flag);
  return missing;
}
