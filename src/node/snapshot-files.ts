// The snapshot files of one node: <node dir>/snap/<index>-<term>.snap (format: src/store/snapshot-codec.ts).
//
// A snapshot is written to `<name>.tmp`, fdatasync'ed, renamed into place and the directory
// fsynced, so a crash leaves either no file or a complete one; a leftover `.tmp` is deleted at the
// next start. Loading tries the newest file first and falls back to older ones when a file fails
// its checks, logging which file was skipped and why.
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { fsyncDirectory, writeFully } from '../log/fs-util.js';
import { decodeSnapshot, type DecodedSnapshot } from '../store/snapshot-codec.js';

const SNAP_SUBDIR = 'snap';
const NAME = /^(\d+)-(\d+)\.snap$/;

export interface SnapshotFileInfo {
  path: string;
  index: number;
  term: number;
  bytes: number;
}

export interface LoadedSnapshot extends DecodedSnapshot {
  path: string;
  /** The file's bytes: what Raft sends to a lagging follower. */
  data: Buffer;
}

export function snapshotDir(nodeDir: string): string {
  return join(nodeDir, SNAP_SUBDIR);
}

export function snapshotFileName(index: number, term: number): string {
  return `${index}-${term}.snap`;
}

/** The complete snapshot files, newest (highest index) first. */
export async function listSnapshotFiles(nodeDir: string): Promise<SnapshotFileInfo[]> {
  const dir = snapshotDir(nodeDir);
  const names = await readdir(dir).catch(() => [] as string[]);
  const found: SnapshotFileInfo[] = [];
  for (const name of names) {
    const match = NAME.exec(name);
    if (!match) continue;
    const path = join(dir, name);
    found.push({ path, index: Number(match[1]), term: Number(match[2]), bytes: (await stat(path)).size });
  }
  return found.sort((a, b) => b.index - a.index || b.term - a.term);
}

/**
 * Writes a snapshot from its parts (crash-safe: temp file, fdatasync, rename, directory fsync).
 * With `keepBytes`, also returns the whole file as one buffer.
 */
export async function writeSnapshotFile(
  nodeDir: string,
  meta: { index: number; term: number },
  parts: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  keepBytes = false,
): Promise<{ path: string; bytes: number; data: Buffer | null }> {
  const dir = snapshotDir(nodeDir);
  if (await mkdir(dir, { recursive: true })) await fsyncDirectory(nodeDir); // snap/ itself is durable
  const path = join(dir, snapshotFileName(meta.index, meta.term));
  const tmp = `${path}.tmp`;
  const kept: Uint8Array[] = [];
  let bytes = 0;
  const fh = await open(tmp, 'w');
  try {
    for await (const part of parts) {
      await writeFully(fh, part, bytes);
      bytes += part.length;
      if (keepBytes) kept.push(part);
    }
    await fh.datasync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
  await fsyncDirectory(dir);
  return { path, bytes, data: keepBytes ? Buffer.concat(kept, bytes) : null };
}

/**
 * The newest snapshot that reads back intact and that `usable` accepts (e.g. one the log can
 * continue from), or null. Each file skipped is logged with the reason.
 */
export async function loadNewestSnapshot(
  nodeDir: string,
  logger: Logger | undefined,
  usable: (s: DecodedSnapshot) => string | null = () => null,
): Promise<LoadedSnapshot | null> {
  for (const file of await listSnapshotFiles(nodeDir)) {
    try {
      const data = await readFile(file.path);
      const decoded = decodeSnapshot(data);
      if (decoded.meta.index !== file.index || decoded.meta.term !== file.term) {
        throw new Error(`its head says index ${decoded.meta.index} term ${decoded.meta.term}, its name says otherwise`);
      }
      const refusal = usable(decoded);
      if (refusal) throw new Error(refusal);
      return { ...decoded, path: file.path, data };
    } catch (err) {
      logger?.error({ file: file.path, reason: (err as Error).message }, 'skipping an unusable snapshot; falling back to an older one or to the log');
    }
  }
  return null;
}

/** Deletes every snapshot but the `keep` newest, and any temp file a crash left behind. */
export async function pruneSnapshotFiles(nodeDir: string, keep: number): Promise<string[]> {
  const dir = snapshotDir(nodeDir);
  const names = await readdir(dir).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of names.filter((n) => n.endsWith('.snap.tmp'))) {
    await rm(join(dir, name), { force: true });
    removed.push(join(dir, name));
  }
  for (const file of (await listSnapshotFiles(nodeDir)).slice(keep)) {
    await rm(file.path, { force: true });
    removed.push(file.path);
  }
  if (removed.length > 0) await fsyncDirectory(dir);
  return removed;
}
