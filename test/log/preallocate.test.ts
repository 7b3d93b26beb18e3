// Preallocation (SegmentedLogOptions.preallocateBytes): the last segment keeps zero-filled space
// ahead of its records, which recovery and the tools take for what it is, and which never outlives
// the segment's sealing or passes segmentBytes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { open as openFile, readFile, stat } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { SegmentedLog, codecResolver, examineLog } from '../../src/log/index.js';
import { dataOf, makeEntries, testCodecV1, type TestEntry } from './test-codec.js';
import { withTempDir } from './temp-dir.js';

const open = (dir: string, o: { segmentBytes?: number; logger?: pino.Logger } = {}) =>
  SegmentedLog.open<TestEntry>(dir, { codec: testCodecV1, segmentBytes: o.segmentBytes ?? 64 * 1024, preallocateBytes: 4096, logger: o.logger });

function capturingLogger(): { logger: pino.Logger; warnings: () => unknown[] } {
  const chunks: string[] = [];
  const sink = new Writable({ write(chunk, _enc, done) { chunks.push(String(chunk)); done(); } });
  const logger = pino({ level: 'info' }, sink);
  return { logger, warnings: () => chunks.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((l) => l.level >= 40) };
}

const examine = (dir: string) => examineLog<TestEntry>(`${dir}/log`, { resolveCodec: codecResolver(testCodecV1) });

test('appends land in space zero-filled ahead; reopening keeps it, logs nothing, and the log goes on', () =>
  withTempDir(async (dir) => {
    const log = await open(dir);
    await log.append(makeEntries(1, 20, () => 1, 10));
    const segment = log.segments().at(-1)!;
    await log.close();
    const fileBytes = (await stat(segment.path)).size;
    assert.ok(fileBytes > segment.bytes && fileBytes <= segment.bytes + 4096, `file ${fileBytes} bytes, records end at ${segment.bytes}`);
    const tail = (await readFile(segment.path)).subarray(segment.bytes);
    assert.ok(tail.every((b) => b === 0), 'the space after the records is zeros');

    const { logger, warnings } = capturingLogger();
    const reopened = await open(dir, { logger });
    assert.equal(warnings(), []);
    assert.is(reopened.lastIndex(), 20);
    await reopened.append(makeEntries(21, 200, () => 2, 10));
    await reopened.close();

    const again = await open(dir);
    const entries = await again.read(1, 201);
    assert.equal(entries.map((e) => e.index), Array.from({ length: 200 }, (_, i) => i + 1));
    assert.is(dataOf(entries[199]!), 'entry-200');
    await again.close();
    const { problems, segments } = await examine(dir);
    assert.equal(problems, []);
    assert.ok(segments.at(-1)!.preallocatedBytes > 0);
  }));

test('a sealed segment is cut back to its records, and preallocation never passes segmentBytes', () =>
  withTempDir(async (dir) => {
    const log = await open(dir, { segmentBytes: 1024 });
    for (let i = 1; i <= 200; i += 10) await log.append(makeEntries(i, i + 9, () => 1, 10));
    const segments = log.segments();
    await log.close();
    assert.ok(segments.length > 3, `${segments.length} segments`);
    for (const s of segments.slice(0, -1)) assert.is((await stat(s.path)).size, s.bytes, `${s.path} holds only its records`);
    assert.ok((await stat(segments.at(-1)!.path)).size <= 1024);
    assert.equal((await examine(dir)).problems, []);
  }));

test('a write torn inside the preallocated space is cut at open; the zeros alone are not', () =>
  withTempDir(async (dir) => {
    const log = await open(dir);
    await log.append(makeEntries(1, 20, () => 1, 10));
    const segment = log.segments().at(-1)!;
    await log.close();
    // Half a record: a frame announcing 40 bytes, and 10 of them.
    const torn = Buffer.alloc(18);
    torn.writeUInt32LE(40, 0);
    torn.fill(7, 8);
    const handle = await openFile(segment.path, 'r+');
    await handle.write(torn, 0, torn.length, segment.bytes);
    await handle.close();
    const { logger, warnings } = capturingLogger();
    const reopened = await open(dir, { logger });
    assert.is(reopened.lastIndex(), 20);
    assert.is(warnings().length, 1, 'the cut is logged');
    assert.is((await stat(segment.path)).size, segment.bytes, 'cut back to the last record');
    await reopened.append(makeEntries(21, 21));
    assert.equal((await reopened.read(20, 22)).map((e) => e.index), [20, 21]);
    await reopened.close();
  }));

test('truncating the last segment drops its preallocated space; the next appends preallocate again', () =>
  withTempDir(async (dir) => {
    const log = await open(dir);
    await log.append(makeEntries(1, 50, () => 1, 10));
    await log.truncateSuffix(30);
    const path = log.segments().at(-1)!.path;
    assert.is((await stat(path)).size, log.segments().at(-1)!.bytes, 'cut to the records');
    await log.append(makeEntries(30, 60, () => 2, 10));
    await log.close();
    const reopened = await open(dir);
    assert.equal((await reopened.read(28, 32)).map((e) => e.term), [1, 1, 2, 2]);
    assert.is(reopened.lastIndex(), 60);
    await reopened.close();
    const { problems, segments } = await examine(dir);
    assert.equal(problems, []);
    assert.ok(segments.at(-1)!.preallocatedBytes > 0);
  }));

test.run();
