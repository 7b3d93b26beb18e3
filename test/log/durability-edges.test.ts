// Durability edges with real files: a bad record that has intact records behind it in the last
// segment is corruption (never cut as a torn tail), and short writes are finished, not lost.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { open as openFile, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LogCorruptionError, SegmentedLog } from '../../src/log/index.js';
import { ShortWriteError, writeFully } from '../../src/log/fs-util.js';
import { makeEntries, testCodecV1, type TestEntry } from './test-codec.js';
import { withTempDir } from './temp-dir.js';
import { rejectsWith } from './rejects.js';

const open = (dir: string) => SegmentedLog.open<TestEntry>(dir, { codec: testCodecV1, segmentBytes: 1 << 20 });

/** Writes entries 1..last into one segment; returns its path and every record's offset. */
async function writeLog(dir: string, last: number): Promise<{ path: string; offsets: number[]; bytes: Buffer }> {
  const log = await open(dir);
  await log.append(makeEntries(1, last, () => 1, 10));
  const path = log.segments().at(-1)!.path;
  await log.close();
  const bytes = await readFile(path);
  const offsets: number[] = [];
  for (let at = 32; at < bytes.length; at += 8 + bytes.readUInt32LE(at)) offsets.push(at);
  return { path, offsets, bytes };
}

test('a zero-length record followed by intact records in the last segment is corruption, named by file and offset', () =>
  withTempDir(async (dir) => {
    const { path, offsets, bytes } = await writeLog(dir, 10);
    // Zero a whole record (frame and payload) in the middle: what a lost block looks like.
    const at = offsets[4]!;
    bytes.fill(0, at, offsets[5]!);
    await writeFile(path, bytes);
    const err = await rejectsWith(() => open(dir), LogCorruptionError);
    assert.is(err.file, path);
    assert.is(err.offset, at);
    assert.is(err.index, 5);
    assert.match(err.message, path);
    assert.match(err.message, `offset ${at}`);
    assert.match(err.reason, /zero length, followed by an intact record at offset \d+/);
    assert.is((await stat(path)).size, bytes.length, 'nothing was cut');
  }));

test('a record whose length runs past the end, with intact records behind it, is corruption', () =>
  withTempDir(async (dir) => {
    const { path, offsets, bytes } = await writeLog(dir, 10);
    const at = offsets[7]!;
    bytes.writeUInt32LE(1 << 24, at); // a length far beyond the file: looks "short"
    await writeFile(path, bytes);
    const err = await rejectsWith(() => open(dir), LogCorruptionError);
    assert.is(err.offset, at);
    assert.is(err.index, 8);
    assert.match(err.reason, /short payload, followed by an intact record at offset/);
  }));

test('zeros after the last intact record are preallocated space: kept at open, filled by the next appends', () =>
  withTempDir(async (dir) => {
    const { path, bytes } = await writeLog(dir, 10);
    await writeFile(path, Buffer.concat([bytes, Buffer.alloc(4096)]));
    const log = await open(dir);
    assert.is(log.lastIndex(), 10);
    assert.is((await stat(path)).size, bytes.length + 4096, 'nothing cut');
    await log.append(makeEntries(11, 12, () => 1, 10));
    await log.close();
    assert.is((await stat(path)).size, bytes.length + 4096, 'the appends went into the zeros');
    const reopened = await open(dir);
    assert.equal((await reopened.read(9, 13)).map((e) => e.index), [9, 10, 11, 12]);
    await reopened.close();
  }));

test('writeFully finishes a write the file system took only in part', () =>
  withTempDir(async (dir) => {
    const file = join(dir, 'short');
    const real = await openFile(file, 'w+');
    const calls: number[] = [];
    // A handle that writes at most 7 bytes per call, as a full disk or a signal can make write(2) do.
    const stingy = {
      write: (buf: Uint8Array, offset: number, length: number, position: number) => {
        calls.push(length);
        return real.write(buf, offset, Math.min(7, length), position);
      },
    } as unknown as Parameters<typeof writeFully>[0];
    const payload = Buffer.from(Array.from({ length: 100 }, (_, i) => i));
    await writeFully(stingy, payload, 5);
    await real.close();
    const onDisk = await readFile(file);
    assert.equal(onDisk.subarray(5), payload);
    assert.is(calls.length, Math.ceil(100 / 7));
  }));

test('writeFully fails instead of looping when a write makes no progress', async () => {
  const stuck = { write: async () => ({ bytesWritten: 0, buffer: Buffer.alloc(0) }) } as unknown as Parameters<typeof writeFully>[0];
  try {
    await writeFully(stuck, Buffer.alloc(10), 0);
    assert.unreachable('expected a ShortWriteError');
  } catch (err) {
    assert.instance(err, ShortWriteError);
    assert.is((err as ShortWriteError).code, 'EIO');
  }
});

test.run();
