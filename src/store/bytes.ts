// Byte-string helpers for the store: bytewise order and etcd-style key ranges.
import { compareBytes } from '../codec/keys.js';

export { compareBytes };

export const EMPTY_BYTES: Uint8Array = new Uint8Array(0);

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && compareBytes(a, b) === 0;
}

/** A fresh plain Uint8Array holding a copy of `src` (never a Buffer view into someone's memory). */
export function copyBytes(src: Uint8Array): Uint8Array {
  return new Uint8Array(src);
}

/**
 * A key range as etcd reads `key` + `rangeEnd`:
 * - rangeEnd empty: the single key `key`;
 * - rangeEnd = [0x00]: every key >= key;
 * - otherwise: [key, rangeEnd) (empty when rangeEnd <= key).
 */
export interface KeyRange {
  start: Uint8Array;
  /** Exclusive upper bound; null = unbounded. Ignored when `single`. */
  end: Uint8Array | null;
  single: boolean;
}

export function toKeyRange(key: Uint8Array, rangeEnd: Uint8Array): KeyRange {
  if (rangeEnd.length === 0) return { start: key, end: null, single: true };
  if (rangeEnd.length === 1 && rangeEnd[0] === 0) return { start: key, end: null, single: false };
  return { start: key, end: rangeEnd, single: false };
}

export function rangeContains(range: KeyRange, key: Uint8Array): boolean {
  if (range.single) return bytesEqual(range.start, key);
  if (compareBytes(key, range.start) < 0) return false;
  return range.end === null || compareBytes(key, range.end) < 0;
}

/** Stable text form of bytes, used only as a Map key (never shown to users). */
export function bytesId(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}
