// The segmented append-only log: generic over a codec, knows nothing of Raft or the store.
export { SegmentedLog, DEFAULT_SEGMENT_BYTES, type SegmentedLogOptions, type SegmentInfo } from './segmented-log.js';
export { type LogCodec, type LogEntryShape, type CodecResolver, fingerprintHex, sameFingerprint } from './codec.js';
export {
  LogError,
  LogCorruptionError,
  SegmentHeaderError,
  LogLockedError,
  LogAppendOrderError,
  LogIndexRangeError,
  LogClosedError,
  LogFailedError,
} from './errors.js';
export { type SyncFile } from './io-queue.js';
export * as segmentFormat from './format.js';
export { scanRecords, checkRecord, isTornTail, readSegmentFile, type ScannedRecord, type GoodRecord, type BadRecord, type SegmentFile } from './segment-reader.js';
export { listSegmentFiles } from './recovery.js';
export { examineLog, codecResolver, type LogExamination, type LogProblem, type SegmentSummary, type VisitedRecord, type ExamineOptions } from './examine.js';
export { locateLog, LOG_SUBDIR, type LogLocation } from './paths.js';
