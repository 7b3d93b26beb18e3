// npm run verify -- <node dir | log dir> [--json] [--repair]
//
// Checks every segment header, every record's CRC and the index sequence, without changing
// anything. Exit codes: 0 sound; 1 corruption (the node will refuse to start); 2 only a torn
// write at the tail of the last segment (the next open cuts it; --repair cuts it now).
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { entryCodec, entryCodecFor, type Entry } from '../src/codec/index.js';
import { SegmentedLog, codecResolver, examineLog, locateLog, type LogExamination } from '../src/log/index.js';

const argv = await yargs(hideBin(process.argv))
  .scriptName('verify')
  .usage('$0 <dir>', 'verify a Keel log: CRCs, headers, index sequence', (y) =>
    y.positional('dir', { type: 'string', demandOption: true, describe: 'node directory <data>/<cluster>/<nodeId> or its log/ directory' }))
  .option('json', { type: 'boolean', default: false, describe: 'print the report as JSON' })
  .option('repair', { type: 'boolean', default: false, describe: 'cut a torn tail (takes the node lock; the node must be stopped)' })
  .strict()
  .parseAsync();

const resolveCodec = codecResolver<Entry>(entryCodec, entryCodecFor);

const location = await locateLog(String(argv.dir));
let report = await examineLog(location.logDir, { resolveCodec });
const onlyTorn = report.problems.length > 0 && report.problems.every((p) => p.kind === 'torn-tail');
if (argv.repair && onlyTorn) {
  // Opening the log is the repair: recovery cuts the torn tail and logs what it cut.
  const log = await SegmentedLog.open<Entry>(location.nodeDir, { codec: entryCodec, resolveCodec });
  await log.close();
  report = await examineLog(location.logDir, { resolveCodec });
}
print(report);
process.exitCode = exitCode(report);

function exitCode({ problems }: LogExamination): number {
  if (problems.length === 0) return 0;
  return problems.some((p) => p.kind === 'corruption') ? 1 : 2;
}

function print(report: LogExamination): void {
  if (argv.json) {
    console.log(JSON.stringify({ logDir: location.logDir, sound: report.problems.length === 0, ...report }, null, 2));
    return;
  }
  const records = report.segments.reduce((sum, s) => sum + s.records, 0);
  const first = report.segments.find((s) => s.records > 0)?.firstIndex ?? 0;
  const last = report.segments.at(-1)?.lastIndex ?? 0;
  console.log(`${location.logDir}: ${report.segments.length} segments, ${records} records, indexes ${first}..${last}`);
  for (const p of report.problems) {
    const label = p.kind === 'corruption' ? 'CORRUPT' : 'TORN TAIL (cut at next open, or run with --repair)';
    console.log(`${label}: ${p.path} offset ${p.offset} index ${p.index}: ${p.reason}`);
  }
  if (report.problems.length === 0) console.log('OK: every header, CRC and index is sound');
}
