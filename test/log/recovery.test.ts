import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFile, open as openFile, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { LogCorruptionError, SegmentedLog, codecResolver, examineLog } from '../../src/log/index.js';
import { dataOf, makeEntries, testCodecV1, type TestEntry } from './test-codec.js';
import { withTempDir } from './temp-dir.js';
import { rejectsWith } from './rejects.js';

const open = (dir: string, logger?: pino.Logger) =>
  SegmentedLog.open<TestEntry>(dir, { codec: testCodecV1, segmentBytes: 1024, logger });

function capturingLogger(): { logger: pino.Logger; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const sink = new Writable({ write(chunk, _enc, done) { chunks.push(String(chunk)); done(); } });
  const logger = pino({ level: 'info' }, sink);
  return { logger, lines: () => chunks.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l)) };
}

/** Writes entries 1..last, closes, and returns the last segment's path and its last record's span. */
async function writeLog(dir: string, last: number): Promise<{ lastSegment: string; recordStart: number; fileSize: number }> {
  const log = await open(dir);
  await log.append(makeEntries(1, last, () => 1, 10));
  const info = log.segments().at(-1)!;
  await log.close();
  const bytes = await readFile(info.path);
  // Walk the frames to find where the last record starts.
  let offset = 32;
  let recordStart = offset;
  while (offset < bytes.length) {
    recordStart = offset;
    offset += 8 + bytes.readUInt32LE(offset);
  }
  return { lastSegment: info.path, recordStart, fileSize: bytes.length };
}

test('a torn last record, cut at every byte offset, recovers to the record before', () =>
  withTempDir(async (dir) => {
    const { lastSegment, recordStart, fileSize } = await writeLog(dir, 60);
    const pristine = join(dir, 'pristine');
    await copyFile(lastSegment, pristine);
    for (let cut = recordStart + 1; cut < fileSize; cut++) {
      await copyFile(pristine, lastSegment);
      await truncate(lastSegment, cut);
      const { logger, lines } = capturingLogger();
      const log = await open(dir, logger);
      assert.is(log.lastIndex(), 59, `cut at ${cut}`);
      assert.is((await stat(lastSegment)).size, recordStart, `file trimmed back to the record boundary (cut at ${cut})`);
      const warning = lines().find((l) => l.level === 40);
      assert.ok(warning, `a warning is logged for cut ${cut}`);
      assert.is(warning!.file, lastSegment);
      assert.is(warning!.offset, recordStart);
      assert.is(warning!.bytesCut, cut - recordStart);
      assert.is(warning!.firstLostIndex, 60);
      // The log goes on: the lost index is appended again.
      await log.append(makeEntries(60, 60, () => 2));
      assert.equal((await log.read(58, 61)).map((e) => e.term), [1, 1, 2]);
      await log.close();
    }
  }));

test('a last record with a bad CRC or a zero-filled tail is cut as a torn write', () =>
  withTempDir(async (dir) => {
    const { lastSegment, recordStart, fileSize } = await writeLog(dir, 60);
    const handle = await openFile(lastSegment, 'r+');
    await handle.write(Buffer.from([0xff]), 0, 1, fileSize - 1); // last payload byte
    await handle.write(Buffer.alloc(4096), 0, 4096, fileSize); // and zeros after it
    await handle.close();
    const log = await open(dir);
    assert.is(log.lastIndex(), 59);
    assert.is((await stat(lastSegment)).size, recordStart);
    await log.close();
  }));

test('a bad CRC in the last segment followed by an intact record is corruption, not a torn write', () =>
  withTempDir(async (dir) => {
    const { lastSegment, recordStart } = await writeLog(dir, 60);
    const bytes = await readFile(lastSegment);
    // The record before the last one: find it by walking from the header.
    let offset = 32;
    let previous = offset;
    while (offset < recordStart) {
      previous = offset;
      offset += 8 + bytes.readUInt32LE(offset);
    }
    bytes[previous + 12] ^= 0x01;
    await writeFile(lastSegment, bytes);
    const err = await rejectsWith(() => open(dir), LogCorruptionError);
    assert.is(err.file, lastSegment);
    assert.is(err.offset, previous);
    assert.is(err.index, 59);
    assert.is((await stat(lastSegment)).size, bytes.length, 'nothing was cut');
  }));

test('a flipped bit in a sealed segment refuses to open and examine/verify names file, offset and index', () =>
  withTempDir(async (dir) => {
    await writeLog(dir, 100);
    const log = await open(dir);
    const sealed = log.segments()[1]!;
    await log.close();
    const bytes = await readFile(sealed.path);
    const secondRecord = 32 + 8 + bytes.readUInt32LE(32);
    bytes[secondRecord + 8 + 3] ^= 0x10; // inside the payload of the segment's second record
    await writeFile(sealed.path, bytes);

    const err = await rejectsWith(() => open(dir), LogCorruptionError);
    assert.is(err.file, sealed.path);
    assert.is(err.offset, secondRecord);
    assert.is(err.index, sealed.baseIndex + 1);
    assert.match(err.message, sealed.path);
    assert.match(err.message, `offset ${secondRecord}`);

    const report = await examineLog(join(dir, 'log'), { resolveCodec: codecResolver(testCodecV1) });
    assert.equal(report.problems, [
      { kind: 'corruption', path: sealed.path, offset: secondRecord, index: sealed.baseIndex + 1, reason: 'crc mismatch' },
    ]);
    // The lock was released by the failed open: a healthy open works once the damage is undone.
    bytes[secondRecord + 8 + 3] ^= 0x10;
    await writeFile(sealed.path, bytes);
    const healed = await open(dir);
    assert.equal((await healed.read(1, 101)).map(dataOf), makeEntries(1, 100).map(dataOf));
    await healed.close();
  }));

test('a sound log examines clean, with per-segment index and term ranges', () =>
  withTempDir(async (dir) => {
    const log = await open(dir);
    await log.append(makeEntries(1, 80, (i) => Math.ceil(i / 20), 10));
    const infos = log.segments();
    await log.close();
    const report = await examineLog(join(dir, 'log'), { resolveCodec: codecResolver(testCodecV1) });
    assert.equal(report.problems, []);
    assert.equal(report.segments.map((s) => [s.firstIndex, s.lastIndex, s.records, s.bytes]), infos.map((s) => [s.firstIndex, s.lastIndex, s.entries, s.bytes]));
    assert.is(report.segments[0]!.minTerm, 1);
    assert.is(report.segments.at(-1)!.maxTerm, 4);
  }));

test('a read re-checks the CRC and reports corruption that appeared after open', () =>
  withTempDir(async (dir) => {
    await writeLog(dir, 30);
    const log = await open(dir);
    const first = log.segments()[0]!;
    const handle = await openFile(first.path, 'r+');
    await handle.write(Buffer.from([0x42]), 0, 1, 32 + 8 + 1);
    await handle.close();
    const err = await rejectsWith(() => log.read(1, 3), LogCorruptionError);
    assert.is(err.index, 1);
    assert.is(err.offset, 32);
    await log.close();
  }));

test.run();
