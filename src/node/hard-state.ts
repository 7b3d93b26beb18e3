// Raft's hard state (term, vote, commit) in `<node dir>/raft-state`: one small record, rewritten in
// place. The term and vote must be durable before any message that depends on them is sent, so a
// change to either is fdatasync'ed; a change of commit alone is written without a sync (a restarted
// node relearns the commit index from the leader, and never applies past its own log).
import fs from 'node:fs/promises';
import path from 'node:path';
import { crc32, frame, readFrame } from '../codec/framing.js';
import { fsyncDirectory, writeFully } from '../log/fs-util.js';

export interface PersistedHardState {
  term: number;
  vote: string;
  commit: number;
}

const MAGIC = Buffer.from('KHS2', 'latin1');
/** The first layout (u32 big-endian fields, crc before length), still read so an upgraded node starts. */
const LEGACY_MAGIC = 0x4b48_5331; // "KHS1"
const FILE = 'raft-state';
/** A change of commit alone is written at most this often. */
const LAZY_COMMIT_MS = 100;

export class HardStateFile {
  private constructor(
    private readonly fh: fs.FileHandle,
    private current: PersistedHardState,
    private readonly beforeWrite?: () => Promise<void>,
  ) {}

  /** `beforeWrite` runs before every write and may throw to fail it (the disk failpoint). */
  static async open(dir: string, beforeWrite?: () => Promise<void>): Promise<HardStateFile> {
    const file = path.join(dir, FILE);
    if (await createIfMissing(file)) await fsyncDirectory(dir); // the new file's entry is durable
    const fh = await fs.open(file, 'r+');
    const buf = await fh.readFile();
    return new HardStateFile(fh, decode(buf, file), beforeWrite);
  }

  get value(): PersistedHardState {
    return this.current;
  }

  /**
   * Records the new state. A change of term or vote resolves once it is durable; a change of commit
   * alone resolves at once and is written in the background within LAZY_COMMIT_MS (it must never
   * delay a Raft reply).
   * Writes happen one at a time, in order, always of the newest state.
   */
  save(next: PersistedHardState): Promise<void> {
    const mustSync = next.term !== this.current.term || next.vote !== this.current.vote;
    this.current = { ...next };
    if (!mustSync) {
      if (!this.lazyQueued) {
        // At most one write per LAZY_COMMIT_MS: on a busy node a write per commit was one more
        // thread-pool round trip per put, for a value a restarted node relearns from the leader.
        this.lazyQueued = true;
        setTimeout(() => {
          if (this.closed) return; // close() wrote the newest state
          this.enqueue(() => {
            this.lazyQueued = false;
            return this.write(false);
          }).catch((err: unknown) => { this.lazyError = err as Error; });
        }, LAZY_COMMIT_MS).unref();
      }
      return Promise.resolve();
    }
    return this.enqueue(() => this.write(true));
  }

  private lazyQueued = false;
  private closed = false;
  private lazyError: Error | null = null;
  private chain: Promise<void> = Promise.resolve();

  private enqueue(work: () => Promise<void>): Promise<void> {
    const run = this.chain.then(() => {
      if (this.lazyError) throw this.lazyError;
      return work();
    });
    this.chain = run.catch(() => {});
    return run;
  }

  private async write(sync: boolean): Promise<void> {
    const buf = encode(this.current);
    await this.beforeWrite?.();
    await writeFully(this.fh, buf, 0);
    if (sync) await this.fh.datasync();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.chain;
    await this.write(true).catch(() => {});
    await this.fh.close();
  }
}

/** Creates an empty file unless one exists; true when it was created. */
async function createIfMissing(file: string): Promise<boolean> {
  try {
    await (await fs.open(file, 'wx')).close();
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

// Layout: "KHS2" | one frame (src/codec/framing.ts: u32 length | u32 crc32 | payload) holding the
// state as JSON. A shorter rewrite leaves an old tail behind: the frame's length says where the
// payload ends. The record is far below one 512-byte sector, so the in-place rewrite is atomic on
// the disks we run on; a torn one would fail the CRC and stop the node rather than let it forget a
// vote. A file still in the first layout (KHS1) is read, and rewritten as KHS2 at the next save.
function encode(hs: PersistedHardState): Buffer {
  return Buffer.concat([MAGIC, frame(Buffer.from(JSON.stringify(hs)))]);
}

function decode(buf: Buffer, file: string): PersistedHardState {
  if (buf.length === 0) return { term: 0, vote: '', commit: 0 };
  let payload: Buffer | null;
  if (buf.subarray(0, 4).equals(MAGIC)) {
    const read = readFrame(buf, MAGIC.length);
    payload = read.ok ? read.payload : null;
  } else if (buf.length >= 12 && buf.readUInt32BE(0) === LEGACY_MAGIC) {
    payload = legacyPayload(buf);
  } else {
    throw new Error(`${file}: not a Keel raft-state file (bad magic)`);
  }
  if (payload === null) {
    throw new Error(`${file}: raft-state record fails its CRC; refusing to start (the term and vote cannot be trusted)`);
  }
  const hs = JSON.parse(payload.toString('utf8')) as PersistedHardState;
  return { term: hs.term, vote: hs.vote, commit: hs.commit };
}

/** KHS1: u32 magic | u32 crc | u32 length | payload, all big-endian. Null when the CRC fails. */
function legacyPayload(buf: Buffer): Buffer | null {
  const len = buf.readUInt32BE(8);
  const payload = buf.subarray(12, 12 + len);
  return payload.length === len && crc32(payload) === buf.readUInt32BE(4) ? payload : null;
}
