// Reads a log directory without changing it and reports every segment and every problem: the
// shared engine of the inspect and verify tools. Open/recovery applies the same rules (a bad
// record at the tail of the last segment is a torn write, anywhere else it is corruption).
import { fingerprintHex, sameFingerprint, type CodecResolver, type LogCodec, type LogEntryShape } from './codec.js';
import { HEADER_BYTES } from './format.js';
import { listSegmentFiles } from './recovery.js';
import { isPreallocatedTail, isTornTail, readSegmentFile, scanRecords } from './segment-reader.js';

export interface SegmentSummary {
  path: string;
  baseIndex: number;
  formatVersion: number;
  fingerprint: string;
  /** False when no codec is known for the fingerprint: records are CRC-checked but not decoded. */
  decodable: boolean;
  records: number;
  /** 0 when the segment holds no readable record. */
  firstIndex: number;
  lastIndex: number;
  minTerm: number;
  maxTerm: number;
  /** The file's length, preallocated space included. */
  bytes: number;
  /** Zero-filled space after the last record of the last segment, kept for the next records. */
  preallocatedBytes: number;
}

export interface LogProblem {
  /** 'torn-tail' is repaired by the next open (the tail is cut); 'corruption' refuses to open. */
  kind: 'torn-tail' | 'corruption';
  path: string;
  offset: number;
  /** The index the bad record holds or should hold (0 when unknown). */
  index: number;
  reason: string;
}

export interface LogExamination {
  segments: SegmentSummary[];
  problems: LogProblem[];
}

/** One record as examine() passes it to a visitor. */
export interface VisitedRecord<E> {
  path: string;
  offset: number;
  size: number;
  entry: E;
}

export interface ExamineOptions<E extends LogEntryShape> {
  /** The codec for a fingerprint (current or older). */
  resolveCodec: CodecResolver<E>;
  /** Called with each decoded record whose index is within [from, to]. */
  visit?: (record: VisitedRecord<E>) => void;
  from?: number;
  to?: number;
}

export async function examineLog<E extends LogEntryShape>(logDir: string, options: ExamineOptions<E>): Promise<LogExamination> {
  const files = await listSegmentFiles(logDir);
  const segments: SegmentSummary[] = [];
  const problems: LogProblem[] = [];
  let expectedNext = 0; // the index the next segment should start at; 0 before the first

  for (let i = 0; i < files.length; i++) {
    const { path, baseIndex: namedBase } = files[i]!;
    const isLast = i === files.length - 1;
    const file = await readSegmentFile(path);
    if (typeof file.header === 'string') {
      const torn = isLast && file.bytes.length < HEADER_BYTES;
      problems.push({ kind: torn ? 'torn-tail' : 'corruption', path, offset: 0, index: namedBase, reason: file.header });
      continue;
    }
    const header = file.header;
    if (header.baseIndex !== namedBase) {
      problems.push({ kind: 'corruption', path, offset: 0, index: namedBase, reason: `header says base index ${header.baseIndex}, the name says ${namedBase}` });
    }
    if (expectedNext !== 0 && header.baseIndex !== expectedNext) {
      problems.push({ kind: 'corruption', path, offset: 0, index: expectedNext, reason: `segment starts at index ${header.baseIndex}; expected ${expectedNext}` });
    }
    const codec = resolveOrUndefined(options.resolveCodec, header.fingerprint);
    if (!codec) {
      problems.push({ kind: 'corruption', path, offset: 0, index: header.baseIndex, reason: `unknown entry schema fingerprint ${fingerprintHex(header.fingerprint)}` });
    }
    const summary: SegmentSummary = {
      path,
      baseIndex: header.baseIndex,
      formatVersion: header.version,
      fingerprint: fingerprintHex(header.fingerprint),
      decodable: codec !== undefined,
      records: 0,
      firstIndex: 0,
      lastIndex: 0,
      minTerm: 0,
      maxTerm: 0,
      bytes: file.bytes.length,
      preallocatedBytes: 0,
    };
    segments.push(summary);

    let next = header.baseIndex;
    let complete = true;
    for (const record of scanRecords(file.bytes)) {
      if (!record.ok) {
        if (isLast && isPreallocatedTail(file.bytes, record.offset)) {
          summary.preallocatedBytes = file.bytes.length - record.offset;
          break;
        }
        complete = false;
        const torn = isLast && isTornTail(file.bytes, record);
        problems.push({ kind: torn ? 'torn-tail' : 'corruption', path, offset: record.offset, index: next, reason: record.reason });
        break;
      }
      summary.records++;
      if (!codec) {
        next++;
        continue;
      }
      const { index, term } = codec.peekIndexTerm(record.payload);
      if (index !== next) {
        problems.push({ kind: 'corruption', path, offset: record.offset, index: next, reason: `record holds index ${index}` });
        complete = false;
        break;
      }
      if (summary.firstIndex === 0) {
        summary.firstIndex = index;
        summary.minTerm = term;
      }
      summary.lastIndex = index;
      summary.minTerm = Math.min(summary.minTerm, term);
      summary.maxTerm = Math.max(summary.maxTerm, term);
      if (options.visit && index >= (options.from ?? 0) && index <= (options.to ?? Infinity)) {
        options.visit({ path, offset: record.offset, size: record.size, entry: codec.decode(record.payload) });
      }
      next++;
    }
    // After a bad record the segment's true end is unknown: do not blame the next one for it.
    expectedNext = complete ? next : 0;
  }
  return { segments, problems };
}

/** A resolver from a current codec and, optionally, older ones. */
export function codecResolver<E extends LogEntryShape>(current: LogCodec<E>, older?: CodecResolver<E>): CodecResolver<E> {
  return (fingerprint) => (sameFingerprint(fingerprint, current.fingerprint) ? current : older?.(fingerprint));
}

function resolveOrUndefined<E extends LogEntryShape>(resolve: CodecResolver<E>, fingerprint: Uint8Array): LogCodec<E> | undefined {
  try {
    return resolve(fingerprint);
  } catch {
    return undefined; // resolvers may throw for an unknown fingerprint; it is reported as a problem
  }
}
