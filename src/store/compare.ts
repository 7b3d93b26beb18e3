// Txn guards. A compare on a single key reads that key; a compare with a rangeEnd must hold for every
// key in the range. A missing key (or an empty range) compares as a key whose numbers are all 0 and
// whose value is empty.
import type { Compare, KeyValue } from '../codec/types.js';
import { EMPTY_BYTES, compareBytes, toKeyRange } from './bytes.js';
import type { Keyspace } from './keyspace.js';

const MISSING: KeyValue = Object.freeze({
  key: EMPTY_BYTES,
  value: EMPTY_BYTES,
  createRevision: 0,
  modRevision: 0,
  version: 0,
  lease: 0,
});

function order(c: Compare, kv: KeyValue): number {
  switch (c.target) {
    case 'value': return compareBytes(kv.value, c.value);
    case 'version': return kv.version - c.number;
    case 'createRevision': return kv.createRevision - c.number;
    case 'modRevision': return kv.modRevision - c.number;
    case 'lease': return kv.lease - c.number;
  }
}

function holds(c: Compare, kv: KeyValue): boolean {
  const d = order(c, kv);
  switch (c.result) {
    case 'equal': return d === 0;
    case 'notEqual': return d !== 0;
    case 'greater': return d > 0;
    case 'less': return d < 0;
  }
}

export function compareHolds(keyspace: Keyspace, c: Compare): boolean {
  let seen = false;
  let ok = true;
  keyspace.forEachInRange(toKeyRange(c.key, c.rangeEnd), (kv) => {
    seen = true;
    ok = holds(c, kv);
    return ok;
  });
  return seen ? ok : holds(c, MISSING);
}

export function allComparesHold(keyspace: Keyspace, compares: Compare[]): boolean {
  return compares.every((c) => compareHolds(keyspace, c));
}

const SYMBOLS = { equal: '=', notEqual: '!=', greater: '>', less: '<' } as const;

/** "createRevision(/keel/brokers/b1) = 42": for error messages. */
export function describeCompare(c: Compare): string {
  const key = Buffer.from(c.key).toString('utf8');
  const subject = c.rangeEnd.length > 0 ? `${key}..${Buffer.from(c.rangeEnd).toString('utf8')}` : key;
  const operand = c.target === 'value' ? JSON.stringify(Buffer.from(c.value).toString('utf8')) : String(c.number);
  return `${c.target}(${subject}) ${SYMBOLS[c.result]} ${operand}`;
}
