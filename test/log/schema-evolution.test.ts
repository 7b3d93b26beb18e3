import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { SegmentHeaderError, SegmentedLog, sameFingerprint, fingerprintHex } from '../../src/log/index.js';
import { dataOf, makeEntries, testCodecV1, testCodecV2, type TestEntry } from './test-codec.js';
import { withTempDir } from './temp-dir.js';
import { rejectsWith } from './rejects.js';

const olderCodecs = (fingerprint: Uint8Array) => (sameFingerprint(fingerprint, testCodecV1.fingerprint) ? testCodecV1 : undefined);
const openV2 = (dir: string) => SegmentedLog.open<TestEntry>(dir, { codec: testCodecV2, resolveCodec: olderCodecs });

test("each segment's header fingerprint selects its decoder; new entries go to a new segment", () =>
  withTempDir(async (dir) => {
    const v1 = await SegmentedLog.open<TestEntry>(dir, { codec: testCodecV1 });
    await v1.append(makeEntries(1, 5, () => 1));
    await v1.close();

    const log = await openV2(dir);
    assert.is(log.term(5), 1, 'terms of old records are peeked with the old codec');
    const old = await log.read(1, 6);
    assert.equal(old.map(dataOf), makeEntries(1, 5).map(dataOf));
    assert.equal(old.map((e) => e.tag), [0, 0, 0, 0, 0]);

    await log.append(makeEntries(6, 8, () => 2).map((e) => ({ ...e, tag: 7 })));
    const infos = log.segments();
    assert.equal(infos.map((s) => [s.baseIndex, s.fingerprint]), [
      [1, fingerprintHex(testCodecV1.fingerprint)],
      [6, fingerprintHex(testCodecV2.fingerprint)],
    ]);
    await log.close();

    const reopened = await openV2(dir);
    const all = await reopened.read(1, 9);
    assert.equal(all.map((e) => [e.index, e.term, e.tag]), [
      [1, 1, 0], [2, 1, 0], [3, 1, 0], [4, 1, 0], [5, 1, 0], [6, 2, 7], [7, 2, 7], [8, 2, 7],
    ]);
    await reopened.close();
  }));

test('an empty last segment with an older fingerprint is replaced, not left empty and sealed', () =>
  withTempDir(async (dir) => {
    const v1 = await SegmentedLog.open<TestEntry>(dir, { codec: testCodecV1 });
    await v1.reset(10);
    await v1.close();
    const log = await openV2(dir);
    await log.append(makeEntries(10, 11, () => 3));
    assert.equal(log.segments().map((s) => [s.baseIndex, s.entries, s.fingerprint]), [[10, 2, fingerprintHex(testCodecV2.fingerprint)]]);
    assert.equal(await readdir(join(dir, 'log')), ['00000000000000000010.seg']);
    await log.close();
  }));

test('a segment whose fingerprint no codec knows refuses to open, naming the file', () =>
  withTempDir(async (dir) => {
    const v1 = await SegmentedLog.open<TestEntry>(dir, { codec: testCodecV1 });
    await v1.append(makeEntries(1, 2));
    await v1.close();
    const err = await rejectsWith(() => SegmentedLog.open<TestEntry>(dir, { codec: testCodecV2 }), SegmentHeaderError);
    assert.match(err.message, '00000000000000000001.seg');
    assert.match(err.message, fingerprintHex(testCodecV1.fingerprint));
    const throwing = () => {
      throw new Error('not in the schema history');
    };
    const err2 = await rejectsWith(() => SegmentedLog.open<TestEntry>(dir, { codec: testCodecV2, resolveCodec: throwing }), SegmentHeaderError);
    assert.match(err2.message, 'not in the schema history');
    assert.match(err2.message, '00000000000000000001.seg');
  }));

test.run();
