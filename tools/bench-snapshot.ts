// npm run bench:snapshot -- [--keys 100000,1000000] [--value-bytes 256] [--retain 5000] [--dir /tmp]
//
// For each key count: builds a real node directory in-process (a segmented log of one put per key,
// applied to a KvStore), then measures
//   - snapshot write: capture of the point-in-time view (the only synchronous part), then streaming
//     encode + write + fsync + rename, with the longest event-loop stall seen meanwhile;
//   - log bytes on disk before and after compaction (segments wholly below index - retain dropped);
//   - restart: opening the log, loading + checking the newest snapshot, rebuilding the store, and
//     replaying the log tail (what KeelNode.open does before it serves).
// The npm script gives node enough heap for a million keys and --expose-gc (the built store is
// collected before the restart is timed).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import pino from 'pino';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { decodeCommand, encodeCommand, entryCodec, entryCodecFor, type Entry } from '../src/codec/index.js';
import { SegmentedLog } from '../src/log/index.js';
import { writeSnapshotFile } from '../src/node/snapshot-files.js';
import { restoreFromDisk } from '../src/node/snapshot-restore.js';
import { KvStore } from '../src/store/kv-store.js';
import { encodeSnapshot, type SnapshotMetaShape } from '../src/store/snapshot-codec.js';

const argv = await yargs(hideBin(process.argv))
  .scriptName('bench-snapshot')
  .option('keys', { type: 'string', default: '100000,1000000', describe: 'key counts, comma-separated' })
  .option('value-bytes', { type: 'number', default: 256 })
  .option('retain', { type: 'number', default: 5000, describe: 'entries kept below the snapshot index' })
  .option('segment-bytes', { type: 'number', default: 64 * 1024 * 1024 })
  .option('dir', { type: 'string', default: tmpdir() })
  .strict()
  .parseAsync();

const logger = pino({ level: 'warn' });
const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
const ms = (n: number) => `${Math.round(n)} ms`;

async function openLog(dir: string): Promise<SegmentedLog<Entry>> {
  return SegmentedLog.open<Entry>(dir, { codec: entryCodec, resolveCodec: (fp) => entryCodecFor(fp), segmentBytes: argv['segment-bytes'], logger });
}

interface Written {
  buildMs: number;
  captureMs: number;
  writeMs: number;
  maxStallMs: number;
  fileBytes: number;
  logBefore: number;
  logAfter: number;
  revision: number;
}

/** Builds the node directory and snapshots it; returns only numbers, so the store can be collected before the restart. */
async function buildAndSnapshot(dir: string, keys: number): Promise<Written> {
  const value = Buffer.alloc(argv['value-bytes'], 0x76);
  const store = new KvStore();
  const log = await openLog(dir);
  const built = performance.now();
  const BATCH = 2000;
  for (let first = 1; first <= keys; first += BATCH) {
    const entries: Entry[] = [];
    for (let index = first; index < Math.min(first + BATCH, keys + 1); index++) {
      const cmd = { requestId: null, op: { type: 'put' as const, key: Buffer.from(`/bench/key/${String(index).padStart(8, '0')}`), value, lease: 0, prevKv: false } };
      entries.push({ index, term: 1, type: 'normal', data: encodeCommand(cmd) });
      store.apply(index, cmd);
    }
    await log.append(entries);
  }
  const buildMs = performance.now() - built;
  const logBefore = log.sizeBytes();

  // Snapshot write, with an event-loop delay monitor running (what clients of a node would feel).
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  const t0 = performance.now();
  const view = store.snapshotView();
  const captureMs = performance.now() - t0;
  const meta: SnapshotMetaShape = { index: view.appliedIndex, term: 1, conf: { voters: ['n1', 'n2', 'n3'], learners: [] } };
  const file = await writeSnapshotFile(dir, meta, encodeSnapshot(meta, view));
  const writeMs = performance.now() - t0;
  delay.disable();

  await log.dropPrefix(meta.index - argv.retain);
  const logAfter = log.sizeBytes();
  await log.close();
  return { buildMs, captureMs, writeMs, maxStallMs: delay.max / 1e6, fileBytes: file.bytes, logBefore, logAfter, revision: store.revision };
}

/** What KeelNode.open does before serving: open the log, load the snapshot, rebuild the store, replay the tail. */
async function restart(dir: string): Promise<{ ms: number; loadMs: number; rebuildMs: number; store: KvStore }> {
  const r0 = performance.now();
  const log = await openLog(dir);
  const { snapshot, entries } = await restoreFromDisk(dir, log, logger);
  const loadMs = performance.now() - r0;
  const store = snapshot ? KvStore.fromSnapshot(snapshot.store) : new KvStore();
  const rebuildMs = performance.now() - r0 - loadMs;
  for (const e of entries) if (e.index > store.appliedIndex) store.apply(e.index, decodeCommand(e.data));
  const total = performance.now() - r0;
  await log.close();
  return { ms: total, loadMs, rebuildMs, store };
}

async function benchOne(keys: number): Promise<void> {
  const dir = await mkdtemp(join(argv.dir, 'keel-bench-snap-'));
  try {
    const w = await buildAndSnapshot(dir, keys);
    (globalThis as { gc?: () => void }).gc?.(); // the built store is garbage now: do not bill its collection to the restart
    const r = await restart(dir);
    if (r.store.size !== keys || r.store.revision !== w.revision) throw new Error('restart did not rebuild the same store');
    console.log(
      `${keys} keys x ${argv['value-bytes']} B: build ${ms(w.buildMs)} | snapshot ${mb(w.fileBytes)}: capture ${ms(w.captureMs)}, ` +
      `write ${ms(w.writeMs)} (longest event-loop stall ${ms(w.maxStallMs)}) | log ${mb(w.logBefore)} -> ${mb(w.logAfter)} after compaction ` +
      `(retain ${argv.retain}) | restart from snapshot + tail: ${ms(r.ms)} (open + read + decode ${ms(r.loadMs)}, store rebuild ${ms(r.rebuildMs)})`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

for (const keys of argv.keys.split(',').map(Number)) await benchOne(keys);
