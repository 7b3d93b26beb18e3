// The on-disk format of a segment, in one place (see DESIGN.md "On disk").
//
// File name: <base index, 20 digits>.seg
// Header (32 bytes, little-endian):
//   0  magic        8 bytes  "KEELSEG\0"
//   8  version      u16      FORMAT_VERSION
//  10  reserved     u16      0
//  12  base index   u64      index of the first record (records may be absent: an empty segment)
//  20  fingerprint  8 bytes  fingerprint of the entry schema the payloads are written with
//  28  header crc   u32      crc32 of bytes 0..27
// Records, back to back until the end of the file, each in Keel's one frame (src/codec/framing.ts):
//   u32 length | u32 crc32(payload) | payload (length bytes, > 0)
import { crc32 } from '../codec/framing.js';

const MAGIC = Buffer.from('KEELSEG\0', 'latin1');
const FORMAT_VERSION = 1;
export const HEADER_BYTES = 32;
const FINGERPRINT_BYTES = 8;
const SEGMENT_SUFFIX = '.seg';

export interface SegmentHeader {
  version: number;
  baseIndex: number;
  fingerprint: Uint8Array;
}

export function encodeHeader(baseIndex: number, fingerprint: Uint8Array): Buffer {
  if (fingerprint.length !== FINGERPRINT_BYTES) {
    throw new RangeError(`a schema fingerprint is ${FINGERPRINT_BYTES} bytes, got ${fingerprint.length}`);
  }
  const header = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(header, 0);
  header.writeUInt16LE(FORMAT_VERSION, 8);
  header.writeBigUInt64LE(BigInt(baseIndex), 12);
  header.set(fingerprint, 20);
  header.writeUInt32LE(crc32(header.subarray(0, 28)), 28);
  return header;
}

/** Parses a header; returns a reason string instead when it is malformed. */
export function decodeHeader(bytes: Buffer): SegmentHeader | string {
  if (bytes.length < HEADER_BYTES) return `file is ${bytes.length} bytes, shorter than the ${HEADER_BYTES}-byte header`;
  if (!bytes.subarray(0, 8).equals(MAGIC)) return 'bad magic (not a Keel segment)';
  if (bytes.readUInt32LE(28) !== crc32(bytes.subarray(0, 28))) return 'header crc mismatch';
  const version = bytes.readUInt16LE(8);
  if (version !== FORMAT_VERSION) return `unsupported format version ${version} (this build reads ${FORMAT_VERSION})`;
  const baseIndex = Number(bytes.readBigUInt64LE(12));
  return { version, baseIndex, fingerprint: Uint8Array.prototype.slice.call(bytes, 20, 28) };
}

export function segmentFileName(baseIndex: number): string {
  return String(baseIndex).padStart(20, '0') + SEGMENT_SUFFIX;
}

/** The base index a segment file name announces, or undefined when it is not a segment name. */
export function parseSegmentFileName(name: string): number | undefined {
  const match = /^(\d{20})\.seg$/.exec(name);
  return match ? Number(match[1]) : undefined;
}
