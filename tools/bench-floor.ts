// npm run bench:floor -- [--puts N] [--no-fsync] [--serve --port P --pidfile F]
// The floor of Keel's design on this machine: a "null Keel" (tools/floor/) sends the same NATS
// messages and makes the same O_DSYNC writes as a Keel put, and does nothing else (no Raft, Avro,
// store, MAC). Measures a sequential put and a follower's watch event like the side-by-side kit
// (256-byte values, 1,000 keys): latency, and CPU per put of every server process (nats-server
// included). --serve keeps it running for the kit instead (docs/performance.md).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, type NatsConnection } from 'nats';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { startNats } from '../src/node/local-cluster.js';
import { Kind, SUBJECTS, frame } from './floor/skeleton-wire.js';

const argv = yargs(hideBin(process.argv))
  .option('puts', { type: 'number', default: 2000, describe: 'sequential puts per workload' })
  .option('fsync', { type: 'boolean', default: true, describe: 'O_DSYNC writes (--no-fsync: the NATS hops alone)' })
  .option('serve', { type: 'boolean', default: false, describe: 'keep the skeleton running for the side-by-side kit' })
  .option('port', { type: 'number', default: 0, describe: 'nats-server port (0: any free one)' })
  .option('pidfile', { type: 'string', describe: 'with --serve: write the server pids here (nats-server and the three nodes)' })
  .strict()
  .parseSync();

const here = path.dirname(fileURLToPath(import.meta.url));
const CLK_TCK = 100;

/** CPU seconds (user + system) each process has used so far. */
function cpuSeconds(pids: number[]): number[] {
  return pids.map((pid) => {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  });
}

const quantile = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))]!;

async function waitReady(nc: NatsConnection, id: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      await nc.request(SUBJECTS.ping(id), new Uint8Array(0), { timeout: 200 });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`skeleton node ${id} did not start`);
}

/** Sequential puts; with `waitFor`, each also waits for what it returns (the put's watch event). */
async function sequential(nc: NatsConnection, prefix: string, pids: number[], waitFor?: (key: string) => Promise<void>) {
  const value = new Uint8Array(256).fill(120);
  for (let i = 0; i < 200; i++) await nc.request(SUBJECTS.put, frame(Kind.Put, 0, `warm.${i}`, value));
  const lat: number[] = [];
  const cpu0 = cpuSeconds(pids);
  for (let i = 0; i < argv.puts; i++) {
    const key = `${prefix}.${i % 1000}`;
    const seen = waitFor?.(key);
    const t = performance.now();
    await Promise.all([nc.request(SUBJECTS.put, frame(Kind.Put, 0, key, value), { timeout: 5000 }), seen]);
    lat.push(performance.now() - t);
  }
  const perProcess = cpuSeconds(pids).map((s, i) => ((s - cpu0[i]!) * 1000) / argv.puts);
  lat.sort((a, b) => a - b);
  return { p50: quantile(lat, 0.5), p99: quantile(lat, 0.99), cpuMsPerOp: perProcess.reduce((a, b) => a + b, 0), perProcess };
}

async function main(): Promise<void> {
  const nats = await startNats({ port: argv.port });
  const dir = await mkdtemp(path.join(tmpdir(), 'keel-floor-'));
  const nodes: ChildProcess[] = ['leader', 'f1', 'f2'].map((role) => spawn(
    process.execPath, ['--import', 'tsx', path.join(here, 'floor', 'skeleton-node.ts'), role, nats.url, dir],
    { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, FLOOR_FSYNC: argv.fsync ? '1' : '0' } },
  ));
  const nc = await connect({ servers: nats.url, name: 'floor-bench' });
  const stop = async (): Promise<void> => {
    await nc.close();
    await Promise.all(nodes.map((n) => new Promise((r) => { n.once('exit', r); n.kill('SIGTERM'); })));
    await nats.stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (const id of ['leader', 'f1', 'f2']) await waitReady(nc, id);
    const pids = [nats.child.pid!, ...nodes.map((n) => n.pid!)];
    if (argv.serve) {
      if (argv.pidfile) await writeFile(argv.pidfile, `${pids.join('\n')}\n`);
      console.log(`null Keel on 127.0.0.1:${nats.port}, pids: ${pids.join(' ')} (Ctrl-C stops it)`);
      await new Promise<void>((resolve) => { process.once('SIGINT', resolve); process.once('SIGTERM', resolve); });
      return;
    }
    const put = await sequential(nc, 'k', pids);
    // A watcher on its own connection, fed by a follower (the commit notice's extra hop).
    const watcher = await connect({ servers: nats.url, name: 'floor-watcher' });
    const waiting = new Map<string, () => void>();
    watcher.subscribe(`${SUBJECTS.watchPrefix}w.>`, {
      callback: (_err, msg) => waiting.get(msg.subject.slice(SUBJECTS.watchPrefix.length))?.(),
    });
    await watcher.flush();
    const watch = await sequential(nc, 'w', pids, (key) => new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no watch event for ${key} within 5 s`)), 5000);
      waiting.set(key, () => { clearTimeout(timer); resolve(); });
    }));
    await watcher.close();
    const ms = (x: number): string => x.toFixed(3);
    console.log(`null Keel (${argv.fsync ? 'O_DSYNC writes' : 'no writes'}), ${argv.puts} sequential puts each:`);
    console.log(`  seqput  p50 ${ms(put.p50)} ms  p99 ${ms(put.p99)} ms  server CPU ${ms(put.cpuMsPerOp)} ms/put`
      + ` (nats-server ${ms(put.perProcess[0]!)}, leader ${ms(put.perProcess[1]!)}, followers ${ms(put.perProcess[2]!)} and ${ms(put.perProcess[3]!)})`);
    console.log(`  watch   p50 ${ms(watch.p50)} ms  p99 ${ms(watch.p99)} ms  (put -> event from a follower)`);
  } finally {
    await stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
