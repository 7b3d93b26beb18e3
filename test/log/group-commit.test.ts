import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { FileHandle } from 'node:fs/promises';
import { LogFailedError, SegmentedLog } from '../../src/log/index.js';
import { makeEntries, testCodecV1, type TestEntry } from './test-codec.js';
import { withTempDir } from './temp-dir.js';
import { rejectsWith } from './rejects.js';

/** An fsync the test releases by hand, counting calls. */
function manualFsync() {
  const pending: (() => void)[] = [];
  const state = {
    calls: 0,
    fsync: (handle: FileHandle) => {
      state.calls++;
      return new Promise<void>((resolve) => pending.push(() => void handle.datasync().then(resolve)));
    },
    releaseAll: () => pending.splice(0).forEach((release) => release()),
    waiting: () => pending.length,
  };
  return state;
}

const turn = () => new Promise((resolve) => setImmediate(resolve));
async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 1));
  assert.ok(condition(), 'condition never became true');
}

test('an append does not resolve before its fsync completes', () =>
  withTempDir(async (dir) => {
    const sync = manualFsync();
    const log = await SegmentedLog.open<TestEntry>(dir, { codec: testCodecV1, fsync: sync.fsync });
    await until(() => sync.waiting() === 0);
    let resolved = false;
    const append = log.append(makeEntries(1, 3)).then(() => (resolved = true));
    await until(() => sync.waiting() > 0); // creating the first segment syncs it
    sync.releaseAll();
    await until(() => sync.waiting() > 0); // the batch's own fsync
    for (let i = 0; i < 20; i++) await turn();
    assert.is(resolved, false, 'resolved while its fsync was still pending');
    sync.releaseAll();
    await append;
    assert.is(resolved, true);
    await log.close();
  }));

test('appends issued in one turn share one fsync; appends issued while it syncs share the next', () =>
  withTempDir(async (dir) => {
    const sync = manualFsync();
    const log = await SegmentedLog.open<TestEntry>(dir, { codec: testCodecV1, fsync: sync.fsync });
    let firstDone = false;
    const first = log.append(makeEntries(1, 1)).then(() => (firstDone = true));
    await until(() => (sync.releaseAll(), firstDone)); // segment creation, then the append itself
    await first;
    const callsBefore = sync.calls;

    const batchA = makeEntries(2, 65).map((entry) => log.append([entry]));
    await until(() => sync.waiting() > 0);
    assert.is(sync.calls - callsBefore, 1, '64 appends in one turn, one fsync');
    const batchB = makeEntries(66, 165).map((entry) => log.append([entry])); // while A is syncing
    await turn();
    assert.is(sync.calls - callsBefore, 1, 'nothing more is synced while A is in flight');
    sync.releaseAll();
    await Promise.all(batchA);
    await until(() => sync.waiting() > 0);
    assert.is(sync.calls - callsBefore, 2, 'the appends made during A share one fsync');
    sync.releaseAll();
    await Promise.all(batchB);
    assert.is(log.lastIndex(), 165);
    assert.is((await log.read(1, 166)).length, 165);
    await log.close();
  }));

test('a failed fsync rejects the batch and every later operation; a reopen recovers what is on disk', () =>
  withTempDir(async (dir) => {
    let fail = false;
    const fsync = async (handle: FileHandle) => {
      if (fail) throw Object.assign(new Error('EIO: simulated'), { code: 'EIO' });
      await handle.datasync();
    };
    const log = await SegmentedLog.open<TestEntry>(dir, { codec: testCodecV1, fsync, lock: false });
    await log.append(makeEntries(1, 10));
    fail = true;
    const err = await rejectsWith(() => log.append(makeEntries(11, 12)), LogFailedError);
    assert.match(err.message, 'EIO: simulated');
    await rejectsWith(() => log.append(makeEntries(13, 13)), LogFailedError);
    await rejectsWith(() => log.read(1, 2), LogFailedError);
    await log.close();
    const reopened = await SegmentedLog.open<TestEntry>(dir, { codec: testCodecV1 });
    assert.ok(reopened.lastIndex() >= 10);
    assert.is((await reopened.read(1, 11)).length, 10);
    await reopened.close();
  }));

test.run();
