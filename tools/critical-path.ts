// npm run critical-path -- [--puts N] [--no-secure]: where the time of one sequential put goes.
// Starts a 3-node cluster with KEEL_TRACE set (src/node/trace.ts), makes N sequential 256-byte
// puts while timing each in the client, collects the nodes' traces, lines up the steps of each put
// across the processes by log index and prints the median of each step. Run it on a quiet machine.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { connect } from '../src/client/index.js';
import { startLocalCluster } from '../src/node/local-cluster.js';
import { traceClockMs } from '../src/trace.js';

const argv = yargs(hideBin(process.argv))
  .option('puts', { type: 'number', default: 2000, describe: 'sequential puts to trace' })
  .option('secure', { type: 'boolean', default: true, describe: 'permissions and Raft MACs, as keel dev runs them (--no-secure: neither)' })
  .strict()
  .parseSync();

interface Row { t: number; who: string; kind: string; index: number; extra: string }

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'keel-critical-path-'));
  const prefix = path.join(dir, 'trace');
  const cluster = await startLocalCluster({ size: 3, logLevel: 'warn', secure: argv.secure, env: { KEEL_TRACE: prefix } });
  const client = await connect({ servers: cluster.nats.url });
  const puts: [number, number][] = [];
  try {
    const value = 'x'.repeat(256);
    for (let i = 0; i < 100; i++) await client.put(`warm/${i}`, value);
    for (let i = 0; i < argv.puts; i++) {
      const start = traceClockMs();
      await client.put(`k/${i % 1000}`, value);
      puts.push([start, traceClockMs()]);
    }
  } finally {
    await client.close();
    await cluster.stop(); // each node writes its trace at exit
  }
  const rows = await readTraces(dir);
  await rm(dir, { recursive: true, force: true });
  printSteps(lineUp(rows, puts.slice(50)), argv.puts);
}

async function readTraces(dir: string): Promise<Row[]> {
  const rows: Row[] = [];
  for (const file of await readdir(dir)) {
    for (const line of (await readFile(path.join(dir, file), 'utf8')).split('\n')) {
      if (!line) continue;
      const [t, who, kind, index, ...rest] = line.split(' ');
      rows.push({ t: Number(t), who: who!, kind: kind!, index: Number(index), extra: rest.join(' ') });
    }
  }
  return rows.sort((a, b) => a.t - b.t);
}

/** For each put: the time between consecutive steps on its path, by step name. */
function lineUp(rows: Row[], puts: [number, number][]): Map<string, number[]> {
  const steps = new Map<string, number[]>();
  const add = (name: string, ms: number | undefined): void => {
    if (ms === undefined || !Number.isFinite(ms)) return;
    if (!steps.has(name)) steps.set(name, []);
    steps.get(name)!.push(ms);
  };
  const leader = rows.find((r) => r.kind === 'proposed')?.who;
  const followers = [...new Set(rows.map((r) => r.who))].filter((w) => w !== leader);
  const byWhoKind = new Map<string, Row[]>();
  for (const r of rows) {
    const key = `${r.who} ${r.kind}`;
    if (!byWhoKind.has(key)) byWhoKind.set(key, []);
    byWhoKind.get(key)!.push(r);
  }
  const next = (who: string, kind: string, after: number, ok: (r: Row) => boolean = () => true): Row | undefined => {
    const list = byWhoKind.get(`${who} ${kind}`) ?? [];
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid]!.t < after) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < list.length; i++) if (ok(list[i]!)) return list[i];
    return undefined;
  };
  if (!leader) return steps;
  for (const [start, end] of puts) {
    const req = next(leader, 'req', start, (r) => r.extra === 'put');
    if (!req || req.t > end) continue;
    const proposed = next(leader, 'proposed', req.t);
    if (!proposed) continue;
    const i = proposed.index;
    const ready = next(leader, 'rd', proposed.t, (r) => r.index === i);
    const sent = ready && next(leader, 'sent', ready.t, (r) => r.index === i);
    const persisted = ready && next(leader, 'persisted', ready.t, (r) => r.index === i);
    if (!ready || !sent || !persisted) continue;
    // The follower whose ack arrived first is the one on the put's path.
    const acks = followers
      .map((f) => ({ f, ack: next(leader, 'recv-appResp', sent.t, (r) => r.extra.startsWith(`from=${f} `) && r.index >= i) }))
      .filter((a) => a.ack !== undefined)
      .sort((a, b) => a.ack!.t - b.ack!.t);
    const first = acks[0];
    const applied = next(leader, 'applied', proposed.t, (r) => r.index >= i);
    const reply = applied && next(leader, 'reply', applied.t, (r) => r.extra === 'put');
    add('client request -> leader receives it', req.t - start);
    add('leader: request -> proposed', proposed.t - req.t);
    add('leader: proposed -> appends sent', sent.t - proposed.t);
    add('  (leader: its own log write, off the path)', persisted.t - sent.t);
    if (first) {
      const f = first.f;
      const recv = next(f, 'recv-app', sent.t, (r) => r.index >= i);
      const fReady = recv && next(f, 'rd', recv.t, (r) => r.index >= i);
      const fStart = fReady && next(f, 'io-start', fReady.t);
      const fDurable = fStart && next(f, 'io-synced', fStart.t);
      const fPersisted = fReady && next(f, 'persisted', fReady.t, (r) => r.index === fReady.index);
      const fSent = fPersisted && next(f, 'sent', fPersisted.t, (r) => r.index === fReady.index);
      if (recv && fReady && fStart && fDurable && fPersisted && fSent) {
        add('appends: leader -> NATS -> follower', recv.t - sent.t);
        add('follower: received -> Ready', fReady.t - recv.t);
        add('follower: Ready -> log write starts', fStart.t - fReady.t);
        add('follower: log write (O_DSYNC)', fDurable.t - fStart.t);
        add('follower: durable -> ack sent', fSent.t - fDurable.t);
        add('ack: follower -> NATS -> leader', first.ack!.t - fSent.t);
      }
      if (applied) add('leader: ack -> applied', applied.t - first.ack!.t);
    }
    if (applied && reply) add('leader: applied -> reply sent', reply.t - applied.t);
    if (reply) add('reply: leader -> NATS -> client', end - reply.t);
    add('total (client)', end - start);
  }
  return steps;
}

function printSteps(steps: Map<string, number[]>, puts: number): void {
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  console.log(`critical path of a sequential put (${puts} puts; medians of each step, ms; medians do not add up exactly)`);
  for (const [name, xs] of steps) console.log(`  ${name.padEnd(46)} ${median(xs).toFixed(3).padStart(7)}   (n=${xs.length})`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
