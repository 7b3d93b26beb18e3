// A typed codec over one Avro type: TS value -> Avro value -> bytes, and back. Every failure to
// encode or decode becomes an InvalidArgumentError naming the type and the reason, so a malformed
// request turns into an error response, never a crash.
import type avro from 'avsc';
import { InvalidArgumentError } from './errors.js';

export interface Codec<T> {
  readonly type: avro.Type;
  encode(value: T): Buffer;
  decode(bytes: Uint8Array): T;
}

/**
 * `toAvro` shapes a TS value as avsc expects it (wrapping union branches); `fromAvro` turns what
 * avsc decoded into the plain TS value. Either may be omitted when the shapes already agree.
 */
export function makeCodec<T>(
  type: avro.Type,
  toAvro: (value: T) => unknown = (v) => v,
  fromAvro: (decoded: any) => T = (v) => v as T,
): Codec<T> {
  const what = type.name ?? type.typeName;
  return {
    type,
    encode(value: T): Buffer {
      try {
        return encodeValue(type, toAvro(value));
      } catch (err) {
        throw invalid(`cannot encode ${what}`, err);
      }
    },
    decode(bytes: Uint8Array): T {
      let decoded: unknown;
      try {
        decoded = type.fromBuffer(asBuffer(bytes));
      } catch (err) {
        throw invalid(`malformed ${what} (${sizeOf(bytes)})`, err);
      }
      try {
        return fromAvro(decoded);
      } catch (err) {
        throw invalid(`malformed ${what}`, err);
      }
    },
  };
}

// One scratch buffer for all encodes (they are synchronous): avsc writes into it, and the result is
// copied into an exactly-sized Buffer. Faster than avsc's toBuffer, which zero-fills its result.
const SCRATCH_KEEP_BYTES = 1024 * 1024;
let scratch = Buffer.allocUnsafe(64 * 1024);

/** Encodes `value` (already shaped for avsc) as `type`. Throws what avsc throws for an invalid value. */
export function encodeValue(type: avro.Type, value: unknown): Buffer {
  let end = type.encode(value, scratch, 0);
  if (end < 0) {
    // Too small: avsc returned minus the missing byte count. Grow (keeping at most 1 MiB around).
    const needed = scratch.length - end;
    const bigger = Buffer.allocUnsafe(Math.max(needed, scratch.length * 2));
    end = type.encode(value, bigger, 0);
    if (bigger.length <= SCRATCH_KEEP_BYTES) scratch = bigger;
    return copyOut(bigger, end);
  }
  return copyOut(scratch, end);
}

function copyOut(from: Buffer, length: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  from.copy(out, 0, 0, length);
  return out;
}

/** avsc reads from Buffers; wrapping a Uint8Array's memory is free (no copy). */
export function asBuffer(bytes: Uint8Array): Buffer {
  if (Buffer.isBuffer(bytes)) return bytes;
  if (!(bytes instanceof Uint8Array)) throw new InvalidArgumentError(`expected bytes, got ${typeof bytes}`);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function sizeOf(bytes: unknown): string {
  return bytes instanceof Uint8Array ? `${bytes.length} bytes` : `not bytes: ${bytes === null ? 'null' : typeof bytes}`;
}

export function invalid(context: string, err: unknown): InvalidArgumentError {
  if (err instanceof InvalidArgumentError) return new InvalidArgumentError(`${context}: ${err.message}`);
  return new InvalidArgumentError(`${context}: ${err instanceof Error ? err.message : String(err)}`);
}
