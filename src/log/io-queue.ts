// Serializes every change to the files of the log and group-commits appends.
//
// Appends issued while the queue is busy (or during the current event-loop turn, when it is idle)
// coalesce into one write task per segment: one positioned write of the concatenated records and
// one fdatasync (or only the write, when the file is opened with O_DSYNC: writeThrough), after
// which every append in the task resolves. While a task is syncing, the next
// accumulates (pipelined group commit). Other file operations (create, truncate, delete) run as
// tasks in the same order, so the disk always sees the operations in the order they were issued.
//
// The first failure is final: the failed task and every queued one reject with LogFailedError,
// and so does anything queued later.
import type { FileHandle } from 'node:fs/promises';
import { LogFailedError } from './errors.js';
import { writeFully } from './fs-util.js';
import { trace } from '../trace.js';

export type SyncFile = (handle: FileHandle) => Promise<void>;

/** Runs around one durable write (write + sync, or a write-through write); must call `write`. */
export type DurableWriteHook = (write: () => Promise<void>) => Promise<void>;

export interface IoQueueOptions {
  /** The files are opened with O_DSYNC: a write is durable when it returns, no fsync follows it. */
  writeThrough?: boolean;
  around?: DurableWriteHook;
}

interface Completion {
  promise: Promise<void>;
  resolve: () => void;
  reject: (err: Error) => void;
}

function completion(): Completion {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Nobody may be waiting on a completion (e.g. a truncation nobody awaits); a failure is still
  // reported to every later caller through LogFailedError, so an unobserved one is not lost.
  promise.catch(() => {});
  return { promise, resolve, reject };
}

interface WriteTask {
  kind: 'write';
  /** Identifies the file: writes to different segments never coalesce. */
  target: object;
  handle: () => FileHandle;
  position: number;
  chunks: Buffer[];
  bytes: number;
  done: Completion;
}

interface OpTask {
  kind: 'op';
  run: () => Promise<void>;
  done: Completion;
}

type Task = WriteTask | OpTask;

export class IoQueue {
  private readonly tasks: Task[] = [];
  private draining = false;
  private failure: LogFailedError | undefined;
  private last: Promise<void> = Promise.resolve();

  constructor(
    private readonly syncFile: SyncFile,
    private readonly options: IoQueueOptions = {},
  ) {}

  get failed(): LogFailedError | undefined {
    return this.failure;
  }

  /**
   * Queues bytes to be written at `position` of a file and made durable. `position` must be where
   * the previous write to the same target ended. Resolves when the bytes are synced.
   */
  write(target: object, handle: () => FileHandle, position: number, chunks: Buffer[], bytes: number): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    const tail = this.tasks[this.tasks.length - 1];
    if (tail?.kind === 'write' && tail.target === target && tail.position + tail.bytes === position) {
      for (const chunk of chunks) tail.chunks.push(chunk);
      tail.bytes += bytes;
      return tail.done.promise;
    }
    return this.enqueue({ kind: 'write', target, handle, position, chunks: [...chunks], bytes, done: completion() });
  }

  /** Queues a file operation to run after everything queued before it. */
  run(op: () => Promise<void>): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return this.enqueue({ kind: 'op', run: op, done: completion() });
  }

  /** Resolves (or rejects) when everything queued so far has completed. */
  settled(): Promise<void> {
    return this.last;
  }

  private enqueue(task: Task): Promise<void> {
    this.tasks.push(task);
    this.last = task.done.promise;
    if (!this.draining) {
      this.draining = true;
      // Let every append issued in this synchronous run join the first task (a microtask, not a
      // setImmediate: the ready loop appends a whole Ready at once, and the fsync is on a write's path).
      queueMicrotask(() => void this.drain());
    }
    return task.done.promise;
  }

  private async drain(): Promise<void> {
    let task: Task | undefined;
    while ((task = this.tasks.shift())) {
      try {
        if (task.kind === 'write') await this.execWrite(task);
        else await task.run();
        task.done.resolve();
      } catch (err) {
        this.failure = new LogFailedError(err);
        task.done.reject(this.failure);
        for (const rest of this.tasks.splice(0)) rest.done.reject(this.failure);
      }
    }
    this.draining = false;
  }

  private async execWrite(task: WriteTask): Promise<void> {
    trace('io-start', task.bytes);
    const handle = task.handle();
    const buffer = task.chunks.length === 1 ? task.chunks[0]! : Buffer.concat(task.chunks, task.bytes);
    const write = async (): Promise<void> => {
      await writeFully(handle, buffer, task.position);
      trace('io-written', task.bytes);
      if (!this.options.writeThrough) await this.syncFile(handle);
      trace('io-synced', task.bytes);
    };
    await (this.options.around ? this.options.around(write) : write());
  }
}
