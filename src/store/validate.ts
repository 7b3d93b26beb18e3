// Checks a command before it touches anything. Returns the reason a command is malformed (the store
// answers it with an InvalidArgument outcome), or null. Pure: the node or transport may call it too,
// to refuse a request before proposing it.
import type { Compare, CommandOp, DeleteRangeOp, PutOp, RangeOp, TxnOp } from '../codec/types.js';
import { bytesId, rangeContains, toKeyRange, type KeyRange } from './bytes.js';

const COMPARE_TARGETS = new Set(['value', 'version', 'createRevision', 'modRevision', 'lease']);
const COMPARE_RESULTS = new Set(['equal', 'notEqual', 'greater', 'less']);

function isCount(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}

function isId(n: number): boolean {
  return Number.isSafeInteger(n) && n > 0;
}

function checkPut(op: PutOp): string | null {
  if (op.key.length === 0) return 'put: key is empty';
  if (!isCount(op.lease)) return `put: invalid lease id ${op.lease}`;
  return null;
}

function checkKeyRange(what: string, key: Uint8Array, rangeEnd: Uint8Array): string | null {
  if (key.length === 0 && rangeEnd.length === 0) return `${what}: key is empty`;
  return null;
}

/** A range read (also used for local reads outside any command). */
export function checkRange(op: RangeOp): string | null {
  if (!isCount(op.limit)) return `range: invalid limit ${op.limit}`;
  return checkKeyRange('range', op.key, op.rangeEnd);
}

function checkDelete(op: DeleteRangeOp): string | null {
  return checkKeyRange('deleteRange', op.key, op.rangeEnd);
}

function checkCompare(c: Compare): string | null {
  if (c.key.length === 0) return 'compare: key is empty';
  if (!COMPARE_TARGETS.has(c.target)) return `compare: unknown target ${String(c.target)}`;
  if (!COMPARE_RESULTS.has(c.result)) return `compare: unknown result ${String(c.result)}`;
  if (c.target !== 'value' && !Number.isSafeInteger(c.number)) return `compare: invalid number ${c.number}`;
  return null;
}

function checkTxnOp(op: TxnOp): string | null {
  switch (op.type) {
    case 'put': return checkPut(op);
    case 'deleteRange': return checkDelete(op);
    case 'range': return checkRange(op);
    default: return `txn: unknown operation ${String((op as { type: unknown }).type)}`;
  }
}

/**
 * As etcd: within one branch, a key may be put only once, and not inside a range the same branch
 * deletes ("duplicate key given in txn request").
 */
function checkDuplicateKeys(ops: TxnOp[]): string | null {
  const deleted: KeyRange[] = [];
  for (const op of ops) if (op.type === 'deleteRange') deleted.push(toKeyRange(op.key, op.rangeEnd));
  const put = new Set<string>();
  for (const op of ops) {
    if (op.type !== 'put') continue;
    const id = bytesId(op.key);
    if (put.has(id) || deleted.some((r) => rangeContains(r, op.key))) {
      return 'txn: duplicate key given in txn request';
    }
    put.add(id);
  }
  return null;
}

export function validateOp(op: CommandOp): string | null {
  switch (op.type) {
    case 'put': return checkPut(op);
    case 'deleteRange': return checkDelete(op);
    case 'txn': {
      for (const c of [...op.compare, ...(op.guard ?? [])]) {
        const reason = checkCompare(c);
        if (reason) return reason;
      }
      for (const branch of [op.success, op.failure]) {
        for (const child of branch) {
          const reason = checkTxnOp(child);
          if (reason) return reason;
        }
        const reason = checkDuplicateKeys(branch);
        if (reason) return reason;
      }
      return null;
    }
    case 'leaseGrant':
      if (!isId(op.id)) return `leaseGrant: invalid lease id ${op.id}`;
      if (!isId(op.ttlMs)) return `leaseGrant: invalid ttl ${op.ttlMs} ms`;
      return null;
    case 'leaseRevoke':
      return isId(op.id) ? null : `leaseRevoke: invalid lease id ${op.id}`;
    case 'leaseExpire':
      return op.ids.every(isId) ? null : 'leaseExpire: invalid lease id';
    case 'compact':
      return isCount(op.revision) ? null : `compact: invalid revision ${op.revision}`;
    case 'leaseExtendAll':
    case 'noop':
      return null;
    default:
      return null; // unknown types are answered Unimplemented by the store
  }
}
