// Parses a segment's bytes: the header, then each record with its offset and CRC check. Used by
// open/recovery, by reads (CRC re-check) and by the inspect and verify tools, so the format is
// parsed in one place.
import { readFile } from 'node:fs/promises';
import { FRAME_HEADER_BYTES, readFrame, type BadFrameReason } from '../codec/framing.js';
import { HEADER_BYTES, decodeHeader, type SegmentHeader } from './format.js';

export interface GoodRecord {
  ok: true;
  /** File offset of the record's frame. */
  offset: number;
  /** Frame + payload. */
  size: number;
  payload: Buffer;
}

export type BadRecordReason = BadFrameReason;

export interface BadRecord {
  ok: false;
  offset: number;
  reason: BadRecordReason;
  /** The length the frame announces (0 when the frame itself is short). */
  length: number;
}

export type ScannedRecord = GoodRecord | BadRecord;

/** Checks the record whose frame starts at `offset` (which must be < bytes.length). */
export function checkRecord(bytes: Buffer, offset: number): ScannedRecord {
  const frame = readFrame(bytes, offset);
  if (!frame.ok) return { ok: false, offset, reason: frame.reason, length: frame.length };
  return { ok: true, offset, size: frame.end - offset, payload: frame.payload };
}

/** Yields records from `start` to the end of `bytes`; stops after the first bad one. */
export function* scanRecords(bytes: Buffer, start = HEADER_BYTES): Generator<ScannedRecord> {
  let offset = start;
  while (offset < bytes.length) {
    const record = checkRecord(bytes, offset);
    yield record;
    if (!record.ok) return;
    offset += record.size;
  }
}

/**
 * Whether a bad record could be a torn write: no intact record starts anywhere after it. A crash
 * only ever loses the end of the file, so a bad record (CRC failure, zero length, or a length that
 * runs past the end) with an intact record somewhere behind it means bytes in the middle changed or
 * went missing, which no crash explains: corruption, never cut (the records behind it may have
 * been acknowledged). The search tries every offset, since the bad record's length cannot be
 * trusted; it runs only at open, on the tail of the last segment.
 */
export function isTornTail(bytes: Buffer, bad: BadRecord): boolean {
  return intactRecordAfter(bytes, bad.offset) === undefined;
}

/**
 * Whether every byte from `offset` to the end is zero: space the log preallocated for records (it
 * zero-fills ahead of its writes, so that a durable write changes no file size). A crash that lost
 * a write there leaves exactly this, as if the write had never been made.
 */
export function isPreallocatedTail(bytes: Buffer, offset: number): boolean {
  for (let at = offset; at < bytes.length; at++) if (bytes[at] !== 0) return false;
  return true;
}

/** The offset of the first intact record starting after `offset`, if any. */
export function intactRecordAfter(bytes: Buffer, offset: number): number | undefined {
  for (let at = offset + 1; at + FRAME_HEADER_BYTES < bytes.length; at++) {
    const length = bytes.readUInt32LE(at);
    if (length === 0 || at + FRAME_HEADER_BYTES + length > bytes.length) continue; // cheap rejects first
    if (checkRecord(bytes, at).ok) return at;
  }
  return undefined;
}

export interface SegmentFile {
  path: string;
  bytes: Buffer;
  /** A reason string when the header is malformed. */
  header: SegmentHeader | string;
}

/** Reads a whole segment file (open/recovery and tools only). */
export async function readSegmentFile(path: string): Promise<SegmentFile> {
  const bytes = await readFile(path);
  return { path, bytes, header: decodeHeader(bytes) };
}
