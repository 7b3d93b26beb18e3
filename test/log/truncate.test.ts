import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { LogIndexRangeError, SegmentedLog } from '../../src/log/index.js';
import { dataOf, makeEntries, testCodecV1, type TestEntry } from './test-codec.js';
import { withTempDir } from './temp-dir.js';
import { rejectsWith } from './rejects.js';

const SEGMENT_BYTES = 1024;
const open = (dir: string) => SegmentedLog.open<TestEntry>(dir, { codec: testCodecV1, segmentBytes: SEGMENT_BYTES });
const segmentFiles = async (dir: string) => (await readdir(join(dir, 'log'))).sort();

async function fill(dir: string, last: number): Promise<SegmentedLog<TestEntry>> {
  const log = await open(dir);
  await log.append(makeEntries(1, last, (i) => (i <= 100 ? 1 : 2), 20));
  return log;
}

test('truncating inside the last segment trims it and appends continue there', () =>
  withTempDir(async (dir) => {
    const log = await fill(dir, 155);
    const before = log.segments();
    const active = before[before.length - 1]!;
    assert.ok(active.entries >= 3, `the last segment holds ${active.entries} entries`);
    const cut = active.baseIndex + 1;
    await log.truncateSuffix(cut);
    assert.is(log.lastIndex(), cut - 1);
    assert.is(log.segments().length, before.length);
    await log.append(makeEntries(cut, cut + 1, () => 3));
    assert.is(log.term(cut), 3);
    await log.close();
    const reopened = await open(dir);
    assert.is(reopened.lastIndex(), cut + 1);
    assert.is(reopened.term(cut), 3);
    assert.is(reopened.term(cut - 1), 2);
    await reopened.close();
  }));

test('truncating across a segment boundary deletes later segments, trims the sealed one, and starts a new segment', () =>
  withTempDir(async (dir) => {
    const log = await fill(dir, 150);
    const before = log.segments();
    assert.ok(before.length >= 4);
    const target = before[1]!; // a sealed segment
    const cut = target.baseIndex + 3;
    await log.truncateSuffix(cut);
    assert.is(log.lastIndex(), cut - 1);
    const after = log.segments();
    assert.equal(after.map((s) => s.baseIndex), [before[0]!.baseIndex, target.baseIndex, cut]);
    assert.is(after[1]!.lastIndex, cut - 1);
    assert.ok(after[1]!.sealed, 'the trimmed segment stays sealed');
    assert.is(after[2]!.entries, 0);
    assert.equal(await segmentFiles(dir), after.map((s) => String(s.baseIndex).padStart(20, '0') + '.seg'));

    await log.append(makeEntries(cut, cut + 9, () => 7, 20));
    const expected = [...makeEntries(1, cut - 1), ...makeEntries(cut, cut + 9)].map(dataOf);
    assert.equal((await log.read(1, cut + 10)).map(dataOf), expected);
    await log.close();

    const reopened = await open(dir);
    assert.is(reopened.lastIndex(), cut + 9);
    assert.is(reopened.term(cut), 7);
    assert.is(reopened.term(cut - 1), cut - 1 <= 100 ? 1 : 2);
    assert.equal((await reopened.read(1, cut + 10)).map(dataOf), expected);
    await reopened.close();
  }));

test('truncating exactly at a segment base removes that segment whole', () =>
  withTempDir(async (dir) => {
    const log = await fill(dir, 150);
    const before = log.segments();
    const cut = before[2]!.baseIndex;
    await log.truncateSuffix(cut);
    assert.equal(log.segments().map((s) => s.baseIndex), [before[0]!.baseIndex, before[1]!.baseIndex, cut]);
    assert.is(log.lastIndex(), cut - 1);
    assert.is(log.segments()[1]!.lastIndex, cut - 1, 'the segment before is untouched');
    await log.close();
  }));

test('truncating everything leaves an empty log that continues at the cut', () =>
  withTempDir(async (dir) => {
    const log = await fill(dir, 50);
    await log.truncateSuffix(1);
    assert.is(log.firstIndex(), 0);
    assert.is(log.lastIndex(), 0);
    await log.append(makeEntries(1, 2, () => 9));
    assert.is(log.term(1), 9);
    await log.close();
  }));

test('truncation after the end is a no-op; before the first index is refused', () =>
  withTempDir(async (dir) => {
    const log = await fill(dir, 150);
    await log.truncateSuffix(151);
    assert.is(log.lastIndex(), 150);
    const second = log.segments()[1]!.baseIndex;
    await log.dropPrefix(second);
    await rejectsWith(() => log.truncateSuffix(second - 1), LogIndexRangeError);
    assert.is(log.lastIndex(), 150);
    await log.close();
  }));

test('appends issued before and after a truncation in the same turn land in order', () =>
  withTempDir(async (dir) => {
    const log = await fill(dir, 20);
    const a = log.append(makeEntries(21, 30, () => 1));
    const t = log.truncateSuffix(25);
    const b = log.append(makeEntries(25, 27, () => 5));
    await Promise.all([a, t, b]);
    assert.equal((await log.read(21, 28)).map((e) => e.term), [1, 1, 1, 1, 5, 5, 5]);
    await log.close();
    const reopened = await open(dir);
    assert.is(reopened.lastIndex(), 27);
    assert.equal((await reopened.read(21, 28)).map((e) => e.term), [1, 1, 1, 1, 5, 5, 5]);
    await reopened.close();
  }));

test('dropPrefix deletes only whole segments below the index, never the last, and reports bytes freed', () =>
  withTempDir(async (dir) => {
    const log = await fill(dir, 150);
    const before = log.segments();
    const upto = before[3]!.baseIndex + 1; // segments 0..2 are wholly below; 3 is not
    const freed = await log.dropPrefix(upto);
    assert.is(freed, before.slice(0, 3).reduce((sum, s) => sum + s.bytes, 0));
    assert.is(log.firstIndex(), before[3]!.baseIndex);
    assert.is(log.term(before[3]!.baseIndex - 1), undefined);
    await rejectsWith(() => log.read(1, 5), LogIndexRangeError);
    const restExceptLast = log.segments().slice(0, -1).reduce((sum, s) => sum + s.bytes, 0);
    assert.ok(restExceptLast > 0);
    assert.is(await log.dropPrefix(1_000_000), restExceptLast);
    assert.is(log.segments().length, 1);
    assert.is(log.lastIndex(), 150);
    await log.close();
    const reopened = await open(dir);
    assert.is(reopened.firstIndex(), before[before.length - 1]!.baseIndex);
    assert.is(reopened.lastIndex(), 150);
    await reopened.close();
  }));

test('reset discards everything and continues at the given index, across a reopen', () =>
  withTempDir(async (dir) => {
    const log = await fill(dir, 150);
    await log.reset(1001);
    assert.is(log.firstIndex(), 0);
    assert.is(log.lastIndex(), 1000);
    assert.equal(await segmentFiles(dir), ['00000000000000001001.seg']);
    await log.append(makeEntries(1001, 1003, () => 4));
    await log.close();
    const reopened = await open(dir);
    assert.is(reopened.firstIndex(), 1001);
    assert.is(reopened.lastIndex(), 1003);
    assert.is(reopened.term(1002), 4);
    await reopened.close();
  }));

test('a read racing a dropPrefix fails cleanly with a range error and the dropped files still close', () =>
  withTempDir(async (dir) => {
    const log = await fill(dir, 150);
    const reading = log.read(1, 151);
    const dropping = log.dropPrefix(140);
    await rejectsWith(() => reading, LogIndexRangeError);
    assert.ok((await dropping) > 0);
    assert.equal((await log.read(log.firstIndex(), 151)).at(-1)!.index, 150);
    await log.close();
  }));

test.run();
