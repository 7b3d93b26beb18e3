// The one length + CRC frame Keel writes on disk: log records, snapshot frames and the raft-state
// record all use it.
//
//   u32 length (little-endian) | u32 crc32(payload) (little-endian) | payload (length bytes, > 0)
//
// A zero length is never written, so zero-filled space (a preallocated or torn file) never reads
// as a record.
import CRC32 from 'crc-32';

export const FRAME_HEADER_BYTES = 8;

export function crc32(bytes: Uint8Array): number {
  return CRC32.buf(bytes) >>> 0;
}

/** The 8 bytes that precede `payload` (for writers that send header and payload as two buffers). */
export function frameHeader(payload: Uint8Array): Buffer {
  const header = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
  header.writeUInt32LE(payload.length, 0);
  header.writeUInt32LE(crc32(payload), 4);
  return header;
}

/** Header and payload as one buffer. */
export function frame(payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
  out.writeUInt32LE(payload.length, 0);
  out.writeUInt32LE(crc32(payload), 4);
  out.set(payload, FRAME_HEADER_BYTES);
  return out;
}

export type BadFrameReason = 'short frame' | 'zero length' | 'short payload' | 'crc mismatch';

export type FrameRead =
  | { ok: true; payload: Buffer; /** Offset just past the payload. */ end: number }
  | { ok: false; reason: BadFrameReason; /** The length the header announces (0 when the header itself is cut short). */ length: number };

/** Reads and checks the frame that starts at `offset`. */
export function readFrame(bytes: Buffer, offset: number): FrameRead {
  if (offset + FRAME_HEADER_BYTES > bytes.length) return { ok: false, reason: 'short frame', length: 0 };
  const length = bytes.readUInt32LE(offset);
  if (length === 0) return { ok: false, reason: 'zero length', length };
  const end = offset + FRAME_HEADER_BYTES + length;
  if (end > bytes.length) return { ok: false, reason: 'short payload', length };
  const payload = bytes.subarray(offset + FRAME_HEADER_BYTES, end);
  if (crc32(payload) !== bytes.readUInt32LE(offset + 4)) return { ok: false, reason: 'crc mismatch', length };
  return { ok: true, payload, end };
}
