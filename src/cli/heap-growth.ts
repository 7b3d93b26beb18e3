// How far V8 lets the old generation grow past what its last full collection kept before it runs
// the next one (`--heap-growth-percent`). A node's live heap grows for a long while (the history of
// recent revisions, the Raft log until a snapshot), and on it V8's own heuristic chose factors
// close to 1, so a node under write load ran a full mark-compact every few thousand writes, each
// pausing every write in flight. 200 (the default) lets the heap reach three times what survived;
// Go's default (GOGC=100) is two. Measured: docs/performance.md, "The heap's growth".
import v8 from 'node:v8';

/** Sets V8's heap growth for this process; 0 leaves V8's heuristic in charge. */
export function setHeapGrowth(percent: number): void {
  // V8 reads this flag each time it sets the next limit (after a full collection), so setting it
  // once the process runs takes effect from the next collection on.
  if (percent > 0) v8.setFlagsFromString(`--heap-growing-percent=${percent}`);
}
