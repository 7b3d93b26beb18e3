// npm run bench:log -- [--seconds 3] [--entries-open 1000000] [--dir /tmp]
//
// Appends 256-byte entries (the encoded Avro Entry is 256 bytes; 264 on disk with the frame)
// with 1 and with 64 concurrent appenders, each awaiting its append before issuing the next. For
// each, a raw baseline measured in the same run writes the same number of records of the same
// size with fs write + fdatasync, in batches as large as the log's average group commit, with no
// encoding, framing or CRC; log and raw runs alternate in short rounds so both see the same load.
// Then times opening a log of --entries-open entries.
import { mkdtemp, open, rm, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { FRAME_HEADER_BYTES } from '../src/codec/framing.js';
import { entryCodec, type Entry } from '../src/codec/index.js';
import { SegmentedLog } from '../src/log/index.js';
import { percentile } from './bench/percentile.js';

const argv = await yargs(hideBin(process.argv))
  .scriptName('bench-log')
  .option('seconds', { type: 'number', default: 3, describe: 'duration of each append run' })
  .option('entries-open', { type: 'number', default: 1_000_000, describe: 'entries in the log whose open is timed (0 to skip)' })
  .option('dir', { type: 'string', default: tmpdir(), describe: 'where to create the temporary logs' })
  .strict()
  .parseAsync();

const ENTRY_BYTES = 256;
const payload = Buffer.alloc(1024, 0x61);
const dataBytes = dataLengthFor(ENTRY_BYTES);

/** The data length that makes an encoded entry (with a 6-digit index) exactly `target` bytes. */
function dataLengthFor(target: number): number {
  for (let length = target; length > 0; length--) {
    if (entryCodec.encode(makeEntry(500_000, length)).length === target) return length;
  }
  throw new Error(`no data length encodes to ${target} bytes`);
}

function makeEntry(index: number, length = dataBytes): Entry {
  return { index, term: 1, type: 'normal', data: payload.subarray(0, length) };
}

interface RunResult {
  entries: number;
  seconds: number;
  bytes: number;
  latencies: number[];
  batches: number;
}

const emptyResult = (): RunResult => ({ entries: 0, seconds: 0, bytes: 0, latencies: [], batches: 0 });

function add(total: RunResult, part: RunResult): void {
  total.entries += part.entries;
  total.seconds += part.seconds;
  total.bytes += part.bytes;
  for (const latency of part.latencies) total.latencies.push(latency);
  total.batches += part.batches;
}

async function withDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(argv.dir, 'keel-bench-log-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function latencyAt(latencies: number[], p: number): number {
  return percentile(Float64Array.from(latencies).sort(), p);
}

/** Appends for `seconds` with `appenders` concurrent appenders, each awaiting its append. */
async function runLog(log: SegmentedLog<Entry>, appenders: number, seconds: number, syncCount: () => number): Promise<RunResult> {
  const syncsBefore = syncCount();
  const bytesBefore = log.sizeBytes();
  const latencies: number[] = [];
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const appender = async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      await log.append([makeEntry(log.lastIndex() + 1)]);
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: appenders }, appender));
  return {
    entries: latencies.length,
    seconds: (performance.now() - started) / 1000,
    bytes: log.sizeBytes() - bytesBefore,
    latencies,
    batches: syncCount() - syncsBefore,
  };
}

/** The same records' bytes written in batches of `batch` records, one write + fdatasync each. */
async function runRaw(file: FileHandle, position: number, records: number, batch: number): Promise<RunResult> {
  const recordBytes = ENTRY_BYTES + FRAME_HEADER_BYTES;
  const buffer = Buffer.alloc(batch * recordBytes, 0x61);
  const latencies: number[] = [];
  let written = 0;
  const started = performance.now();
  while (written < records) {
    const count = Math.min(batch, records - written);
    const t0 = performance.now();
    await file.write(buffer, 0, count * recordBytes, position + written * recordBytes);
    await file.datasync();
    // Every record of the batch waited for the whole batch, as an append does.
    const latency = performance.now() - t0;
    for (let i = 0; i < count; i++) latencies.push(latency);
    written += count;
  }
  return { entries: records, seconds: (performance.now() - started) / 1000, bytes: records * recordBytes, latencies, batches: Math.ceil(records / batch) };
}

/**
 * Alternates short log and raw runs so that both see the same machine load (the machine is
 * shared), after one discarded warm-up round of each.
 */
async function compare(appenders: number, rounds: number): Promise<{ log: RunResult; raw: RunResult }> {
  return withDir(async (dir) => {
    let syncs = 0;
    const log = await SegmentedLog.open<Entry>(dir, {
      codec: entryCodec,
      fsync: (handle) => {
        syncs++;
        return handle.datasync();
      },
    });
    await log.reset(100_000); // six-digit indexes: every entry encodes to the same size
    const rawFile = await open(join(dir, 'raw.bin'), 'w');
    let rawPosition = 0;
    const total = { log: emptyResult(), raw: emptyResult() };
    for (let round = 0; round <= rounds; round++) {
      const seconds = round === 0 ? 0.3 : argv.seconds / rounds;
      const logPart = await runLog(log, appenders, seconds, () => syncs);
      const batch = Math.max(1, Math.round(logPart.entries / logPart.batches));
      const rawPart = await runRaw(rawFile, rawPosition, logPart.entries, batch);
      rawPosition += rawPart.bytes;
      if (round === 0) continue;
      add(total.log, logPart);
      add(total.raw, rawPart);
    }
    await rawFile.close();
    await log.close();
    return total;
  });
}

function describe(label: string, r: RunResult): string {
  const rate = r.entries / r.seconds;
  const mbps = r.bytes / r.seconds / 1e6;
  return `${label.padEnd(22)} ${Math.round(rate).toLocaleString('en-US').padStart(9)} entries/s  ${mbps.toFixed(1).padStart(6)} MB/s  ` +
    `p50 ${latencyAt(r.latencies, 0.5).toFixed(3)} ms  p99 ${latencyAt(r.latencies, 0.99).toFixed(3)} ms  ` +
    `${(r.entries / r.batches).toFixed(1)} entries/fsync`;
}

async function timeOpen(entries: number): Promise<void> {
  await withDir(async (dir) => {
    const log = await SegmentedLog.open<Entry>(dir, { codec: entryCodec });
    await log.reset(100_000);
    const chunk = 10_000;
    for (let next = 100_000; next < 100_000 + entries; next += chunk) {
      const count = Math.min(chunk, 100_000 + entries - next);
      await log.append(Array.from({ length: count }, (_, i) => makeEntry(next + i)));
    }
    const segments = log.segments().length;
    const bytes = log.sizeBytes();
    await log.close();
    const started = performance.now();
    const reopened = await SegmentedLog.open<Entry>(dir, { codec: entryCodec });
    const ms = performance.now() - started;
    const held = reopened.lastIndex() - reopened.firstIndex() + 1;
    await reopened.close();
    if (held !== entries) throw new Error(`reopened log holds ${held} entries, expected ${entries}`);
    console.log(`open ${entries.toLocaleString('en-US')} entries (${segments} segments, ${(bytes / 1e6).toFixed(0)} MB): ${ms.toFixed(0)} ms`);
  });
}

console.log(`entry ${ENTRY_BYTES} bytes encoded (${ENTRY_BYTES + FRAME_HEADER_BYTES} on disk), ${argv.seconds} s per configuration, dir ${argv.dir}`);
for (const appenders of [1, 64]) {
  const { log, raw } = await compare(appenders, 5);
  console.log(describe(`log, ${appenders} appender${appenders > 1 ? 's' : ''}`, log));
  console.log(describe('raw, same batches', raw));
  console.log(`${''.padEnd(22)} log/raw = ${(log.entries / log.seconds / (raw.entries / raw.seconds)).toFixed(2)}`);
}
if (argv['entries-open'] > 0) await timeOpen(argv['entries-open']);
