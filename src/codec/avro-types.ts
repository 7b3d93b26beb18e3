// The avsc options every Keel type is built with, and the two avsc type variants they install:
//
// - bytes accept any Uint8Array on write (the API hands us Uint8Arrays from TextEncoder; avsc
//   insists on Buffer). Reads still produce Buffer, which is a Uint8Array.
// - arrays refuse a block count that the bytes left cannot hold (count x the item type's smallest
//   encoding). Without this check a hostile count (say 2^31) makes avsc loop and allocate until
//   the process dies. Items that can encode to zero bytes (null, empty records) are capped at
//   MAX_ZERO_BYTE_ITEMS per message instead.
//
// Both hook into avsc internals (`_read`, `_write`, `_check`, Tap) that are stable across avsc 5.x;
// test/codec covers the behaviour we rely on.
import avro from 'avsc';

/** avsc's Tap: a buffer and a position. Reads past the end leave pos > buf.length. */
interface Tap {
  buf: Buffer;
  pos: number;
  readLong(): number;
  skipLong(): void;
  writeLong(n: number): void;
}

// avsc's d.ts declares these classes without their internal hooks; we extend the runtime classes.
const { ArrayType, BytesType } = avro.types as unknown as {
  ArrayType: new (schema: object, opts: object) => object;
  BytesType: new () => object;
};

class Uint8ArrayBytesType extends (BytesType as new () => any) {
  /**
   * avsc reads bytes into slices of one process-wide pool, advanced by the length it read. A
   * hostile length varint can decode to NaN (a long run of 0xff bytes overflows avsc's float
   * arithmetic to Infinity, and a 0x80 byte then makes 0 x Infinity), which left the pool's
   * position NaN: every bytes field decoded afterwards, in any message, came out empty (found by
   * the fuzz: one 1 KiB request made a node refuse every later write with "key must not be empty").
   * So the length is checked here and the bytes copied into their own buffer.
   */
  _read(tap: Tap): Buffer | undefined {
    const len = tap.readLong();
    const start = tap.pos;
    if (!Number.isSafeInteger(len) || len < 0 || start + len > tap.buf.length) {
      tap.pos = tap.buf.length + 1; // invalid: avsc reports a truncated buffer
      return undefined;
    }
    tap.pos = start + len;
    const out = Buffer.allocUnsafe(len);
    tap.buf.copy(out, 0, start, start + len);
    return out;
  }

  _check(val: unknown, _flags: unknown, hook?: (v: unknown, t: unknown) => void): boolean {
    const ok = val instanceof Uint8Array;
    if (!ok && hook) hook(val, this);
    return ok;
  }

  _write(tap: Tap, val: unknown): void {
    if (!(val instanceof Uint8Array)) throw new Error(`invalid "bytes": ${describe(val)}`);
    tap.writeLong(val.length);
    const start = tap.pos;
    tap.pos += val.length;
    // Like avsc's own writeFixed: on overflow only advance, avsc then retries into a big enough buffer.
    if (tap.pos <= tap.buf.length) tap.buf.set(val, start);
  }
}

const MAX_ZERO_BYTE_ITEMS = 1 << 20;

class BoundedArrayType extends (ArrayType as new (schema: object, opts: object) => any) {
  _read(tap: Tap): unknown[] {
    const items = this.itemsType;
    const itemBytes = minEncodedBytes(items);
    let result: unknown[] | undefined;
    let i = 0;
    let n: number;
    while ((n = tap.readLong())) {
      if (n < 0) {
        n = -n;
        tap.skipLong(); // block size in bytes, unused
      }
      const left = Math.max(0, tap.buf.length - tap.pos);
      if (itemBytes > 0 ? n * itemBytes > left : i + n > MAX_ZERO_BYTE_ITEMS) {
        throw new Error(`array block of ${n} items but only ${left} bytes left`);
      }
      result ??= new Array(n);
      while (n--) result[i++] = items._read(tap);
    }
    return result ?? [];
  }
}

const minBytesCache = new WeakMap<object, number>();

/** The fewest bytes any value of `type` encodes to (computed once per type, on first use). */
export function minEncodedBytes(type: any, visiting = new Set<object>()): number {
  const cached = minBytesCache.get(type);
  if (cached !== undefined) return cached;
  if (visiting.has(type)) return 0; // a recursive reference: count nothing for it
  visiting.add(type);
  const bytes = computeMinBytes(type, visiting);
  visiting.delete(type);
  minBytesCache.set(type, bytes);
  return bytes;
}

function computeMinBytes(type: any, visiting: Set<object>): number {
  switch (type.typeName as string) {
    case 'null': return 0;
    case 'float': return 4;
    case 'double': return 8;
    case 'fixed': return type.size as number;
    case 'record': case 'error':
      return (type.fields as { type: object }[]).reduce((sum, f) => sum + minEncodedBytes(f.type, visiting), 0);
    case 'union:wrapped': case 'union:unwrapped':
      return 1 + Math.min(...(type.types as object[]).map((t) => minEncodedBytes(t, visiting)));
    default:
      // Types avsc builds while resolving an older writer schema carry no typeName: count 0 bytes
      // (the zero-byte item bound still applies).
      if (typeof type.typeName !== 'string') return 0;
      if ((type.typeName as string).startsWith('logical:')) return minEncodedBytes(type.underlyingType, visiting);
      return 1; // boolean, int, long, bytes, string, enum, array, map: at least one byte
  }
}

function typeHook(schema: unknown, opts: object): avro.Type | undefined {
  if (schema === 'bytes') return new Uint8ArrayBytesType() as unknown as avro.Type;
  if (typeof schema === 'object' && schema !== null && !Array.isArray(schema)) {
    const type = (schema as { type?: unknown; logicalType?: unknown }).type;
    if ((schema as { logicalType?: unknown }).logicalType !== undefined) return undefined;
    if (type === 'bytes') return new Uint8ArrayBytesType() as unknown as avro.Type;
    if (type === 'array') return new BoundedArrayType(schema, opts) as unknown as avro.Type;
  }
  return undefined;
}

/** Options for Type.forSchema: the shared registry (named types across files) and our hooks. */
export function avroOptions(registry: Record<string, avro.Type>): Partial<avro.ForSchemaOptions> {
  // 'auto': a union of null and one type decodes as the value or null; a union of several records
  // decodes wrapped, as { 'keel.PutOp': {...} }, which src/codec/mapping translates.
  return { registry, wrapUnions: 'auto', typeHook: typeHook as avro.ForSchemaOptions['typeHook'] };
}

function describe(val: unknown): string {
  if (val === null || val === undefined) return String(val);
  return typeof val === 'object' ? (val.constructor?.name ?? 'object') : `${typeof val} ${String(val).slice(0, 40)}`;
}
