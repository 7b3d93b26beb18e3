// npm run compact -- <node dir> [--peers n1,n2,n3] [--json]
//
// Offline compaction of a STOPPED node's directory: writes a snapshot at the last committed index
// and drops the log segments it covers, printing the sizes before and after. It takes the node's
// lock, so the directory of a running node is refused (exit 3, naming the holder's pid).
// Exit codes: 0 done; 1 the directory cannot be compacted (reason printed); 3 the node is running.
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { LogLockedError, locateLog } from '../src/log/index.js';
import { compactNodeDirectory, type DirectorySize } from '../src/node/snapshot-offline.js';

const argv = await yargs(hideBin(process.argv))
  .scriptName('compact')
  .usage('$0 <dir>', 'snapshot a stopped node at its commit index and drop the log it covers', (y) =>
    y.positional('dir', { type: 'string', demandOption: true, describe: 'node directory <data>/<cluster>/<nodeId>' }))
  .option('peers', { type: 'string', describe: 'the initial voters, comma-separated (only for a directory written before the initial membership was logged as entry 1, with no snapshot and no membership change)' })
  .option('json', { type: 'boolean', default: false, describe: 'print the report as JSON' })
  .strict()
  .parseAsync();

try {
  const { nodeDir } = await locateLog(String(argv.dir));
  const peers = argv.peers?.split(',').map((p) => p.trim()).filter(Boolean);
  const report = await compactNodeDirectory(nodeDir, { peers });
  if (argv.json) {
    console.log(JSON.stringify(report, null, 2));
  } else {
    console.log(`node directory ${nodeDir}, commit index ${report.commitIndex}`);
    console.log(`before: ${describe(report.before)}`);
    console.log(report.snapshot
      ? `snapshot: ${report.snapshot.path} (index ${report.snapshot.index}, term ${report.snapshot.term}, ${report.snapshot.kvs} keys, ${report.snapshot.bytes} bytes)`
      : 'snapshot: the newest snapshot already covers the commit index');
    console.log(`after:  ${describe(report.after)}`);
    const total = (s: DirectorySize) => s.logBytes + s.snapshotBytes;
    console.log(`total:  ${total(report.before)} -> ${total(report.after)} bytes`);
  }
} catch (err) {
  if (err instanceof LogLockedError) {
    console.error(`refusing to compact: ${err.message}`);
    process.exitCode = 3;
  } else {
    console.error(`compact: ${(err as Error).message}`);
    process.exitCode = 1;
  }
}

function describe(s: DirectorySize): string {
  const range = s.firstIndex === 0 ? `empty (next index ${s.lastIndex + 1})` : `indexes ${s.firstIndex}..${s.lastIndex}`;
  return `log ${s.logBytes} bytes in ${s.segments} segment(s), ${range}; snapshots ${s.snapshotBytes} bytes in ${s.snapshots} file(s)`;
}
