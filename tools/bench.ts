// `npm run bench`: throughput and latency of a 3-node Keel cluster on this machine.
//   seqput    1 client, sequential 256-byte puts
//   put64     64 puts in flight
//   get64     64 linearizable gets in flight (ReadIndex; served by any node)
//   getser64  64 serializable gets in flight (local projection)
//   watch     1 prefix watcher, sequential puts: latency from put to the event reaching the watcher
//   fanout    1,000 watchers on one prefix, sequential puts: latency until every watcher has the event
//   offsets1k consumer-group offset commits of 1,000 partitions each (placement center), one at a time
// Starts its own cluster (nats-server + 3 `keel serve` processes, temp data) unless --servers points
// at one. Prints a table and writes the results as JSON (default bench-results/bench-<time>.json).
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { connect, placement } from '../src/client/index.js';
import { startLocalCluster, type LocalCluster } from '../src/node/local-cluster.js';
import { medianRun, runClosedLoop, type WorkloadResult } from './bench/runner.js';
import { prepareWatchWorkload, type WatchWorkload } from './bench/watch-workloads.js';
import { waitForLeader } from './bench/wait-leader.js';

const WORKLOADS = ['seqput', 'put64', 'get64', 'getser64', 'watch', 'fanout', 'offsets1k'] as const;
/** Watchers per watch workload. */
const WATCHERS: Partial<Record<string, number>> = { watch: 1, fanout: 1000 };
type Workload = (typeof WORKLOADS)[number];

const argv = await yargs(hideBin(process.argv))
  .option('servers', { type: 'string', describe: 'use the running cluster behind these NATS servers' })
  .option('cluster', { type: 'string', default: 'default' })
  .option('workloads', { type: 'string', default: WORKLOADS.join(','), describe: `comma-separated: ${WORKLOADS.join(', ')}` })
  .option('duration', { type: 'number', default: 5, describe: 'seconds per run' })
  .option('runs', { type: 'number', default: 3, describe: 'runs per workload; the median is reported' })
  .option('value-bytes', { type: 'number', default: 256 })
  .option('keys', { type: 'number', default: 10_000, describe: 'key space for puts and gets' })
  .option('out', { type: 'string', describe: 'JSON results file' })
  .option('progress', { type: 'boolean', default: true })
  .option('secure', { type: 'boolean', default: false, describe: 'the started cluster runs with NATS permissions and Raft MACs (docs/security.md)' })
  .strict()
  .parse();

const workloads = argv.workloads.split(',').map((w) => w.trim()) as Workload[];
for (const w of workloads) if (!WORKLOADS.includes(w)) throw new Error(`unknown workload ${w}`);

let cluster: LocalCluster | null = null;
let servers = argv.servers;
if (!servers) {
  process.stdout.write('starting a local 3-node cluster... ');
  cluster = await startLocalCluster({ size: 3, logLevel: 'warn', secure: argv.secure });
  servers = cluster.nats.url;
  console.log(`nats ${servers}, data ${cluster.dataDir}`);
}

const stopCluster = async (): Promise<void> => {
  if (cluster) await cluster.stop();
  cluster = null;
};
process.once('SIGINT', () => void stopCluster().then(() => process.exit(130)));

try {
  const client = await connect({ servers, cluster: argv.cluster, deadlineMs: 30_000 });
  await waitForLeader(client);
  const value = Buffer.alloc(argv.valueBytes, 'v');
  const key = (i: number): string => `bench/${String(i % argv.keys).padStart(8, '0')}`;
  // Preload the key space so gets find values.
  await Promise.all(Array.from({ length: argv.keys }, (_, i) => client.put(key(i), value)));

  const offsets = placement(client).offsets;
  const partitions = Array.from({ length: 1000 }, (_, p) => p);
  const watchOp = (w: Workload) => (worker: number, i: number) => watchWorkloads.get(w)!.op(worker, i);
  const ops: Record<Workload, { concurrency: number; op: (w: number, i: number) => Promise<unknown> }> = {
    watch: { concurrency: 1, op: watchOp('watch') },
    fanout: { concurrency: 1, op: watchOp('fanout') },
    seqput: { concurrency: 1, op: (_w, i) => client.put(key(i), value) },
    put64: { concurrency: 64, op: (_w, i) => client.put(key(i), value) },
    get64: { concurrency: 64, op: (_w, i) => client.get(key(i)) },
    getser64: { concurrency: 64, op: (_w, i) => client.get(key(i), { serializable: true }) },
    offsets1k: { concurrency: 1, op: (_w, i) => offsets.commit('bench', partitions.map((p) => ({ topic: 'bench', partition: p, offset: i }))) },
  };
  const results: WorkloadResult[] = [];
  const watchWorkloads = new Map<Workload, WatchWorkload>();
  for (const w of workloads) {
    const watchers = WATCHERS[w];
    if (watchers !== undefined) watchWorkloads.set(w, await prepareWatchWorkload(client, w, watchers, value));
    const runs: WorkloadResult[] = [];
    for (let r = 0; r < argv.runs; r++) {
      runs.push(await runClosedLoop(`${w} ${r + 1}/${argv.runs}`, ops[w].concurrency, argv.duration * 1000, ops[w].op, { progress: argv.progress }));
    }
    results.push({ ...medianRun(runs), name: w });
    await watchWorkloads.get(w)?.close();
  }
  await client.close();

  console.log('\nworkload   in-flight      ops/s    p50 ms    p99 ms   errors   (median of %d runs of %d s)', argv.runs, argv.duration);
  for (const r of results) {
    console.log(`${r.name.padEnd(10)} ${String(r.concurrency).padStart(9)} ${String(r.opsPerSec).padStart(10)} ${r.p50ms.toFixed(2).padStart(9)} ${r.p99ms.toFixed(2).padStart(9)} ${String(r.errors).padStart(8)}`);
  }
  const out = argv.out ?? path.join('bench-results', `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  await mkdir(path.dirname(out), { recursive: true });
  await writeFile(out, JSON.stringify({ at: new Date().toISOString(), valueBytes: argv.valueBytes, runs: argv.runs, durationSeconds: argv.duration, results }, null, 2));
  console.log(`results written to ${out}`);
} finally {
  await stopCluster();
}
