// How long a `keel` CLI call takes, against `node -e 0`: npm run bench:cli [-- --runs 10] [--no-cluster]
// [--servers nats://host:port] (use a running cluster instead of starting one) [--port 4599]
// [--baseline <dir>] (also time the built CLI of another checkout, e.g. before a change, in the same loop)
// Measures the compiled CLI (bin/keel.js -> dist/: run `npm run build` first), each command spawned as
// a user would, wall time from spawn to exit, nothing subtracted:
//   node -e 0            the floor: starting Node itself
//   keel --version
//   keel --help
//   keel get <key>       connects to NATS, finds the cluster, one read, closes
// Each round runs every command once, in that order (so load on the machine hits them alike); after one
// warm-up round, `--runs` rounds are timed and the median (and min/max) of each is printed, with its
// ratio to `node -e 0`. Without --servers, a `keel dev` cluster is started on --port under a temporary
// data dir and stopped afterwards.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const keel = join(root, 'bin', 'keel.js');

interface Opts { runs: number; cluster: boolean; servers?: string; port: number; baseline?: string }

function parseArgs(argv: string[]): Opts {
  const o: Opts = { runs: 10, cluster: true, port: 4599 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--runs') o.runs = Number(argv[++i]);
    else if (a === '--no-cluster') o.cluster = false;
    else if (a === '--servers') o.servers = argv[++i];
    else if (a === '--port') o.port = Number(argv[++i]);
    else if (a === '--baseline') o.baseline = argv[++i];
    else throw new Error(`unknown argument ${a} (--runs n, --no-cluster, --servers url, --port n, --baseline dir)`);
  }
  if (!Number.isInteger(o.runs) || o.runs < 1) throw new Error('--runs must be a positive integer');
  return o;
}

/** Wall milliseconds of one spawned command; throws if it does not exit 0. */
function timed(args: string[]): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status ?? r.signal}: ${r.stderr.trim()}`);
  return ms;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Starts `keel dev` and resolves once a `keel get` against it succeeds. */
async function startDev(port: number): Promise<{ servers: string; stop: () => Promise<void> }> {
  const data = mkdtempSync(join(tmpdir(), 'keel-bench-cli-'));
  const child: ChildProcess = spawn(process.execPath, [keel, 'dev', '--port', String(port), '--data', data], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout!.on('data', (b: Buffer) => { log += b.toString(); });
  child.stderr!.on('data', (b: Buffer) => { log += b.toString(); });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(data, { recursive: true, force: true });
  };
  const servers = `nats://127.0.0.1:${port}`;
  const until = Date.now() + 30_000;
  while (Date.now() < until) {
    if (child.exitCode !== null) break;
    if (log.includes('is up')) {
      const r = spawnSync(process.execPath, [keel, 'get', 'bench-cli', '--servers', servers, '--timeout', '3000'], { encoding: 'utf8' });
      if (r.status === 0) return { servers, stop };
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  await stop();
  throw new Error(`keel dev did not come up on port ${port}:\n${log}`);
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  if (!existsSync(join(root, 'dist', 'cli', 'main.js'))) throw new Error('no dist/cli/main.js: run npm run build first');
  const baseline = o.baseline === undefined ? undefined : join(o.baseline, 'bin', 'keel.js');
  if (baseline && !existsSync(join(o.baseline!, 'dist', 'cli', 'main.js'))) throw new Error(`no dist/cli/main.js in ${o.baseline}: build it first`);

  const dev = o.cluster && !o.servers ? await startDev(o.port) : null;
  const servers = o.servers ?? dev?.servers;
  try {
    // Put the key once so the read returns a value (what a real call prints).
    if (servers) timed([keel, 'put', 'bench-cli', 'value', '--servers', servers]);
    const cases: Array<[string, string[]]> = [['node -e 0', ['-e', '0']]];
    for (const [bin, suffix] of [[keel, ''], ...(baseline ? [[baseline, ' (baseline)']] : [])] as Array<[string, string]>) {
      cases.push([`keel --version${suffix}`, [bin, '--version']], [`keel --help${suffix}`, [bin, '--help']]);
      if (servers) cases.push([`keel get <key>${suffix}`, [bin, 'get', 'bench-cli', '--servers', servers]]);
    }
    const times = cases.map(() => [] as number[]);
    for (let round = 0; round <= o.runs; round++) {
      cases.forEach(([, args], i) => {
        const ms = timed(args);
        if (round > 0) times[i]!.push(ms); // round 0 warms the file cache
      });
    }
    const base = median(times[0]!);
    console.log(`node ${process.version}, ${o.runs} runs each (interleaved), wall ms from spawn to exit`);
    console.log(`${'command'.padEnd(29)}${'median'.padStart(9)}${'min'.padStart(9)}${'max'.padStart(9)}${'× node -e 0'.padStart(14)}`);
    cases.forEach(([name], i) => {
      const t = times[i]!;
      const m = median(t);
      console.log(`${name.padEnd(29)}${m.toFixed(1).padStart(9)}${Math.min(...t).toFixed(1).padStart(9)}`
        + `${Math.max(...t).toFixed(1).padStart(9)}${(m / base).toFixed(2).padStart(14)}`);
    });
  } finally {
    await dev?.stop();
  }
}

main().catch((err: unknown) => {
  console.error(`bench-cli-start: ${(err as Error).message}`);
  process.exitCode = 1;
});
