// Key helpers used across Keel. Keys are byte strings ordered bytewise (as etcd).

const utf8 = new TextEncoder();

/** A string as UTF-8 bytes; bytes are returned as they are (not copied). */
export function toBytes(value: string | Uint8Array): Uint8Array {
  return typeof value === 'string' ? utf8Bytes(value) : value;
}

/** Up to this many UTF-16 units, an ASCII string is copied by hand (a key, typically). */
const SHORT_STRING = 64;

/**
 * A string's UTF-8 bytes. Why not always TextEncoder: its encode() costs about 0.3 µs even for
 * "k.123" (a call into C++), ten times a loop over a short ASCII string, and every put or get of a
 * string key pays it (docs/performance.md). Anything else goes to the encoder.
 */
export function utf8Bytes(s: string): Uint8Array {
  if (s.length > SHORT_STRING) return utf8.encode(s);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f) return utf8.encode(s);
    out[i] = c;
  }
  return out;
}

/** Marks "every key >= key" when used as a rangeEnd. */
export const TO_THE_END: Uint8Array = Uint8Array.of(0);

/**
 * The smallest key greater than every key starting with `prefix` (etcd's GetPrefixRangeEnd):
 * drop trailing 0xff bytes, then increment the last byte. A prefix that is empty or all 0xff has no
 * such key: returns [0x00], which as a rangeEnd means "to the end".
 */
export function prefixEnd(prefix: Uint8Array): Uint8Array {
  for (let i = prefix.length - 1; i >= 0; i--) {
    if (prefix[i]! < 0xff) {
      const end = prefix.slice(0, i + 1);
      end[i] = prefix[i]! + 1;
      return end;
    }
  }
  return Uint8Array.of(0);
}

/** Bytewise order: negative if a < b, 0 if equal, positive if a > b; a proper prefix sorts first. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}
