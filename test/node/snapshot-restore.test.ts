// Start-up from disk: newest usable snapshot + the log after it; fallback to an older snapshot when
// the newest is damaged; refusal when nothing covers the start of the log; a log behind the
// snapshot (crash while installing one) is reset to continue after it.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { encodeCommand, entryCodec, type Command, type Entry } from '../../src/codec/index.js';
import { SegmentedLog } from '../../src/log/index.js';
import { writeSnapshotFile } from '../../src/node/snapshot-files.js';
import { restoreFromDisk, UnrecoverableStateError } from '../../src/node/snapshot-restore.js';
import { KvStore } from '../../src/store/kv-store.js';
import { encodeSnapshot } from '../../src/store/snapshot-codec.js';

const test = suite('restore from snapshot + log');
const CONF = { voters: ['n1'], learners: [] };
const quiet = pino({ level: 'silent' });
let dir = '';

test.before.each(async () => {
  dir = await mkdtemp(join(tmpdir(), 'keel-restore-'));
});
test.after.each(async () => {
  await rm(dir, { recursive: true, force: true });
});

const put = (i: number): Command => ({ requestId: null, op: { type: 'put', key: Buffer.from(`k${i % 7}`), value: Buffer.from(`v${i}`), lease: 0, prevKv: false } });

async function openLog(): Promise<SegmentedLog<Entry>> {
  return SegmentedLog.open<Entry>(dir, { codec: entryCodec, segmentBytes: 200, logger: quiet });
}

/** Appends entries 1..n and writes snapshots at the given indexes (state after applying 1..index). */
async function build(n: number, snapshotsAt: number[]): Promise<void> {
  const log = await openLog();
  const store = new KvStore();
  for (let i = 1; i <= n; i++) {
    await log.append([{ index: i, term: 2, type: 'normal', data: encodeCommand(put(i)) }]);
    store.apply(i, put(i));
    if (snapshotsAt.includes(i)) await writeSnapshotFile(dir, { index: i, term: 2 }, encodeSnapshot({ index: i, term: 2, conf: CONF }, store.snapshotView()));
  }
  await log.close();
}

async function damage(index: number): Promise<void> {
  const file = join(dir, 'snap', `${index}-2.snap`);
  const bytes = await readFile(file);
  bytes[bytes.length - 5]! ^= 0xff;
  await writeFile(file, bytes);
}

async function restore(): Promise<{ snapshotIndex: number; entries: number[]; logLast: number }> {
  const log = await openLog();
  try {
    const r = await restoreFromDisk(dir, log, quiet);
    return { snapshotIndex: r.snapshot?.meta.index ?? 0, entries: r.entries.map((e) => e.index), logLast: log.lastIndex() };
  } finally {
    await log.close();
  }
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

test('the newest snapshot and the entries after it', async () => {
  await build(30, [10, 20]);
  assert.equal(await restore(), { snapshotIndex: 20, entries: range(21, 30), logLast: 30 });
});

test('a damaged newest snapshot falls back to the older one and a longer tail', async () => {
  await build(30, [10, 20]);
  await damage(20);
  assert.equal(await restore(), { snapshotIndex: 10, entries: range(11, 30), logLast: 30 });
});

test('no snapshot at all: the whole log', async () => {
  await build(12, []);
  assert.equal(await restore(), { snapshotIndex: 0, entries: range(1, 12), logLast: 12 });
});

test('a log that starts after what the only usable snapshot covers is refused, naming why', async () => {
  await build(30, [10, 30]);
  const log = await openLog();
  await log.reset(31); // as after installing the snapshot at 30
  await log.close();
  await damage(30);
  try {
    await restore();
    assert.unreachable('must refuse');
  } catch (err) {
    assert.instance(err, UnrecoverableStateError);
    assert.match((err as Error).message, /the log starts at index 31 and no usable snapshot covers/);
  }
});

test('a log behind the snapshot (crash while installing one) is reset to continue after it', async () => {
  await build(30, []);
  const store = new KvStore();
  for (let i = 1; i <= 40; i++) store.apply(i, put(i));
  await writeSnapshotFile(dir, { index: 40, term: 3 }, encodeSnapshot({ index: 40, term: 3, conf: CONF }, store.snapshotView()));
  const log = await openLog();
  try {
    const r = await restoreFromDisk(dir, log, quiet);
    assert.is(r.snapshot?.meta.index, 40);
    assert.equal(r.entries, []);
    assert.is(log.lastIndex(), 40);
    assert.is(log.firstIndex(), 0);
  } finally {
    await log.close();
  }
});

test.run();
