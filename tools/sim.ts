// Deterministic Raft cluster simulation.
//   npm run sim -- --seed N            replay one seed (prints its stats or its violation)
//   npm run sim -- --seeds 10000       a campaign of seeds 1..N (or --from S)
//   options: --steps N (default 2000), --stress (frequent crashes/partitions), --size 3|5,
//            --torn-rate P (crash while a disk write is pending), --disk-delay N (steps a write takes)
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { simulate, STRESS, type SimOptions } from '../test/raft/sim/simulate.js';

const argv = yargs(hideBin(process.argv))
  .option('seed', { type: 'number', describe: 'replay this one seed' })
  .option('seeds', { type: 'number', default: 300, describe: 'how many seeds to run' })
  .option('from', { type: 'number', default: 1, describe: 'first seed of a campaign' })
  .option('steps', { type: 'number', default: 2000 })
  .option('size', { type: 'number', choices: [3, 5] })
  .option('stress', { type: 'boolean', default: false })
  .option('torn-rate', { type: 'number', describe: 'chance per step that a node with a disk write pending crashes' })
  .option('disk-delay', { type: 'number', describe: 'most steps a disk write takes to become durable (default: 0-3 by seed)' })
  .strict()
  .parseSync();

function options(seed: number): SimOptions {
  return {
    seed, steps: argv.steps,
    ...(argv.diskDelay !== undefined ? { diskDelay: argv.diskDelay } : {}),
    ...(argv.size ? { size: argv.size } : {}), ...(argv.stress ? STRESS : {}),
    ...(argv.tornRate !== undefined ? { tornWriteRate: argv.tornRate } : {}),
  };
}

if (argv.seed !== undefined) {
  const r = await simulate(options(argv.seed));
  if (r.ok) {
    console.log(`seed ${r.seed}: ok`, r.stats);
  } else {
    console.error(`seed ${r.seed}: FAILED at step ${r.step}: ${r.error}`);
    process.exitCode = 1;
  }
} else {
  const started = Date.now();
  let failed = 0;
  for (let seed = argv.from; seed < argv.from + argv.seeds; seed++) {
    const r = await simulate(options(seed));
    if (!r.ok) {
      failed++;
      console.error(`seed ${seed}: FAILED at step ${r.step}: ${r.error}\n  replay: npm run sim -- --seed ${seed} ${process.argv.slice(2).filter((a, i, all) => !['--seeds', '--from'].includes(a) && !['--seeds', '--from'].includes(all[i - 1])).join(' ')}`);
    }
    if ((seed - argv.from + 1) % 1000 === 0) console.log(`${seed - argv.from + 1} seeds, ${failed} failed, ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  console.log(`${argv.seeds} seeds x ${argv.steps} steps: ${failed} failed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (failed > 0) process.exitCode = 1;
}
