// The segmented append-only log of one node (see DESIGN.md "On disk" and format.ts).
//
// Memory holds, per segment, each record's file offset and term; the files hold the records.
// Every mutation updates memory at once (so lastIndex() moves as soon as append() is called and
// the next append can follow it in the same turn) and queues its file work on the IoQueue, which
// applies it in order; the returned promise resolves when that work is durable.
import { constants as fsConstants } from 'node:fs';
import { mkdir, open, rm, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import { fingerprintHex, type CodecResolver, type LogCodec, type LogEntryShape } from './codec.js';
import { LogAppendOrderError, LogClosedError, LogCorruptionError, LogIndexRangeError } from './errors.js';
import { FRAME_HEADER_BYTES, frameHeader } from '../codec/framing.js';
import { encodeHeader, segmentFileName } from './format.js';
import { fsyncDirectory, writeFully } from './fs-util.js';
import { IoQueue, type DurableWriteHook, type SyncFile } from './io-queue.js';
import { DirectoryLock } from './lock.js';
import { recoverSegments } from './recovery.js';
import { Segment } from './segment.js';
import { checkRecord } from './segment-reader.js';

export const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;
/** How many record bytes stream() reads at a time. */
const STREAM_CHUNK_BYTES = 1024 * 1024;

export interface SegmentedLogOptions<E extends LogEntryShape> {
  /** Encodes new entries; its fingerprint goes into the header of every new segment. */
  codec: LogCodec<E>;
  /** Decoders for segments written with older entry schemas, by header fingerprint. */
  resolveCodec?: CodecResolver<E>;
  /** A segment rolls before a record would take it past this size. Default 64 MiB. */
  segmentBytes?: number;
  logger?: Logger;
  /** Makes a file's written bytes durable. Default: fdatasync. Injectable for tests. */
  fsync?: SyncFile;
  /**
   * Open segments with O_DSYNC, so that a write is durable when it returns: a group commit is then
   * one system call and one thread-pool round trip instead of two (write, then fsync), which on a
   * busy 2-core machine is a measurable part of a write's latency. `fsync` still runs after the
   * other file operations (segment creation, truncation). Default false.
   */
  writeThrough?: boolean;
  /**
   * Keep this many bytes zero-filled ahead of the last record of the last segment (0: none, the
   * default). An O_DSYNC write or fdatasync that extends a file must also commit its new size through
   * the file system's journal; into space already written it is a data write only. On the
   * development machine's ext4 that took a 400-byte O_DSYNC write from 0.17 to 0.12-0.16 ms, and with
   * three logs writing at once 4 KiB writes from 0.35-0.39 to 0.20-0.22 ms (docs/performance.md).
   * The space is filled (and synced) in the write queue when less than half of it is left, never
   * past segmentBytes; a segment is cut back to its records when it is sealed.
   */
  preallocateBytes?: number;
  /** Wraps each group commit's durable write (the node's disk failpoint and fsync-latency metric). */
  aroundDurableWrite?: DurableWriteHook;
  /** Take the exclusive flock on <dir>/LOCK. Default true. */
  lock?: boolean;
}

export interface SegmentInfo {
  path: string;
  baseIndex: number;
  /** 0 when the segment holds no entry (only the last one can be empty). */
  firstIndex: number;
  lastIndex: number;
  entries: number;
  bytes: number;
  /** Every segment but the last is sealed: never written again. */
  sealed: boolean;
  fingerprint: string;
}

export class SegmentedLog<E extends LogEntryShape> {
  private closed = false;
  /** Highest index known to be on disk; reads above it wait for the queue. */
  private durableIndex: number;
  /** Bumped by truncation and reset, so that an older append's completion cannot raise durableIndex. */
  private epoch = 0;

  private constructor(
    private readonly logDir: string,
    private readonly list: Segment<E>[],
    private readonly codec: LogCodec<E>,
    private readonly segmentBytes: number,
    private readonly syncFile: SyncFile,
    private readonly writeThrough: boolean,
    private readonly io: IoQueue,
    private readonly lock: DirectoryLock | undefined,
    private readonly preallocateBytes: number,
    private readonly logger: Logger | undefined,
  ) {
    this.durableIndex = this.lastIndex();
  }

  /**
   * Opens (creating if needed) the log of a node directory: segments in <dir>/log, the lock on
   * <dir>/LOCK. Recovers a torn tail; refuses to open a corrupted log (LogCorruptionError).
   */
  static async open<E extends LogEntryShape>(dir: string, options: SegmentedLogOptions<E>): Promise<SegmentedLog<E>> {
    const started = Date.now();
    const created = await mkdir(dir, { recursive: true });
    if (created) await fsyncDirectory(dirname(dir)); // the new node directory's entry is durable
    const lock = options.lock === false ? undefined : await DirectoryLock.acquire(dir);
    const syncFile: SyncFile = options.fsync ?? ((handle) => handle.datasync());
    const writeThrough = options.writeThrough ?? false;
    const logDir = join(dir, 'log');
    const segments: Segment<E>[] = [];
    try {
      segments.push(...(await recoverSegments(logDir, { ...options, syncFile })));
      for (const segment of segments) segment.handle = await open(segment.path, openFlags(writeThrough, false));
    } catch (err) {
      for (const segment of segments) await segment.closeHandle();
      await lock?.release();
      throw err;
    }
    const segmentBytes = options.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
    const io = new IoQueue(syncFile, { writeThrough, around: options.aroundDurableWrite });
    const log = new SegmentedLog(
      logDir, segments, options.codec, segmentBytes, syncFile, writeThrough, io, lock, options.preallocateBytes ?? 0, options.logger,
    );
    options.logger?.info(
      { dir: logDir, segments: segments.length, firstIndex: log.firstIndex(), lastIndex: log.lastIndex(), ms: Date.now() - started },
      'log opened',
    );
    return log;
  }

  /** The first entry held; 0 when the log holds none. Moves up after dropPrefix. */
  firstIndex(): number {
    const first = this.list[0];
    return first && first.count > 0 ? first.baseIndex : 0;
  }

  /** The last entry held; when none is held, the index the next append must follow (0 for a new log). */
  lastIndex(): number {
    const last = this.list[this.list.length - 1];
    return last ? last.lastIndex : 0;
  }

  /** The term of a held entry, from memory; undefined when the log does not hold it. */
  term(index: number): number | undefined {
    const segment = this.segmentHolding(index);
    return segment?.terms[index - segment.baseIndex];
  }

  /**
   * Appends entries; entries[0].index must be lastIndex() + 1 and the rest consecutive. Memory
   * moves at once; the promise resolves once the entries are durable (group-committed with every
   * append of the same event-loop turn, or issued while the previous batch was syncing).
   */
  append(entries: readonly E[]): Promise<void> {
    const unusable = this.unusable();
    if (unusable) return Promise.reject(unusable);
    const expected = this.lastIndex() + 1;
    for (let i = 0; i < entries.length; i++) {
      if (entries[i]!.index !== expected + i) return Promise.reject(new LogAppendOrderError(expected + i, entries[i]!.index));
    }
    if (entries.length === 0) return Promise.resolve();
    let payloads: Buffer[];
    try {
      payloads = entries.map((entry) => this.codec.encode(entry)); // all or nothing: encode before changing anything
    } catch (err) {
      return Promise.reject(err);
    }
    let durable!: Promise<void>;
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i]!;
      const payload = payloads[i]!;
      const recordSize = FRAME_HEADER_BYTES + payload.length;
      const segment = this.segmentForAppend(entry.index, recordSize);
      const position = segment.size;
      segment.addRecord(entry.term, recordSize);
      durable = this.io.write(segment, () => segment.handle!, position, [frameHeader(payload), payload], recordSize);
    }
    this.preallocateAhead(this.list[this.list.length - 1]!);
    const last = entries[entries.length - 1]!.index;
    const epoch = this.epoch;
    return durable.then(() => {
      if (epoch === this.epoch && last > this.durableIndex) this.durableIndex = last;
    });
  }

  /**
   * Entries [from, toExclusive), stopping early once more than maxBytes of records would be
   * returned (at least one entry is always returned). Waits for entries not yet on disk.
   */
  async read(from: number, toExclusive: number, maxBytes = Infinity): Promise<E[]> {
    this.checkReadable(from, toExclusive);
    if (from === toExclusive) return [];
    if (toExclusive - 1 > this.durableIndex) {
      await this.io.settled().catch(() => {});
      this.checkReadable(from, toExclusive);
    }
    const entries: E[] = [];
    let budget = maxBytes;
    let index = from;
    while (index < toExclusive) {
      const segment = this.segmentHolding(index);
      if (!segment) {
        // Truncated or dropped while an earlier part of this read was in flight.
        this.checkReadable(index, toExclusive);
        throw new LogIndexRangeError(String(index), this.firstIndex(), this.lastIndex());
      }
      const first = index - segment.baseIndex;
      const start = segment.offsets[first]!;
      const limit = Math.min(toExclusive - segment.baseIndex, segment.count);
      let end = first + 1;
      if (entries.length > 0 && segment.endOfRecord(first) - start > budget) break;
      while (end < limit && segment.endOfRecord(end) - start <= budget) end++;
      const stop = segment.endOfRecord(end - 1);
      const offsets = segment.offsets.slice(first, end); // memory may be trimmed while we read
      const bytes = await this.readBytes(segment, start, stop, from, toExclusive);
      for (let i = first; i < end; i++) {
        const offset = offsets[i - first]!;
        const record = checkRecord(bytes, offset - start);
        if (!record.ok) throw new LogCorruptionError(segment.path, offset, segment.baseIndex + i, record.reason);
        entries.push(segment.codec.decode(record.payload));
      }
      budget -= stop - start;
      index = segment.baseIndex + end;
      if (end < limit) break; // the byte budget ran out inside this segment
    }
    return entries;
  }

  /** Streams entries [from, toExclusive) (default: to the last index at the time of the call). */
  async *stream(from: number, toExclusive = this.lastIndex() + 1): AsyncIterable<E> {
    let next = from;
    while (next < toExclusive) {
      const batch = await this.read(next, toExclusive, STREAM_CHUNK_BYTES);
      for (const entry of batch) yield entry;
      next += batch.length;
    }
  }

  /**
   * Removes fromIndex and every entry after it (a Raft conflict). Truncating into a sealed
   * segment deletes the segments after it, trims it (it stays sealed) and starts a new, empty
   * last segment at fromIndex. Resolves when the change is durable.
   */
  truncateSuffix(fromIndex: number): Promise<void> {
    const unusable = this.unusable();
    if (unusable) return Promise.reject(unusable);
    if (fromIndex > this.lastIndex()) return Promise.resolve();
    const firstIndex = this.firstIndex();
    if (firstIndex === 0 || fromIndex < firstIndex) {
      return Promise.reject(new LogIndexRangeError(String(fromIndex), firstIndex, this.lastIndex()));
    }
    this.epoch++;
    this.durableIndex = Math.min(this.durableIndex, fromIndex - 1);
    const position = this.positionOf(fromIndex);
    const segment = this.list[position]!;
    if (position === this.list.length - 1) return this.trimFile(segment, segment.trimFrom(fromIndex));

    const removeFrom = segment.baseIndex === fromIndex ? position : position + 1;
    const removed = this.list.splice(removeFrom);
    this.deleteFiles(removed.reverse()); // newest first: a crash leaves a contiguous log
    if (segment.baseIndex < fromIndex) void this.trimFile(segment, segment.trimFrom(fromIndex));
    return this.createSegment(fromIndex);
  }

  /**
   * Deletes every whole segment whose entries are all below uptoIndex (never the last one).
   * Resolves to the number of bytes freed, once the deletion is durable.
   */
  dropPrefix(uptoIndex: number): Promise<number> {
    const unusable = this.unusable();
    if (unusable) return Promise.reject(unusable);
    let count = 0;
    while (count < this.list.length - 1 && this.list[count]!.lastIndex < uptoIndex) count++;
    if (count === 0) return Promise.resolve(0);
    const removed = this.list.splice(0, count);
    const freed = removed.reduce((sum, segment) => sum + segment.size, 0);
    return this.deleteFiles(removed).then(() => freed); // oldest first: a crash leaves a contiguous log
  }

  /**
   * Discards every entry; the next append must be nextIndex (after installing a snapshot that
   * covers everything before it). Resolves when durable.
   */
  reset(nextIndex: number): Promise<void> {
    const unusable = this.unusable();
    if (unusable) return Promise.reject(unusable);
    if (!Number.isSafeInteger(nextIndex) || nextIndex < 1) return Promise.reject(new RangeError(`bad next index ${nextIndex}`));
    this.epoch++;
    this.durableIndex = nextIndex - 1;
    this.deleteFiles(this.list.splice(0).reverse());
    return this.createSegment(nextIndex);
  }

  /** Bytes of every segment, including appends not yet durable. */
  sizeBytes(): number {
    return this.list.reduce((sum, segment) => sum + segment.size, 0);
  }

  segments(): SegmentInfo[] {
    return this.list.map((segment, i) => ({
      path: segment.path,
      baseIndex: segment.baseIndex,
      firstIndex: segment.count > 0 ? segment.baseIndex : 0,
      lastIndex: segment.count > 0 ? segment.lastIndex : 0,
      entries: segment.count,
      bytes: segment.size,
      sealed: i < this.list.length - 1,
      fingerprint: fingerprintHex(segment.codec.fingerprint),
    }));
  }

  /** Waits for queued work, closes the files and releases the lock. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.io.settled().catch(() => {});
    for (const segment of this.list) await segment.closeHandle();
    await this.lock?.release();
  }

  // ------------------------------------------------------------------ internals

  private unusable(): Error | undefined {
    if (this.closed) return new LogClosedError();
    return this.io.failed;
  }

  private checkReadable(from: number, toExclusive: number): void {
    const unusable = this.unusable();
    if (unusable) throw unusable;
    const first = this.firstIndex();
    const last = this.lastIndex();
    const empty = from === toExclusive && from >= 1 && from <= last + 1;
    if (!empty && (first === 0 || from < first || toExclusive > last + 1 || from > toExclusive)) {
      throw new LogIndexRangeError(`range [${from}, ${toExclusive})`, first, last);
    }
  }

  /** Position in the list of the segment whose base is the greatest <= index. */
  private positionOf(index: number): number {
    let low = 0;
    let high = this.list.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.list[mid]!.baseIndex <= index) low = mid;
      else high = mid - 1;
    }
    return low;
  }

  private segmentHolding(index: number): Segment<E> | undefined {
    if (this.list.length === 0) return undefined;
    const segment = this.list[this.positionOf(index)]!;
    return segment.holds(index) ? segment : undefined;
  }

  /** The last segment, or a new one when it is full or written with an older schema. */
  private segmentForAppend(index: number, recordSize: number): Segment<E> {
    const active = this.list[this.list.length - 1];
    if (active && active.codec === this.codec && (active.count === 0 || active.size + recordSize <= this.segmentBytes)) {
      return active;
    }
    if (active && active.count === 0) {
      // An empty last segment with an older schema: replace it rather than leave an empty sealed one.
      this.deleteFiles(this.list.splice(-1));
    } else if (active && active.fileEnd > active.size) {
      void this.trimFile(active, active.size); // sealed: its preallocated space goes
    }
    void this.createSegment(index);
    return this.list[this.list.length - 1]!;
  }

  private createSegment(baseIndex: number): Promise<void> {
    const segment = new Segment<E>(join(this.logDir, segmentFileName(baseIndex)), baseIndex, this.codec);
    this.list.push(segment);
    return this.io.run(async () => {
      segment.handle = await open(segment.path, openFlags(this.writeThrough, true));
      await writeFully(segment.handle, encodeHeader(baseIndex, this.codec.fingerprint), 0);
      await this.syncFile(segment.handle);
      await fsyncDirectory(this.logDir);
    });
  }

  private deleteFiles(segments: Segment<E>[]): Promise<void> {
    if (segments.length === 0) return Promise.resolve();
    return this.io.run(async () => {
      for (const segment of segments) {
        await segment.closeHandle();
        await rm(segment.path);
      }
      await fsyncDirectory(this.logDir);
    });
  }

  /**
   * Zero-fills the next preallocateBytes of the last segment once less than half of its
   * preallocated space is left. Queued behind the writes already issued, so it never overlaps
   * them; the writes issued later land in the filled space. A failure only costs the speed-up: the
   * next write extends the file as it would without preallocation.
   */
  private preallocateAhead(segment: Segment<E>): void {
    if (this.preallocateBytes <= 0 || segment.fileEnd - segment.size >= this.preallocateBytes / 2) return;
    const from = segment.fileEnd;
    const to = Math.min(segment.size + this.preallocateBytes, this.segmentBytes);
    if (to <= from) return;
    segment.fileEnd = to;
    void this.io.run(async () => {
      const handle = segment.handle;
      if (!handle) return; // deleted meanwhile
      try {
        await writeFully(handle, Buffer.alloc(to - from), from);
        if (!this.writeThrough) await this.syncFile(handle);
      } catch (err) {
        this.logger?.warn({ err, file: segment.path, from, to }, 'could not preallocate log space; writes extend the file instead');
      }
    });
  }

  private trimFile(segment: Segment<E>, size: number): Promise<void> {
    segment.fileEnd = size;
    return this.io.run(async () => {
      const handle: FileHandle = segment.handle!;
      await handle.truncate(size);
      await this.syncFile(handle);
    });
  }

  private async readBytes(segment: Segment<E>, start: number, end: number, from: number, toExclusive: number): Promise<Buffer> {
    const bytes = Buffer.allocUnsafe(end - start);
    const handle = segment.retain();
    try {
      let done = 0;
      while (done < bytes.length) {
        const { bytesRead } = await handle.read(bytes, done, bytes.length - done, start + done);
        if (bytesRead === 0) {
          // The range was truncated away while we read, or the file is shorter than memory says.
          this.checkReadable(from, toExclusive);
          throw new LogCorruptionError(segment.path, start + done, from, 'file ends before a record the log holds');
        }
        done += bytesRead;
      }
    } finally {
      await segment.release();
    }
    return bytes;
  }
}

/** Read-write, O_DSYNC when writing through; `create` makes a new file and fails if one exists. */
function openFlags(writeThrough: boolean, create: boolean): number {
  const { O_RDWR, O_CREAT, O_EXCL, O_DSYNC } = fsConstants;
  return O_RDWR | (create ? O_CREAT | O_EXCL : 0) | (writeThrough ? O_DSYNC : 0);
}
