// npm run bench:snapshot -- [--keys 100000,1000000] [--value-bytes 256] [--retain 5000] [--dir /tmp]
//
// For each key count: builds a real node directory in-process (a segmented log of one put per key,
// applied to a KvStore), then measures
//   - snapshot write: capture of the point-in-time view (the only synchronous part), then streaming
//     encode + write + fsync + rename, with the longest event-loop stall seen meanwhile;
//   - log bytes on disk before and after compaction (segments wholly below index - retain dropped);
//   - restart: opening the log, loading + checking the newest snapshot, rebuilding the store, and
//     replaying the log tail (what KeelNode.open does before it serves).
// Run with enough heap for a million keys, e.g. NODE_OPTIONS=--max-old-space-size=6144.
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

async function benchOne(keys: number): Promise<void> {
  const dir = await mkdtemp(join(argv.dir, 'keel-bench-snap-'));
  try {
    const value = Buffer.alloc(argv['value-bytes'], 0x76);
    const store = new KvStore();
    let log = await openLog(dir);
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
    const maxStallMs = delay.max / 1e6;

    await log.dropPrefix(meta.index - argv.retain);
    const logAfter = log.sizeBytes();
    await log.close();

    // Restart: what KeelNode.open does before serving.
    const r0 = performance.now();
    log = await openLog(dir);
    const { snapshot, entries } = await restoreFromDisk(dir, log, logger);
    const restoredStore = snapshot ? KvStore.fromSnapshot(snapshot.store) : new KvStore();
    for (const e of entries) if (e.index > restoredStore.appliedIndex) restoredStore.apply(e.index, decodeCommand(e.data));
    const restartMs = performance.now() - r0;
    await log.close();
    if (restoredStore.size !== keys || restoredStore.revision !== store.revision) throw new Error('restart did not rebuild the same store');

    console.log(
      `${keys} keys x ${argv['value-bytes']} B: build ${ms(buildMs)} | snapshot ${mb(file.bytes)}: capture ${ms(captureMs)}, ` +
      `write ${ms(writeMs)} (longest event-loop stall ${ms(maxStallMs)}) | log ${mb(logBefore)} -> ${mb(logAfter)} after compaction ` +
      `(retain ${argv.retain}) | restart from snapshot + tail: ${ms(restartMs)}`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

for (const keys of argv.keys.split(',').map(Number)) await benchOne(keys);
