// npm run fuzz -- [--seed N] [--payloads 100000] [--secure]: the full fuzz of a real 3-node cluster (see
// test/fuzz/fuzz-cluster.ts). Prints the counts; exits 1 with the seed to replay on failure.
import { describe, fuzzCluster } from '../test/fuzz/fuzz-cluster.js';

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const seed = flag('seed', Math.floor(Math.random() * 2 ** 31));
const payloads = flag('payloads', 100_000);
const started = Date.now();
console.log(`fuzz: seed ${seed}, ${payloads} payloads${process.argv.includes('--secure') ? ', secured cluster' : ''}`);
const secure = process.argv.includes('--secure');
const report = await fuzzCluster({ seed, payloads, secure, log: (line) => console.log(line) });
console.log(describe(report));
console.log(`took ${Math.round((Date.now() - started) / 1000)} s`);
process.exit(report.failures.length === 0 ? 0 : 1);
