// The log entry codec: what src/log stores in each segment record, plus a cheap peek at the index
// and term (the first two fields, so a scan never decodes the data).
import type avro from 'avsc';
import { asBuffer, encodeValue, invalid } from './codec.js';
import { InvalidArgumentError } from './errors.js';
import { fingerprintHex, schemaFingerprint } from './fingerprint.js';
import type { Decoded } from './map-command.js';

export interface Entry {
  index: number;
  term: number;
  /** normal: data is an encoded Command; config: the Raft core's configuration change record (src/raft/confchange.ts), opaque here. */
  type: 'normal' | 'config';
  data: Uint8Array;
}

export interface EntryCodecShape {
  /** 8 bytes: Avro Rabin fingerprint (CRC-64-AVRO) of the writer schema's canonical form, little-endian. */
  fingerprint: Uint8Array;
  encode(e: Entry): Buffer;
  decode(buf: Uint8Array): Entry;
  peekIndexTerm(buf: Uint8Array): { index: number; term: number };
}

function entryFromAvro(r: Decoded): Entry {
  return { index: r.index, term: r.term, type: r.type, data: r.data };
}

/** The codec for entries written with `readerType` itself (the current schema). */
export function currentEntryCodec(readerType: avro.Type): EntryCodecShape {
  const peek = peekerFor(readerType);
  return {
    fingerprint: schemaFingerprint(readerType),
    encode(e: Entry): Buffer {
      try {
        return encodeValue(readerType, e);
      } catch (err) {
        throw invalid('cannot encode log entry', err);
      }
    },
    decode(buf: Uint8Array): Entry {
      try {
        return entryFromAvro(readerType.fromBuffer(asBuffer(buf)));
      } catch (err) {
        throw invalid(`malformed log entry (${buf.length} bytes)`, err);
      }
    },
    peekIndexTerm: peek,
  };
}

/**
 * The codec for entries written with an older `writerType`: decodes through Avro schema resolution
 * into the current shape. It refuses to encode: appending old-format records would lose the fields
 * the old schema lacks; the log should start a new segment (with the current fingerprint) instead.
 */
export function resolvingEntryCodec(readerType: avro.Type, writerType: avro.Type): EntryCodecShape {
  const resolver = readerType.createResolver(writerType); // throws if the versions cannot resolve
  const fingerprint = schemaFingerprint(writerType);
  return {
    fingerprint,
    encode(): Buffer {
      throw new InvalidArgumentError(
        `entry schema ${fingerprintHex(fingerprint)} is an older version and is read-only: write new entries with the current codec`,
      );
    },
    decode(buf: Uint8Array): Entry {
      try {
        return entryFromAvro(readerType.fromBuffer(asBuffer(buf), resolver));
      } catch (err) {
        throw invalid(`malformed log entry (${buf.length} bytes, schema ${fingerprintHex(fingerprint)})`, err);
      }
    },
    peekIndexTerm: peekerFor(writerType, (buf) => entryFromAvro(readerType.fromBuffer(asBuffer(buf), resolver))),
  };
}

/** Reads index and term straight from the bytes when the writer put them first, as longs. */
function peekerFor(writerType: avro.Type, decode?: (buf: Uint8Array) => Entry): EntryCodecShape['peekIndexTerm'] {
  const fields = (writerType as unknown as { fields: { name: string; type: avro.Type }[] }).fields;
  const leadsWithIndexTerm = fields[0]?.name === 'index' && fields[0].type.typeName === 'long'
    && fields[1]?.name === 'term' && fields[1].type.typeName === 'long';
  if (leadsWithIndexTerm) return peekLeadingLongs;
  const fullDecode = decode ?? ((buf: Uint8Array) => entryFromAvro(writerType.fromBuffer(asBuffer(buf))));
  return (buf) => {
    const e = fullDecode(buf);
    return { index: e.index, term: e.term };
  };
}

function peekLeadingLongs(buf: Uint8Array): { index: number; term: number } {
  const index = readLong(buf, 0);
  const term = readLong(buf, index.next);
  return { index: index.value, term: term.value };
}

/** avsc refuses longs beyond this (it keeps a margin below 2^53); the peek agrees with it. */
const MAX_LONG = 2 ** 53 - 2;

/**
 * One Avro long (zigzag varint) at `pos`. Zigzag puts the sign in bit 0 of the first byte, so we
 * sum the magnitude (raw / 2) directly: every partial sum stays an exact JS integer.
 */
function readLong(buf: Uint8Array, pos: number): { value: number; next: number } {
  let half = 0;
  let negative = false;
  let scale = 1 / 2;
  for (let i = pos; i < buf.length && i < pos + 10; i++) {
    const b = buf[i]!;
    if (i === pos) {
      negative = (b & 1) === 1;
      half = (b & 0x7f) >>> 1;
    } else {
      half += (b & 0x7f) * scale;
    }
    if ((b & 0x80) === 0) {
      const value = negative ? -half - 1 : half;
      if (!(Math.abs(value) <= MAX_LONG)) throw new InvalidArgumentError(`log entry holds a long beyond 2^53 at byte ${pos}`);
      return { value, next: i + 1 };
    }
    scale *= 128;
  }
  throw new InvalidArgumentError(`log entry too short or malformed to hold index and term (${buf.length} bytes)`);
}
