// The data directory's LOCK: an exclusive, non-blocking flock held for the life of the process.
// The holder writes its pid into the file so that a second process can name it. The file itself
// is never deleted (deleting a lock file lets two processes lock two different inodes).
import fsExt from 'fs-ext';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { LogLockedError } from './errors.js';

function flock(fd: number, flags: 'exnb' | 'un'): Promise<void> {
  return new Promise((resolve, reject) => fsExt.flock(fd, flags, (err) => (err ? reject(err) : resolve())));
}

export class DirectoryLock {
  private constructor(readonly path: string, private handle: FileHandle | undefined) {}

  static async acquire(dir: string): Promise<DirectoryLock> {
    const path = join(dir, 'LOCK');
    const handle = await open(path, 'a+');
    try {
      await flock(handle.fd, 'exnb');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EAGAIN' && code !== 'EWOULDBLOCK') {
        await handle.close();
        throw err;
      }
      const content = (await handle.readFile('utf8')).trim();
      await handle.close();
      const pid = /^\d+$/.test(content) ? Number(content) : undefined;
      throw new LogLockedError(path, pid);
    }
    await handle.truncate(0);
    await handle.write(`${process.pid}\n`, 0);
    return new DirectoryLock(path, handle);
  }

  async release(): Promise<void> {
    const handle = this.handle;
    if (!handle) return;
    this.handle = undefined;
    await flock(handle.fd, 'un');
    await handle.close();
  }
}
