// npm run bench:cost -- [--loads seq,2000,6000,put64] [--seconds 4] [--warmup 20000] [--json F]
// Where a put's CPU goes, per process, as the batch size changes. Starts a 3-node cluster with
// nats-server's monitoring on, then runs puts (256-byte values, 10,000 keys) at each load:
//   seq     one put at a time (batches of one)
//   <rate>  open loop at that many puts/s (batches grow with the rate)
//   put64   64 puts in flight (the kit's put64)
// For each it reports the CPU per put of every process (the load generator, nats-server, each node)
// and the NATS messages per put through the server (fewer per put = larger batches): the cost that
// batching amortizes (messages, syscalls, wakeups, MACs, Ready turns) falls with it, the cost of each
// put's own bytes and objects (codec, store, log, GC) does not. Linux only (/proc).
import { writeFile } from 'node:fs/promises';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { connect, type KeelClient } from '../src/client/index.js';
import { freePort, startLocalCluster } from '../src/node/local-cluster.js';
import { percentile } from './bench/percentile.js';
import { cpuSeconds } from './bench/proc-cpu.js';
import { round, runClosedLoop } from './bench/runner.js';
import { waitForLeader } from './bench/wait-leader.js';

const argv = yargs(hideBin(process.argv))
  .option('loads', { type: 'string', default: 'seq,2000,6000,put64', describe: 'comma-separated: seq, put64, or a rate in puts/s' })
  .option('seconds', { type: 'number', default: 4, describe: 'seconds per load' })
  .option('warmup', { type: 'number', default: 20_000, describe: 'puts (64 in flight) before measuring, so the JIT has compiled the hot paths' })
  .option('json', { type: 'string', describe: 'also write the results as JSON to this file' })
  .strict()
  .parseSync();

const KEYS = 10_000;
const VALUE = new Uint8Array(256).fill(118);
/** Open-loop puts beyond this many in flight are not issued (and are counted): the cluster is saturated. */
const MAX_IN_FLIGHT = 1024;

interface LoadResult {
  load: string;
  puts: number;
  skipped: number;
  opsPerSec: number;
  p50ms: number;
  p99ms: number;
  natsMsgsPerPut: number;
  /** CPU microseconds per put, by process name. */
  cpuUsPerPut: Record<string, number>;
}

const loads = argv.loads.split(',').map((l) => l.trim()).filter(Boolean);
for (const l of loads) if (l !== 'seq' && l !== 'put64' && !(Number(l) > 0)) throw new Error(`unknown load ${l}: seq, put64 or a rate in puts/s`);

const monitorPort = await freePort();
const cluster = await startLocalCluster({ size: 3, logLevel: 'warn', natsMonitorPort: monitorPort });
let client: KeelClient | null = null;
try {
  client = await connect({ servers: cluster.nats.url, deadlineMs: 30_000 });
  const leader = await waitForLeader(client);
  const kv = client;
  const put = (i: number): Promise<unknown> => kv.put(`cost/${i % KEYS}`, VALUE);
  await closedLoop(64, argv.warmup, put);

  const names = ['nats-server', ...cluster.ids.map((id) => (id === leader ? `${id} (leader)` : id))];
  const pids = [cluster.nats.child.pid!, ...cluster.ids.map((id) => cluster.nodes.get(id)!.child.pid!)];
  const results: LoadResult[] = [];
  for (const load of loads) {
    const msgs0 = await natsMessagesIn(monitorPort);
    const cpu0 = cpuSeconds(pids);
    const own0 = process.cpuUsage();
    const run = load === 'seq' || load === 'put64'
      ? { ...(await runClosedLoop(load, load === 'seq' ? 1 : 64, argv.seconds * 1000, (_w, i) => put(i), { progress: false })), skipped: 0 }
      : await openLoop(Number(load), argv.seconds, put);
    const own = process.cpuUsage(own0);
    const cpu = cpuSeconds(pids).map((s, i) => s - cpu0[i]!);
    const msgs = (await natsMessagesIn(monitorPort)) - msgs0;
    const n = run.ops;
    const cpuUsPerPut: Record<string, number> = { client: round((own.user + own.system) / n) };
    names.forEach((name, i) => { cpuUsPerPut[name] = round((cpu[i]! * 1e6) / n); });
    results.push({
      load, puts: n, skipped: run.skipped, opsPerSec: run.opsPerSec, p50ms: run.p50ms, p99ms: run.p99ms,
      natsMsgsPerPut: round(msgs / n), cpuUsPerPut,
    });
  }
  print(results, ['client', ...names]);
  if (argv.json) await writeFile(argv.json, JSON.stringify({ at: new Date().toISOString(), results }, null, 2));
} finally {
  await client?.close();
  await cluster.stop();
}

/** Messages nats-server has received so far (its /varz in_msgs). */
async function natsMessagesIn(port: number): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/varz`);
  if (!res.ok) throw new Error(`nats-server monitoring answered ${res.status}`);
  return ((await res.json()) as { in_msgs: number }).in_msgs;
}

async function closedLoop(concurrency: number, count: number, op: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => { while (next < count) await op(next++); };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** Issues puts at `rate` per second (checked every millisecond) whatever the answers, for `seconds`. */
async function openLoop(rate: number, seconds: number, op: (i: number) => Promise<unknown>): Promise<{ ops: number; opsPerSec: number; p50ms: number; p99ms: number; skipped: number }> {
  const latencies: number[] = [];
  const start = performance.now();
  let issued = 0;
  let skipped = 0;
  let inFlight = 0;
  const running: Promise<void>[] = [];
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const elapsed = performance.now() - start;
      if (elapsed >= seconds * 1000) {
        clearInterval(timer);
        resolve();
        return;
      }
      const due = Math.floor((elapsed * rate) / 1000);
      for (; issued < due; issued++) {
        if (inFlight >= MAX_IN_FLIGHT) {
          skipped++;
          continue;
        }
        const t = performance.now();
        inFlight++;
        running.push(op(issued).then(() => { latencies.push(performance.now() - t); inFlight--; }));
      }
    }, 1);
  });
  await Promise.all(running);
  const secondsTaken = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    ops: latencies.length, opsPerSec: Math.round(latencies.length / secondsTaken),
    p50ms: round(percentile(latencies, 0.5)), p99ms: round(percentile(latencies, 0.99)), skipped,
  };
}

function print(results: LoadResult[], names: string[]): void {
  const col = (s: string | number, w: number): string => String(s).padStart(w);
  const servers = (r: LoadResult): number => names.filter((n) => n !== 'client').reduce((s, n) => s + r.cpuUsPerPut[n]!, 0);
  console.log(`\nCPU per put in microseconds (${argv.seconds} s per load, 256-byte values, ${KEYS} keys)`);
  console.log(`${'load'.padEnd(7)}${col('puts/s', 8)}${col('p50 ms', 8)}${col('p99 ms', 8)}${col('msgs/put', 9)}${names.map((n) => col(n, Math.max(9, n.length + 2))).join('')}${col('servers', 9)}`);
  for (const r of results) {
    console.log(`${r.load.padEnd(7)}${col(r.opsPerSec, 8)}${col(r.p50ms.toFixed(2), 8)}${col(r.p99ms.toFixed(2), 8)}${col(r.natsMsgsPerPut.toFixed(2), 9)}`
      + `${names.map((n) => col(r.cpuUsPerPut[n]!.toFixed(1), Math.max(9, n.length + 2))).join('')}${col(servers(r).toFixed(1), 9)}`
      + (r.skipped ? `  (${r.skipped} puts not issued: over ${MAX_IN_FLIGHT} in flight)` : ''));
  }
  const perMessage = results.map((r) => `${r.load} ${(servers(r) / r.natsMsgsPerPut).toFixed(0)}`).join(', ');
  console.log(`\nall server CPU divided by NATS messages, per message: ${perMessage} us`);
}
