// The disk failpoint (tests and the chaos suite): a node started with KEEL_FAILPOINTS=1 checks,
// before each log write/fsync and raft-state save, whether `<nodeDir>/failpoint.disk` exists; if it
// says `enospc` or `eio`, that write fails with ENOSPC or EIO, as a full or dying disk would make
// it. Without the environment variable nothing is checked: production pays nothing.
import { readFile } from 'node:fs/promises';
import path from 'node:path';

export const FAILPOINT_ENV = 'KEEL_FAILPOINTS';
export const DISK_FAILPOINT_FILE = 'failpoint.disk';

const ERRORS: Record<string, { code: string; errno: number; message: string }> = {
  enospc: { code: 'ENOSPC', errno: -28, message: 'no space left on device' },
  eio: { code: 'EIO', errno: -5, message: 'i/o error' },
};

export class DiskFailpoint {
  private constructor(private readonly file: string) {}

  /** The failpoint of a node directory, or null when failpoints are off (the default). */
  static fromEnv(nodeDir: string, env: NodeJS.ProcessEnv = process.env): DiskFailpoint | null {
    return env[FAILPOINT_ENV] === '1' ? new DiskFailpoint(path.join(nodeDir, DISK_FAILPOINT_FILE)) : null;
  }

  /** Throws an fs-style error (code ENOSPC or EIO) when the failpoint file asks for one. */
  async check(): Promise<void> {
    let content: string;
    try {
      content = (await readFile(this.file, 'utf8')).trim().toLowerCase();
    } catch {
      return; // no file: the disk is fine
    }
    const fault = ERRORS[content];
    if (!fault) return;
    throw Object.assign(new Error(`${fault.code}: ${fault.message} (failpoint ${this.file})`), {
      code: fault.code, errno: fault.errno, syscall: 'write',
    });
  }
}
