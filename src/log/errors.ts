// Typed errors of the segmented log. Each carries the facts an operator needs (file, offset,
// index, pid) as fields as well as in its message.

export class LogError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A record that fails its CRC or breaks the index sequence anywhere but the torn tail. */
export class LogCorruptionError extends LogError {
  constructor(
    readonly file: string,
    readonly offset: number,
    /** The index the bad record holds or should hold. */
    readonly index: number,
    readonly reason: string,
  ) {
    super(`log corrupted: ${file} at offset ${offset} (index ${index}): ${reason}`);
  }
}

/** A segment header that is malformed or names an entry schema nobody can decode. */
export class SegmentHeaderError extends LogError {
  constructor(readonly file: string, readonly reason: string) {
    super(`bad segment header in ${file}: ${reason}`);
  }
}

/** Another process holds the data directory's LOCK. */
export class LogLockedError extends LogError {
  constructor(readonly lockFile: string, readonly holderPid: number | undefined) {
    super(
      `${lockFile} is locked by another process` +
        (holderPid === undefined ? ' (its pid is unknown)' : ` (pid ${holderPid})`) +
        '; is another node running on this directory?',
    );
  }
}

/** An append whose first index does not follow the last index, or whose entries are not consecutive. */
export class LogAppendOrderError extends LogError {
  constructor(readonly expectedIndex: number, readonly gotIndex: number) {
    super(`append out of order: expected index ${expectedIndex}, got ${gotIndex}`);
  }
}

/** A read or truncation outside [firstIndex, lastIndex]. */
export class LogIndexRangeError extends LogError {
  constructor(readonly requested: string, readonly firstIndex: number, readonly lastIndex: number) {
    super(`index ${requested} is outside the log [${firstIndex}, ${lastIndex}]`);
  }
}

export class LogClosedError extends LogError {
  constructor() {
    super('the log is closed');
  }
}

/**
 * An earlier write, fsync, truncation or file operation failed. The in-memory view may be ahead
 * of the disk, so the log refuses further work; reopening recovers from what is on disk.
 */
export class LogFailedError extends LogError {
  constructor(cause: unknown) {
    super(`the log failed and must be reopened: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}
