// npm run inspect -- <node dir | log dir> [--json] [--from N] [--to N]
//
// Without --from/--to: one line per segment (index range, term range, records, bytes, header
// version and schema fingerprint), then the snapshots beside the log. With --from and/or --to:
// the records in that index range, decoded, as JSON lines. Reads only; never changes a file.
import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { decodeEntryCommands, entryCodec, entryCodecFor, type Entry } from '../src/codec/index.js';
import { decodeConfChange } from '../src/raft/index.js';
import { codecResolver, examineLog, fingerprintHex, locateLog, type LogExamination } from '../src/log/index.js';
import { summarizeSnapshot, type SnapshotSummary } from '../src/store/snapshot-codec.js';
import { readFile } from 'node:fs/promises';

const argv = await yargs(hideBin(process.argv))
  .scriptName('inspect')
  .usage('$0 <dir>', 'describe a Keel log and dump its records', (y) =>
    y.positional('dir', { type: 'string', demandOption: true, describe: 'node directory <data>/<cluster>/<nodeId> or its log/ directory' }))
  .option('json', { type: 'boolean', default: false, describe: 'print the description as one JSON document' })
  .option('from', { type: 'number', describe: 'dump records from this index (JSON lines)' })
  .option('to', { type: 'number', describe: 'dump records up to this index, inclusive (JSON lines)' })
  .strict()
  .parseAsync();

const resolveCodec = codecResolver<Entry>(entryCodec, entryCodecFor);
const currentFingerprint = fingerprintHex(entryCodec.fingerprint);
const location = await locateLog(String(argv.dir));

if (argv.from !== undefined || argv.to !== undefined) {
  const report = await examineLog<Entry>(location.logDir, {
    resolveCodec,
    from: argv.from,
    to: argv.to,
    visit: ({ path, offset, entry }) => console.log(JSON.stringify({ ...describeEntry(entry), file: basename(path), offset }, bytesAsText)),
  });
  for (const p of report.problems) console.error(`${p.kind}: ${p.path} offset ${p.offset} index ${p.index}: ${p.reason}`);
  process.exitCode = report.problems.length > 0 ? 1 : 0;
} else {
  const report = await examineLog<Entry>(location.logDir, { resolveCodec });
  const snapshots = await listSnapshots(location.nodeDir);
  if (argv.json) console.log(JSON.stringify({ ...location, currentFingerprint, ...report, snapshots }, null, 2));
  else printSummary(report, snapshots);
}

/**
 * An entry with its payload decoded: the configuration change ({ change, conf }, Raft's record), the
 * command, or the commands of a batch entry (in the order they apply) it carries.
 */
function describeEntry(entry: Entry): Record<string, unknown> {
  const base = { index: entry.index, term: entry.term, type: entry.type, dataBytes: entry.data.length };
  try {
    if (entry.type === 'config') return { ...base, confChange: decodeConfChange(entry.data) };
    const commands = decodeEntryCommands(entry.data);
    return commands.length === 1 ? { ...base, command: commands[0] } : { ...base, commands };
  } catch (err) {
    return { ...base, data: entry.data, decodeError: (err as Error).message };
  }
}

/** JSON replacer: byte strings print as text when they are printable UTF-8, else as base64. */
function bytesAsText(_key: string, value: unknown): unknown {
  // Buffers reach a replacer already turned into { type: 'Buffer', data: [...] } by their toJSON.
  const serializedBuffer = value as { type?: unknown; data?: unknown } | null;
  const bytes = value instanceof Uint8Array ? Buffer.from(value)
    : serializedBuffer?.type === 'Buffer' && Array.isArray(serializedBuffer.data) ? Buffer.from(serializedBuffer.data as number[])
    : undefined;
  if (!bytes) return value;
  const text = bytes.toString('utf8');
  return /^[\x20-\x7e]*$/.test(text) ? text : `base64:${bytes.toString('base64')}`;
}

interface SnapshotFile {
  file: string;
  index: number;
  term: number;
  bytes: number;
  /** What the snapshot's head frame says (null with `error` when the file does not read). */
  summary: SnapshotSummary | null;
  error?: string;
}

/**
 * Snapshots live in <node dir>/snap/<index>-<term>.snap (DESIGN.md "On disk"); each is described
 * from its head frame (membership, revisions, counts). Full CRC checking of the key-value blocks
 * happens when a node loads it.
 */
async function listSnapshots(nodeDir: string): Promise<SnapshotFile[]> {
  const dir = join(nodeDir, 'snap');
  const names = await readdir(dir).catch(() => [] as string[]);
  const found: SnapshotFile[] = [];
  for (const name of names) {
    const match = /^(\d+)-(\d+)\.snap$/.exec(name);
    if (!match) continue;
    const file = join(dir, name);
    let summary: SnapshotSummary | null = null;
    let error: string | undefined;
    try {
      summary = summarizeSnapshot(await readFile(file));
    } catch (err) {
      error = (err as Error).message;
    }
    found.push({ file, index: Number(match[1]), term: Number(match[2]), bytes: (await stat(file)).size, summary, ...(error ? { error } : {}) });
  }
  return found.sort((a, b) => a.index - b.index);
}

function printSummary(report: LogExamination, snapshots: SnapshotFile[]): void {
  console.log(`log ${location.logDir} (current entry schema ${currentFingerprint})`);
  const rows = report.segments.map((s) => [
    basename(s.path),
    s.records > 0 ? `${s.firstIndex}..${s.lastIndex}` : 'empty',
    s.records > 0 ? `${s.minTerm}..${s.maxTerm}` : '-',
    String(s.records),
    String(s.bytes),
    `v${s.formatVersion}`,
    s.fingerprint + (s.fingerprint === currentFingerprint ? '' : s.decodable ? ' (older schema)' : ' (UNKNOWN schema)'),
  ]);
  printTable(['segment', 'indexes', 'terms', 'records', 'bytes', 'format', 'fingerprint'], rows);
  const bytes = report.segments.reduce((sum, s) => sum + s.bytes, 0);
  const records = report.segments.reduce((sum, s) => sum + s.records, 0);
  console.log(`total: ${report.segments.length} segments, ${records} records, ${bytes} bytes`);
  for (const p of report.problems) console.log(`${p.kind.toUpperCase()}: ${p.path} offset ${p.offset} index ${p.index}: ${p.reason}`);
  console.log(snapshots.length === 0 ? 'snapshots: none' : 'snapshots:');
  for (const s of snapshots) {
    const what = s.summary
      ? `revision ${s.summary.revision}  compact ${s.summary.compactRevision}  ${s.summary.kvCount} keys  ${s.summary.leases} leases  ${s.summary.clients} clients  voters ${s.summary.meta.conf.voters.join(',')}` +
        (s.summary.meta.conf.learners.length > 0 ? `  learners ${s.summary.meta.conf.learners.join(',')}` : '')
      : `UNREADABLE: ${s.error}`;
    console.log(`  ${basename(s.file)}  index ${s.index}  term ${s.term}  ${s.bytes} bytes  ${what}`);
  }
}

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  console.log(line(header));
  for (const row of rows) console.log(line(row));
}
