// One segment's in-memory state: where each record sits in the file and its term, so that
// term(index) needs no I/O and a read of a range is one positioned read.
import type { FileHandle } from 'node:fs/promises';
import type { LogCodec, LogEntryShape } from './codec.js';
import { HEADER_BYTES } from './format.js';

export class Segment<E extends LogEntryShape> {
  /** File offset of each record's frame; record i holds index baseIndex + i. */
  readonly offsets: number[] = [];
  readonly terms: number[] = [];
  /** Logical size: the header plus every record appended, written to disk yet or not. */
  size = HEADER_BYTES;
  /**
   * The file's length once every queued write, preallocation and truncation has run: `size` plus
   * the zero-filled space preallocated after it (SegmentedLogOptions.preallocateBytes).
   */
  fileEnd = HEADER_BYTES;
  /** Opened for the last segment and for reads; closed when the segment is deleted or the log closes. */
  handle: FileHandle | undefined;
  private readers = 0;
  private closeWhenIdle = false;

  constructor(
    readonly path: string,
    readonly baseIndex: number,
    /** The codec matching this segment's header fingerprint. */
    readonly codec: LogCodec<E>,
  ) {}

  get count(): number {
    return this.offsets.length;
  }

  /** The last index held, or baseIndex - 1 when empty. */
  get lastIndex(): number {
    return this.baseIndex + this.offsets.length - 1;
  }

  holds(index: number): boolean {
    return index >= this.baseIndex && index <= this.lastIndex;
  }

  addRecord(term: number, recordSize: number): void {
    this.offsets.push(this.size);
    this.terms.push(term);
    this.size += recordSize;
    if (this.size > this.fileEnd) this.fileEnd = this.size;
  }

  /** Drops index fromIndex and after from memory; returns the new file size. */
  trimFrom(fromIndex: number): number {
    const keep = fromIndex - this.baseIndex;
    if (keep < this.offsets.length) {
      this.size = this.offsets[keep]!;
      this.offsets.length = keep;
      this.terms.length = keep;
    }
    return this.size;
  }

  /** File offset just past record i. */
  endOfRecord(i: number): number {
    return i + 1 < this.offsets.length ? this.offsets[i + 1]! : this.size;
  }

  // Reads hold the handle open while a positioned read is in flight, so that deleting the
  // segment (dropPrefix, truncation) never closes a handle under a reader.
  retain(): FileHandle {
    if (!this.handle) throw new Error(`segment ${this.path} has no open handle`);
    this.readers++;
    return this.handle;
  }

  async release(): Promise<void> {
    this.readers--;
    if (this.readers === 0 && this.closeWhenIdle) await this.closeHandle();
  }

  /** Closes the handle now, or after the last reader when reads are in flight. */
  async closeHandle(): Promise<void> {
    if (this.readers > 0) {
      this.closeWhenIdle = true;
      return;
    }
    const handle = this.handle;
    this.handle = undefined;
    if (handle) await handle.close();
  }
}
