import { open, type FileHandle } from 'node:fs/promises';

/** Makes a directory's entries (created, renamed, deleted files) durable. */
export async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** A write that made no progress: the file system accepted none of the bytes (treated as EIO). */
export class ShortWriteError extends Error {
  readonly code = 'EIO';
  constructor(readonly position: number, readonly remaining: number) {
    super(`write at offset ${position} made no progress (${remaining} bytes left)`);
    this.name = 'ShortWriteError';
  }
}

/**
 * Writes all of `bytes` at `position`. A positioned write may write fewer bytes than asked (a full
 * disk, a signal, a network file system); the rest is written by the next call. A write that
 * makes no progress at all fails rather than loop forever.
 */
export async function writeFully(handle: Pick<FileHandle, 'write'>, bytes: Uint8Array, position: number): Promise<void> {
  let written = 0;
  while (written < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, written, bytes.length - written, position + written);
    if (bytesWritten <= 0) throw new ShortWriteError(position + written, bytes.length - written);
    written += bytesWritten;
  }
}
