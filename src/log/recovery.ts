// Loads the segments of a log directory at open: checks every header and record, rebuilds the
// in-memory offsets and terms, and cuts a torn write off the tail of the last segment.
//
// Runs once at open, before anything is served; it reads each segment whole (async) and keeps
// only offsets and terms.
import { mkdir, open, readdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import { fingerprintHex, sameFingerprint, type CodecResolver, type LogCodec, type LogEntryShape } from './codec.js';
import { LogCorruptionError, SegmentHeaderError } from './errors.js';
import { HEADER_BYTES, parseSegmentFileName } from './format.js';
import { fsyncDirectory } from './fs-util.js';
import { Segment } from './segment.js';
import { intactRecordAfter, isPreallocatedTail, readSegmentFile, scanRecords, type BadRecord } from './segment-reader.js';

export interface RecoveryOptions<E extends LogEntryShape> {
  codec: LogCodec<E>;
  resolveCodec?: CodecResolver<E>;
  logger?: Logger;
  syncFile: (handle: import('node:fs/promises').FileHandle) => Promise<void>;
}

/** Segment files of a log directory, ordered by base index. */
export async function listSegmentFiles(logDir: string): Promise<{ path: string; baseIndex: number }[]> {
  const names = await readdir(logDir);
  const found: { path: string; baseIndex: number }[] = [];
  for (const name of names) {
    const baseIndex = parseSegmentFileName(name);
    if (baseIndex !== undefined) found.push({ path: join(logDir, name), baseIndex });
  }
  return found.sort((a, b) => a.baseIndex - b.baseIndex);
}

export async function recoverSegments<E extends LogEntryShape>(
  logDir: string,
  options: RecoveryOptions<E>,
): Promise<Segment<E>[]> {
  if (await mkdir(logDir, { recursive: true })) await fsyncDirectory(dirname(logDir)); // a new log/ directory is durable
  const files = await listSegmentFiles(logDir);
  const segments: Segment<E>[] = [];
  for (let i = 0; i < files.length; i++) {
    const { path, baseIndex: namedBase } = files[i]!;
    const isLast = i === files.length - 1;
    const file = await readSegmentFile(path);

    if (typeof file.header === 'string') {
      // A crash while a new segment was being created can leave it without a complete header.
      if (isLast && file.bytes.length < HEADER_BYTES) {
        options.logger?.warn({ file: path, bytes: file.bytes.length }, 'removing a segment with a torn header');
        await rm(path);
        await fsyncDirectory(logDir);
        continue;
      }
      throw new SegmentHeaderError(path, file.header);
    }
    const header = file.header;
    if (header.baseIndex !== namedBase) {
      throw new SegmentHeaderError(path, `header says base index ${header.baseIndex}, the name says ${namedBase}`);
    }
    const previous = segments[segments.length - 1];
    if (previous && header.baseIndex !== previous.lastIndex + 1) {
      throw new LogCorruptionError(path, 0, previous.lastIndex + 1, `segment starts at index ${header.baseIndex}; expected ${previous.lastIndex + 1}`);
    }
    const codec = codecFor(header.fingerprint, options, path);
    const segment = new Segment<E>(path, header.baseIndex, codec);

    let bad: BadRecord | undefined;
    for (const record of scanRecords(file.bytes)) {
      const expected = segment.lastIndex + 1;
      if (!record.ok) {
        bad = record;
        break;
      }
      const { index, term } = codec.peekIndexTerm(record.payload);
      if (index !== expected) {
        throw new LogCorruptionError(path, record.offset, expected, `record holds index ${index}`);
      }
      segment.addRecord(term, record.size);
    }

    if (bad && isLast && isPreallocatedTail(file.bytes, bad.offset)) {
      segment.fileEnd = file.bytes.length; // zero-filled space for the next records: kept as it is
    } else if (bad) {
      const index = segment.lastIndex + 1;
      if (!isLast) throw new LogCorruptionError(path, bad.offset, index, bad.reason);
      const intact = intactRecordAfter(file.bytes, bad.offset);
      if (intact !== undefined) {
        throw new LogCorruptionError(path, bad.offset, index, `${bad.reason}, followed by an intact record at offset ${intact}`);
      }
      await cutTornTail(path, bad, file.bytes.length, index, options);
    }
    segments.push(segment);
  }
  return segments;
}

function codecFor<E extends LogEntryShape>(fingerprint: Uint8Array, options: RecoveryOptions<E>, path: string): LogCodec<E> {
  if (sameFingerprint(fingerprint, options.codec.fingerprint)) return options.codec;
  let older: LogCodec<E> | undefined;
  let why = '';
  try {
    older = options.resolveCodec?.(fingerprint);
  } catch (err) {
    why = `: ${(err as Error).message}`; // a resolver may throw for unknown fingerprints instead of returning undefined
  }
  if (!older) throw new SegmentHeaderError(path, `unknown entry schema fingerprint ${fingerprintHex(fingerprint)}${why}`);
  return older;
}

async function cutTornTail<E extends LogEntryShape>(
  path: string,
  bad: BadRecord,
  fileBytes: number,
  firstLostIndex: number,
  options: RecoveryOptions<E>,
): Promise<void> {
  options.logger?.warn(
    { file: path, offset: bad.offset, bytesCut: fileBytes - bad.offset, reason: bad.reason, firstLostIndex },
    'cutting a torn write off the end of the log',
  );
  const handle = await open(path, 'r+');
  try {
    await handle.truncate(bad.offset);
    await options.syncFile(handle);
  } finally {
    await handle.close();
  }
}
