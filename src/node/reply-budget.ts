// How large a reply may be, and how a write's result is made to fit. A range answers one page
// within the budget (its `more` says pages follow). A committed write is never reported as failed
// because its reply would not fit NATS max_payload: the largest previous values / range results are
// left out, marked (prevKvTruncated, prevKvsTruncated, a range's `more`), and can be read back at
// the write's revision (prevKvs: revision - 1) while history retains it.
import { requestBytesFor } from '../codec/limits.js';
import type { CommandResult, TxnOpResult } from '../codec/types.js';
import { withoutKvs } from '../store/outcome-summary.js';
import { kvBytes } from '../store/range.js';

/** Default byte budget of one range page (below the default 1 MiB max_payload). */
export const DEFAULT_RANGE_PAGE_BYTES = 512 * 1024;

/** Room for the reply's header and framing around the key-values. */
const REPLY_OVERHEAD_BYTES = 1024;

/** The bytes a reply's key-values may take on a connection whose server announces `maxPayload`. */
export function replyBytesFor(maxPayload: number): number {
  return Math.max(REPLY_OVERHEAD_BYTES, requestBytesFor(maxPayload) - REPLY_OVERHEAD_BYTES);
}

/** A range page's budget: the configured page bytes, never above what max_payload allows. */
export function rangePageBudget(maxPayload: number, pageBytes = DEFAULT_RANGE_PAGE_BYTES): number {
  return Math.min(pageBytes, replyBytesFor(maxPayload));
}

function itemBytes(r: TxnOpResult): number {
  switch (r.type) {
    case 'put': return r.prevKv ? kvBytes(r.prevKv) : 0;
    case 'deleteRange': return r.prevKvs.reduce((n, kv) => n + kvBytes(kv), 0);
    case 'range': return r.kvs.reduce((n, kv) => n + kvBytes(kv), 0);
  }
}

/** The result, with its largest parts left out (and marked) until it fits `budget` bytes. */
export function fitWriteResult(result: CommandResult, budget: number): CommandResult {
  const items: TxnOpResult[] | null =
    result.type === 'txn' ? result.responses : result.type === 'put' || result.type === 'deleteRange' ? [result] : null;
  if (!items) return result;
  const sizes = items.map(itemBytes);
  let total = sizes.reduce((a, b) => a + b, 0) + items.length * 16;
  if (total <= budget) return result;
  const fitted = [...items];
  const largestFirst = sizes.map((size, i) => ({ size, i })).sort((a, b) => b.size - a.size);
  for (const { size, i } of largestFirst) {
    if (total <= budget || size === 0) break;
    fitted[i] = withoutKvs(fitted[i]!);
    total -= size;
  }
  return result.type === 'txn' ? { ...result, responses: fitted } : (fitted[0] as CommandResult);
}
