// npm run bench:floor -- [--puts N] [--no-fsync] [--serve --port P --pidfile F]
// The floor of Keel's design on this machine: a "null Keel" (tools/floor/) sends the same NATS
// messages and makes the same O_DSYNC writes as a Keel put, and does nothing else (no Raft, Avro,
// store, MAC). Measures like the side-by-side kit (256-byte values): sequential puts over 1,000
// keys, 64 puts in flight over 10,000 keys (batched per turn, as Keel's client does), and a
// follower's watch events; latency, and CPU per put of every server process (nats-server included).
// --serve keeps it running for the kit instead (docs/performance.md).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, type NatsConnection } from 'nats';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { startNats } from '../src/node/local-cluster.js';
import { percentile } from './bench/percentile.js';
import { cpuSeconds } from './bench/proc-cpu.js';
import { FloorClient } from './floor/skeleton-client.js';
import { SUBJECTS } from './floor/skeleton-wire.js';

const argv = yargs(hideBin(process.argv))
  .option('puts', { type: 'number', default: 2000, describe: 'sequential puts per workload (put64 makes ten times as many)' })
  .option('fsync', { type: 'boolean', default: true, describe: 'O_DSYNC writes (--no-fsync: the NATS hops alone)' })
  .option('serve', { type: 'boolean', default: false, describe: 'keep the skeleton running for the side-by-side kit' })
  .option('port', { type: 'number', default: 0, describe: 'nats-server port (0: any free one)' })
  .option('pidfile', { type: 'string', describe: 'with --serve: write the server pids here (nats-server and the three nodes)' })
  .strict()
  .parseSync();

const here = path.dirname(fileURLToPath(import.meta.url));

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

const VALUE = new Uint8Array(256).fill(120);

/** CPU per put of each process over `run`, which makes `puts` puts. */
async function measured(pids: number[], puts: number, run: () => Promise<void>): Promise<{ cpuMsPerOp: number; perProcess: number[] }> {
  const cpu0 = cpuSeconds(pids);
  await run();
  const perProcess = cpuSeconds(pids).map((s, i) => ((s - cpu0[i]!) * 1000) / puts);
  return { cpuMsPerOp: perProcess.reduce((a, b) => a + b, 0), perProcess };
}

/** Sequential puts; with `waitFor`, each also waits for what it returns (the put's watch event). */
async function sequential(client: FloorClient, prefix: string, pids: number[], waitFor?: (key: string) => Promise<void>) {
  for (let i = 0; i < 200; i++) await client.put(`warm.${i}`, VALUE);
  const lat: number[] = [];
  const cpu = await measured(pids, argv.puts, async () => {
    for (let i = 0; i < argv.puts; i++) {
      const key = `${prefix}.${i % 1000}`;
      const seen = waitFor?.(key);
      const t = performance.now();
      await Promise.all([client.put(key, VALUE), seen]);
      lat.push(performance.now() - t);
    }
  });
  lat.sort((a, b) => a - b);
  return { p50: percentile(lat, 0.5), p99: percentile(lat, 0.99), ...cpu };
}

/** 64 puts in flight from one client, 10 times --puts of them over 10,000 keys. */
async function concurrent(client: FloorClient, pids: number[]) {
  const total = argv.puts * 10;
  let next = 0;
  const lat: number[] = [];
  const started = performance.now();
  const cpu = await measured(pids, total, async () => {
    await Promise.all(Array.from({ length: 64 }, async () => {
      while (next < total) {
        const key = `p.${next++ % 10_000}`;
        const t = performance.now();
        await client.put(key, VALUE);
        lat.push(performance.now() - t);
      }
    }));
  });
  const opsPerSec = total / ((performance.now() - started) / 1000);
  lat.sort((a, b) => a - b);
  return { opsPerSec, p99: percentile(lat, 0.99), ...cpu };
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
    const client = new FloorClient(nc);
    const put = await sequential(client, 'k', pids);
    const put64 = await concurrent(client, pids);
    // A watcher on its own connection, fed by a follower (the commit notice's extra hop).
    const watcher = await connect({ servers: nats.url, name: 'floor-watcher' });
    const waiting = new Map<string, () => void>();
    watcher.subscribe(`${SUBJECTS.watchPrefix}w.>`, {
      callback: (_err, msg) => waiting.get(msg.subject.slice(SUBJECTS.watchPrefix.length))?.(),
    });
    await watcher.flush();
    const watch = await sequential(client, 'w', pids, (key) => new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no watch event for ${key} within 5 s`)), 5000);
      waiting.set(key, () => { clearTimeout(timer); resolve(); });
    }));
    await watcher.close();
    const ms = (x: number): string => x.toFixed(3);
    console.log(`null Keel (${argv.fsync ? 'O_DSYNC writes' : 'no writes'}): ${argv.puts} sequential puts, ${argv.puts * 10} with 64 in flight, ${argv.puts} watched:`);
    console.log(`  seqput  p50 ${ms(put.p50)} ms  p99 ${ms(put.p99)} ms  server CPU ${ms(put.cpuMsPerOp)} ms/put`
      + ` (nats-server ${ms(put.perProcess[0]!)}, leader ${ms(put.perProcess[1]!)}, followers ${ms(put.perProcess[2]!)} and ${ms(put.perProcess[3]!)})`);
    console.log(`  put64   ${Math.round(put64.opsPerSec)} puts/s  p99 ${ms(put64.p99)} ms  server CPU ${ms(put64.cpuMsPerOp)} ms/put`);
    console.log(`  watch   p50 ${ms(watch.p50)} ms  p99 ${ms(watch.p99)} ms  (put -> event from a follower)`);
  } finally {
    await stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
