import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { constants } from 'node:fs';
import { readdir, readFile, readlink } from 'node:fs/promises';
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

/** The open flags of this process's descriptors on files under `dir` (from /proc/self/fdinfo). */
async function openFlagsUnder(dir: string): Promise<number[]> {
  const flags: number[] = [];
  for (const fd of await readdir('/proc/self/fd')) {
    const target = await readlink(`/proc/self/fd/${fd}`).catch(() => '');
    if (!target.startsWith(dir) || !target.endsWith('.seg')) continue;
    const info = await readFile(`/proc/self/fdinfo/${fd}`, 'utf8');
    flags.push(parseInt(/flags:\s+([0-7]+)/.exec(info)![1]!, 8));
  }
  return flags;
}

test('write-through: segments are opened O_DSYNC, a group commit is one wrapped write and no fsync', () =>
  withTempDir(async (dir) => {
    let fsyncs = 0;
    let wrapped = 0;
    const options = {
      codec: testCodecV1,
      writeThrough: true,
      fsync: async (handle: FileHandle) => { fsyncs++; await handle.datasync(); },
      aroundDurableWrite: async (write: () => Promise<void>) => { wrapped++; await write(); },
    };
    const log = await SegmentedLog.open<TestEntry>(dir, options);
    await log.append(makeEntries(1, 1)); // creates the first segment (its header is fsynced)
    const fsyncsBefore = fsyncs;
    const wrappedBefore = wrapped;
    await Promise.all(makeEntries(2, 33).map((entry) => log.append([entry])));
    assert.is(wrapped - wrappedBefore, 1, '32 appends in one turn: one durable write');
    assert.is(fsyncs - fsyncsBefore, 0, 'no fsync after a write-through write');
    const flags = await openFlagsUnder(dir);
    assert.ok(flags.length > 0, 'the segment is open');
    for (const f of flags) assert.ok((f & constants.O_DSYNC) !== 0, `opened with O_DSYNC (flags ${f.toString(8)})`);
    await log.close();
    const reopened = await SegmentedLog.open<TestEntry>(dir, options);
    assert.is(reopened.lastIndex(), 33);
    assert.is((await reopened.read(1, 34)).length, 33);
    for (const f of await openFlagsUnder(dir)) assert.ok((f & constants.O_DSYNC) !== 0, 'reopened with O_DSYNC');
    await reopened.close();
  }));

test.run();
