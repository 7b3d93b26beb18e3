import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { LogAppendOrderError, LogClosedError, LogIndexRangeError, SegmentedLog } from '../../src/log/index.js';
import { rejectsWith } from './rejects.js';
import { dataOf, makeEntries, testCodecV1, type TestEntry } from './test-codec.js';
import { withTempDir } from './temp-dir.js';

const open = (dir: string, segmentBytes?: number) => SegmentedLog.open<TestEntry>(dir, { codec: testCodecV1, segmentBytes });

test('a new log is empty: first/last index 0, nothing to read', () =>
  withTempDir(async (dir) => {
    const log = await open(dir);
    assert.is(log.firstIndex(), 0);
    assert.is(log.lastIndex(), 0);
    assert.is(log.term(1), undefined);
    assert.equal(await log.read(1, 1), []);
    await rejectsWith(() => log.read(1, 2), LogIndexRangeError);
    await log.close();
  }));

test('appended entries read back identical, before and after reopening', () =>
  withTempDir(async (dir) => {
    const entries = makeEntries(1, 100, (i) => 1 + Math.floor(i / 30));
    let log = await open(dir);
    await log.append(entries.slice(0, 40));
    await log.append(entries.slice(40));
    assert.is(log.firstIndex(), 1);
    assert.is(log.lastIndex(), 100);
    assert.equal((await log.read(1, 101)).map(dataOf), entries.map(dataOf));
    await log.close();

    log = await open(dir);
    assert.is(log.firstIndex(), 1);
    assert.is(log.lastIndex(), 100);
    assert.is(log.term(29), 1);
    assert.is(log.term(30), 2);
    assert.is(log.term(100), 4);
    assert.is(log.term(101), undefined);
    const back = await log.read(10, 20);
    assert.equal(back.map((e) => e.index), makeEntries(10, 19).map((e) => e.index));
    assert.equal(back.map(dataOf), entries.slice(9, 19).map(dataOf));
    assert.equal(back[0]!.term, 1);
    await log.close();
  }));

test('append refuses a gap, an overlap and non-consecutive entries, and changes nothing', () =>
  withTempDir(async (dir) => {
    const log = await open(dir);
    await log.append(makeEntries(1, 5));
    for (const bad of [makeEntries(7, 8), makeEntries(5, 6), [...makeEntries(6, 6), ...makeEntries(8, 8)]]) {
      await rejectsWith(() => log.append(bad), LogAppendOrderError);
    }
    assert.is(log.lastIndex(), 5);
    await log.append(makeEntries(6, 6));
    assert.is(log.lastIndex(), 6);
    await log.close();
  }));

test('an append whose entry cannot be encoded rejects and changes nothing', () =>
  withTempDir(async (dir) => {
    const log = await open(dir);
    await log.append(makeEntries(1, 2));
    const broken = { index: 4, term: 1, data: null } as unknown as TestEntry;
    let rejected = false;
    await log.append([...makeEntries(3, 3), broken]).catch(() => (rejected = true));
    assert.ok(rejected);
    assert.is(log.lastIndex(), 2);
    await log.append(makeEntries(3, 3));
    await log.close();
    const reopened = await open(dir);
    assert.is(reopened.lastIndex(), 3);
    await reopened.close();
  }));

test('entries appended in one turn can be read at once: the read waits for the write', () =>
  withTempDir(async (dir) => {
    const log = await open(dir);
    const appended = log.append(makeEntries(1, 3));
    const read = await log.read(1, 4);
    assert.equal(read.map(dataOf), ['entry-1', 'entry-2', 'entry-3']);
    await appended;
    await log.close();
  }));

test('read honours maxBytes but always returns at least one entry; stream yields everything', () =>
  withTempDir(async (dir) => {
    const log = await open(dir, 4096);
    await log.append(makeEntries(1, 300, () => 2, 40));
    const recordBytes = 8 + 16 + 'entry-100'.length + 40;
    const some = await log.read(100, 200, recordBytes * 3);
    assert.equal(some.map((e) => e.index), [100, 101, 102]);
    assert.equal((await log.read(100, 200, 1)).map((e) => e.index), [100]);
    const streamed: number[] = [];
    for await (const entry of log.stream(1)) streamed.push(entry.index);
    assert.equal(streamed, makeEntries(1, 300).map((e) => e.index));
    await rejectsWith(() => log.read(0, 5), LogIndexRangeError);
    await rejectsWith(() => log.read(299, 302), LogIndexRangeError);
    await log.close();
  }));

test('segments roll at segmentBytes, are named by base index, and reads cross them', () =>
  withTempDir(async (dir) => {
    const log = await open(dir, 1024);
    await log.append(makeEntries(1, 200, () => 1, 20));
    const infos = log.segments();
    assert.ok(infos.length > 5, `expected several segments, got ${infos.length}`);
    for (const [i, info] of infos.entries()) {
      assert.ok(info.bytes <= 1024, `segment ${info.path} is ${info.bytes} bytes`);
      assert.is(info.sealed, i < infos.length - 1);
      if (i > 0) assert.is(info.baseIndex, infos[i - 1]!.lastIndex + 1);
    }
    const names = (await readdir(join(dir, 'log'))).sort();
    assert.equal(names, infos.map((info) => String(info.baseIndex).padStart(20, '0') + '.seg'));
    assert.is(log.sizeBytes(), infos.reduce((sum, info) => sum + info.bytes, 0));
    assert.equal((await log.read(1, 201)).map(dataOf), makeEntries(1, 200).map(dataOf));
    await log.close();
    const reopened = await open(dir, 1024);
    assert.equal(reopened.segments(), infos);
    await reopened.close();
  }));

test('a closed log refuses work', () =>
  withTempDir(async (dir) => {
    const log = await open(dir);
    await log.append(makeEntries(1, 2));
    await log.close();
    await rejectsWith(() => log.append(makeEntries(3, 3)), LogClosedError);
    await rejectsWith(() => log.read(1, 2), LogClosedError);
  }));

test.run();
