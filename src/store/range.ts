// Reads of the current state: a range with limit / keysOnly / countOnly, as etcd answers it.
import type { KeyValue, RangeOp, RangeResult } from '../codec/types.js';
import { EMPTY_BYTES, toKeyRange } from './bytes.js';
import type { Keyspace } from './keyspace.js';

export function readRange(keyspace: Keyspace, op: RangeOp): RangeResult {
  const kvs: KeyValue[] = [];
  let count = 0;
  keyspace.forEachInRange(toKeyRange(op.key, op.rangeEnd), (kv) => {
    count++;
    if (op.countOnly || (op.limit > 0 && kvs.length >= op.limit)) return;
    kvs.push(op.keysOnly ? { ...kv, value: EMPTY_BYTES } : kv);
  });
  return { type: 'range', kvs, count, more: op.limit > 0 && count > op.limit };
}
