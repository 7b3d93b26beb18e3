// The chaos suite: a real 3-node cluster under kill -9, SIGSTOP/SIGCONT, NATS disconnects and a
// failing disk, with concurrent clients whose histories are checked for linearizability and lost
// acknowledged writes (test/chaos/README.md).
//   npm run chaos -- --duration 300 --seed 42
//   npm run chaos -- --faults kill,netcut --clients 6
// Exits 1 when a check fails; the cluster's data and node logs are then kept (the path is printed).
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { FAULT_KINDS, type FaultKind } from '../test/chaos/nemesis.js';
import { describeReport, runChaos } from '../test/chaos/run.js';

const argv = yargs(hideBin(process.argv))
  .option('duration', { type: 'number', default: 60, describe: 'seconds of faults and client operations' })
  .option('seed', { type: 'number', describe: 'seed of the fault plan and the client operations (default: random, printed)' })
  .option('clients', { type: 'number', default: 4, describe: 'concurrent clients' })
  .option('workers-per-client', { type: 'number', default: 2, describe: 'workers sharing each client (their requests of one turn go as one batch)' })
  .option('faults', { type: 'string', default: FAULT_KINDS.join(','), describe: `fault kinds (${FAULT_KINDS.join(', ')})` })
  .option('keep', { type: 'boolean', default: false, describe: 'keep the data and node logs even when the run passes' })
  .strict()
  .parseSync();

const faults = argv.faults.split(',').map((s) => s.trim()).filter(Boolean);
const unknown = faults.filter((f) => !FAULT_KINDS.includes(f as FaultKind));
if (unknown.length > 0) {
  console.error(`unknown fault kind(s): ${unknown.join(', ')} (known: ${FAULT_KINDS.join(', ')})`);
  process.exit(2);
}
const seed = argv.seed ?? Math.floor(Math.random() * 2 ** 31);
const started = Date.now();
const report = await runChaos({
  seed, durationMs: argv.duration * 1000, clients: argv.clients, workersPerClient: argv.workersPerClient, faults: faults as FaultKind[], keepData: argv.keep,
  log: (line) => console.log(`[${((Date.now() - started) / 1000).toFixed(1)} s] ${line}`),
});
console.log(describeReport(report));
console.log(`replay: npm run chaos -- --seed ${seed} --duration ${argv.duration} --clients ${argv.clients} --workers-per-client ${argv.workersPerClient} --faults ${faults.join(',')}`);
process.exit(report.ok ? 0 : 1);
