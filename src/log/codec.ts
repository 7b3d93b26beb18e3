// The log stores opaque payloads. It is generic over a codec that turns an entry into bytes and
// back; the only things it needs to know about an entry are its index and term.

export interface LogEntryShape {
  index: number;
  term: number;
}

export interface LogCodec<E extends LogEntryShape> {
  /** 8 bytes identifying the entry schema; written into every segment header. */
  fingerprint: Uint8Array;
  encode(entry: E): Buffer;
  decode(payload: Uint8Array): E;
  /** Reads only index and term; used at open/recovery for every record, so it must be cheap. */
  peekIndexTerm(payload: Uint8Array): { index: number; term: number };
}

/**
 * Finds the codec for a segment written with an older entry schema (by the fingerprint in its
 * header). Returns undefined (or throws) when the fingerprint is unknown.
 */
export type CodecResolver<E extends LogEntryShape> = (fingerprint: Uint8Array) => LogCodec<E> | undefined;

export function fingerprintHex(fingerprint: Uint8Array): string {
  return Buffer.from(fingerprint.buffer, fingerprint.byteOffset, fingerprint.byteLength).toString('hex');
}

export function sameFingerprint(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
