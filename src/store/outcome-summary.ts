// What a write's result looks like without its key-values: what the exactly-once table keeps for a
// retry, and what a reply too large for one message carries. Every left-out part is marked
// (prevKvTruncated, prevKvsTruncated, a range's `more`) and can be read back with a read at the
// write's revision (previous values at revision - 1) while the history retains it.
import type { ApplyOutcome, CommandResult, TxnOpResult } from '../codec/types.js';

/** The item without its key-values, marked as cut (unchanged when it had none). */
export function withoutKvs(r: TxnOpResult): TxnOpResult {
  switch (r.type) {
    case 'put': return r.prevKv ? { type: 'put', prevKv: null, prevKvTruncated: true } : r;
    case 'deleteRange': return r.prevKvs.length > 0 ? { type: 'deleteRange', deleted: r.deleted, prevKvs: [], prevKvsTruncated: true } : r;
    case 'range': return r.kvs.length > 0 ? { type: 'range', kvs: [], count: r.count, more: true } : r;
  }
}

export function resultWithoutKvs(result: CommandResult): CommandResult {
  switch (result.type) {
    case 'put': case 'deleteRange': return withoutKvs(result) as CommandResult;
    case 'txn': return { ...result, responses: result.responses.map(withoutKvs) };
    default: return result;
  }
}

/** The outcome as the exactly-once table keeps it: no key-values. */
export function outcomeSummary(outcome: ApplyOutcome): ApplyOutcome {
  return outcome.result === null ? outcome : { ...outcome, result: resultWithoutKvs(outcome.result) };
}

/** Rough bytes an outcome summary holds (the table's byte bound counts these). */
export function summaryBytes(outcome: ApplyOutcome): number {
  let n = 64 + (outcome.error ? outcome.error.message.length : 0);
  if (outcome.result?.type === 'txn') n += 16 * outcome.result.responses.length;
  return n;
}
