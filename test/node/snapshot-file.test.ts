// The snapshot file: Avro frames with CRCs, a round trip that restores the exact projection,
// corruption detected with its offset, crash-safe writing and fallback to an older file.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { KvStore, type KvStoreOptions } from '../../src/store/index.js';
import {
  decodeSnapshot, encodeSnapshot, encodeSnapshotToBuffer, SnapshotCorruptError, summarizeSnapshot, type SnapshotMetaShape,
} from '../../src/store/snapshot-codec.js';
import { listSnapshotFiles, loadNewestSnapshot, pruneSnapshotFiles, snapshotDir, writeSnapshotFile } from '../../src/node/snapshot-files.js';
import { RandomCommands } from '../store/random-commands.js';

const test = suite('snapshot file');
const OPTIONS: KvStoreOptions = { dedupWindow: 8, dedupIdleEntries: 150, historyRevisions: 50 };
const META: SnapshotMetaShape = { index: 0, term: 3, conf: { voters: ['n1', 'n2', 'n3'], learners: ['n4'] } };

/** Deep copy with every byte string as hex (decoded bytes are Buffers, the store's Uint8Arrays). */
function plain(value: unknown): unknown {
  if (value instanceof Uint8Array) return `hex:${Buffer.from(value).toString('hex')}`;
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value;
}

function populated(seed: number, commands = 700): KvStore {
  const store = new KvStore(OPTIONS);
  const gen = new RandomCommands(seed);
  for (let i = 0; i < commands; i++) store.apply(store.appliedIndex + 1, gen.command(store.revision));
  return store;
}

function metaFor(store: KvStore): SnapshotMetaShape {
  return { ...META, index: store.appliedIndex };
}

test('round trip: the decoded snapshot restores a store equal to the original, meta included', async () => {
  for (const seed of [1, 2, 3]) {
    const store = populated(seed);
    const view = store.toSnapshot();
    assert.ok(view.kvs.length > 0 && view.clients.length > 0, 'the store has keys and clients');
    const bytes = await encodeSnapshotToBuffer(metaFor(store), view, 3); // tiny blocks: many frames
    const decoded = decodeSnapshot(bytes);
    assert.equal(decoded.meta, metaFor(store));
    const restored = KvStore.fromSnapshot(decoded.store, OPTIONS);
    assert.equal(plain(restored.toSnapshot()), plain(view), `seed ${seed}`);
    const summary = summarizeSnapshot(bytes);
    assert.is(summary.kvCount, view.kvs.length);
    assert.is(summary.blockCount, Math.ceil(view.kvs.length / 3));
  }
});

test('a snapshot view is point-in-time: writes applied while it is being encoded do not show in it', async () => {
  const store = populated(7);
  for (let i = 0; i < 40; i++) {
    store.apply(store.appliedIndex + 1, { requestId: null, op: { type: 'put', key: Buffer.from(`many/${i}`), value: Buffer.from('v'), lease: 0, prevKv: false } });
  }
  const expected = plain(store.toSnapshot());
  const parts: Buffer[] = [];
  const gen = new RandomCommands(99);
  for await (const part of encodeSnapshot(metaFor(store), store.snapshotView(), 2)) {
    parts.push(part);
    for (let i = 0; i < 5; i++) store.apply(store.appliedIndex + 1, gen.command(store.revision)); // writes go on
  }
  assert.ok(parts.length > 5, 'encoded over several turns');
  assert.is.not(JSON.stringify(plain(store.toSnapshot())), JSON.stringify(expected), 'the store did change meanwhile');
  assert.equal(plain(decodeSnapshot(Buffer.concat(parts)).store), expected);
});

test('an empty store round-trips', async () => {
  const store = new KvStore();
  const decoded = decodeSnapshot(await encodeSnapshotToBuffer({ ...META, index: 7 }, store.toSnapshot()));
  assert.equal(plain(decoded.store), plain(store.toSnapshot()));
  assert.is(decoded.meta.index, 7);
});

test('a flipped byte, a cut file, trailing bytes and a foreign file are refused with the offset', async () => {
  const store = populated(4);
  const bytes = await encodeSnapshotToBuffer(metaFor(store), store.toSnapshot(), 4);
  const flipped = Buffer.from(bytes);
  flipped[Math.floor(bytes.length / 2)]! ^= 0xff;
  assert.throws(() => decodeSnapshot(flipped), (err: unknown) => err instanceof SnapshotCorruptError && /fails its CRC|runs past the end/.test(err.message) && err.offset >= 24);
  assert.throws(() => decodeSnapshot(bytes.subarray(0, bytes.length - 3)), (err: unknown) => err instanceof SnapshotCorruptError && /runs past the end|file ends before/.test(err.message));
  assert.throws(() => decodeSnapshot(Buffer.concat([bytes, Buffer.from([1, 0, 0, 0, 0, 0, 0, 0, 9])])), /bytes after the end frame/);
  assert.throws(() => decodeSnapshot(Buffer.from('not a snapshot at all, just text')), /bad magic/);
});

test('a file cut at a frame boundary (end frame missing) is refused', async () => {
  const store = populated(5);
  const full = await encodeSnapshotToBuffer(metaFor(store), store.toSnapshot(), 4);
  const withoutEnd = await encodeSnapshotToBuffer(metaFor(store), store.toSnapshot(), 4).then((b) => {
    // Walk the frames to find where the end frame starts.
    let at = 24;
    let last = at;
    while (at < b.length) {
      last = at;
      at += 8 + b.readUInt32LE(at);
    }
    return b.subarray(0, last);
  });
  assert.ok(withoutEnd.length < full.length);
  assert.throws(() => decodeSnapshot(withoutEnd), /file ends before the end frame/);
});

test('files: crash-safe write, newest first, a corrupt newest falls back to the older one (logged), pruning', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'keel-snapfile-'));
  try {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
    const older = populated(6, 300);
    const newer = populated(6, 600);
    await writeSnapshotFile(dir, { index: older.appliedIndex, term: 3 }, [await encodeSnapshotToBuffer(metaFor(older), older.toSnapshot())]);
    const written = await writeSnapshotFile(dir, { index: newer.appliedIndex, term: 3 }, [await encodeSnapshotToBuffer(metaFor(newer), newer.toSnapshot())], true);
    assert.ok(written.data && written.data.length === written.bytes);
    // A crash between writing and renaming leaves a .tmp: it is not a snapshot.
    await writeFile(join(snapshotDir(dir), `${newer.appliedIndex + 50}-3.snap.tmp`), 'half written');
    const files = await listSnapshotFiles(dir);
    assert.equal(files.map((f) => f.index), [newer.appliedIndex, older.appliedIndex]);

    const good = await loadNewestSnapshot(dir, logger);
    assert.is(good?.meta.index, newer.appliedIndex);
    assert.equal(plain(good?.store), plain(newer.toSnapshot()));

    const bytes = await readFile(written.path);
    bytes[bytes.length - 20]! ^= 0x55;
    await writeFile(written.path, bytes);
    const fallback = await loadNewestSnapshot(dir, logger);
    assert.is(fallback?.meta.index, older.appliedIndex);
    assert.equal(plain(fallback?.store), plain(older.toSnapshot()));
    assert.ok(lines.some((l) => l.includes('skipping an unusable snapshot') && l.includes(written.path)), 'the skipped file is logged');

    const removed = await pruneSnapshotFiles(dir, 1);
    assert.is(removed.length, 2, 'the .tmp and the older snapshot');
    assert.equal((await listSnapshotFiles(dir)).map((f) => f.index), [newer.appliedIndex]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test.run();
