// Keys and values as the user gives them (string = UTF-8, or bytes) and the key ranges of the API.
import { InvalidArgumentError } from '../codec/errors.js';
import { prefixEnd, TO_THE_END, utf8Bytes } from '../codec/keys.js';
import type { Bytes } from '../codec/types.js';

export type KeyLike = string | Uint8Array;
export type ValueLike = string | Uint8Array;

const decoder = new TextDecoder();

export function toBytes(v: KeyLike | ValueLike): Bytes {
  if (typeof v === 'string') return utf8Bytes(v);
  if (v instanceof Uint8Array) return v;
  throw new InvalidArgumentError(`expected a string or Uint8Array, got ${typeof v}`);
}

export function bytesToString(b: Bytes): string {
  return decoder.decode(b);
}

const EMPTY = new Uint8Array(0);
/** As a rangeEnd: "every key from `key` on"; as key + rangeEnd: every key. */
const ALL_KEYS_END: Bytes = TO_THE_END;

export { prefixEnd };

/** Which keys an operation covers: one key, a prefix, or [from, to) (no `to` = to the end). */
export type KeySelector = { key: KeyLike } | { prefix: KeyLike } | { from: KeyLike; to?: KeyLike };

/** The wire form of a selector: key + rangeEnd (see src/codec/types.ts). */
export function resolveSelector(sel: KeySelector | KeyLike): { key: Bytes; rangeEnd: Bytes } {
  if (typeof sel === 'string' || sel instanceof Uint8Array) return { key: toBytes(sel), rangeEnd: EMPTY };
  const s = sel as { key?: KeyLike; prefix?: KeyLike; from?: KeyLike; to?: KeyLike };
  const given = (['key', 'prefix', 'from'] as const).filter((k) => s[k] !== undefined);
  if (given.length !== 1) {
    throw new InvalidArgumentError(`give exactly one of key, prefix or from (got ${given.join(', ') || 'none'})`);
  }
  if (s.key !== undefined) return { key: toBytes(s.key), rangeEnd: EMPTY };
  if (s.prefix !== undefined) {
    const prefix = toBytes(s.prefix);
    // An empty prefix means every key: etcd spells that key = rangeEnd = "\0".
    if (prefix.length === 0) return { key: ALL_KEYS_END, rangeEnd: ALL_KEYS_END };
    return { key: prefix, rangeEnd: prefixEnd(prefix) };
  }
  const from = toBytes(s.from as KeyLike);
  return {
    key: from.length === 0 ? ALL_KEYS_END : from,
    rangeEnd: s.to === undefined ? ALL_KEYS_END : toBytes(s.to),
  };
}
