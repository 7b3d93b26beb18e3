// keel lock | elect: the coordination recipes from a shell (like etcdctl lock / elect). Both hold
// what they got until Ctrl-C/SIGTERM (or, for lock with a command, until the command exits), and exit
// 1 when the session is lost: what they held is gone.
import { spawn } from 'node:child_process';
import type { Argv } from 'yargs';
import type { KeelClient } from '../client/index.js';
import { InvalidArgumentError } from '../codec/errors.js';
import { connectWith, print, type GlobalArgs } from './connection.js';

type Args<T> = GlobalArgs & T & { '--'?: (string | number)[] };
interface LockArgs { name: string; ttl?: number }
interface ElectArgs { name: string; value?: string; listen?: boolean; ttl?: number }

export function recipeCommands<T>(y: Argv<T>): Argv<T> {
  return y
    .command('lock <name>', 'hold the lock <name> until Ctrl-C, or while `-- <command> [args...]` runs (the command sees KEEL_LOCK_KEY and KEEL_FENCING_TOKEN; keel exits with its code)', (c) => c
      .positional('name', { type: 'string', demandOption: true })
      .option('ttl', { type: 'number', default: 10_000, describe: 'session TTL in ms: how long the lock outlives a crashed holder' }),
    (a) => lockCommand(a as Args<LockArgs>))
    .command('elect <name> [value]', 'campaign in election <name> with <value> and lead until Ctrl-C; or --listen to print each new leader', (c) => c
      .positional('name', { type: 'string', demandOption: true })
      .positional('value', { type: 'string' })
      .option('listen', { type: 'boolean', describe: 'print the leader and every change of leader (Ctrl-C stops)' })
      .option('ttl', { type: 'number', default: 10_000, describe: 'session TTL in ms' }),
    (a) => electCommand(a as Args<ElectArgs>));
}

async function lockCommand(a: Args<LockArgs>): Promise<void> {
  const command = (a['--'] ?? []).map(String);
  await holding(a, async (client, stopped) => {
    const held = await client.lock(a.name, { ttlMs: a.ttl, signal: stopped.signal });
    print(a, `locked ${a.name} (key ${held.key}, fencing token ${held.fencingToken})`, { name: a.name, key: held.key, fencingToken: held.fencingToken });
    try {
      if (command.length === 0) {
        await Promise.race([stopped.promise, held.lost.then((err) => { throw err; })]);
        return;
      }
      const child = spawn(command[0]!, command.slice(1), {
        stdio: 'inherit',
        env: { ...process.env, KEEL_LOCK_KEY: held.key, KEEL_FENCING_TOKEN: String(held.fencingToken) },
      });
      const exited = new Promise<number>((resolve, reject) => {
        child.once('error', reject);
        child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
      });
      const lost = held.lost.then((err) => {
        child.kill('SIGTERM');
        throw err;
      });
      void stopped.promise.then(() => child.kill('SIGTERM'));
      process.exitCode = await Promise.race([exited, lost]);
    } finally {
      await held.unlock().catch(() => undefined);
    }
  });
}

async function electCommand(a: Args<ElectArgs>): Promise<void> {
  await holding(a, async (client, stopped) => {
    const election = client.election(a.name);
    if (a.listen) {
      const changes = election.observe();
      void stopped.promise.then(() => changes.cancel());
      for await (const leader of changes) print(a, `${leader.value}  (key ${leader.key}, revision ${leader.revision})`, leader);
      return;
    }
    if (a.value === undefined) throw new InvalidArgumentError('keel elect needs a <value> to campaign with, or --listen');
    const leadership = await election.campaign(a.value, { ttlMs: a.ttl, signal: stopped.signal });
    print(a, `elected in ${a.name} as ${a.value} (key ${leadership.key}, revision ${leadership.revision})`, { name: a.name, key: leadership.key, revision: leadership.revision });
    try {
      await Promise.race([stopped.promise, leadership.lost.then((err) => { throw err; })]);
    } finally {
      await leadership.resign().catch(() => undefined);
    }
  });
}

/** Runs `fn` with a client; `stopped` fires on SIGINT/SIGTERM. The client is closed either way. */
async function holding(a: GlobalArgs, fn: (client: KeelClient, stopped: { promise: Promise<void>; signal: AbortSignal }) => Promise<void>): Promise<void> {
  const client = await connectWith(a);
  const abort = new AbortController();
  const promise = new Promise<void>((resolve) => abort.signal.addEventListener('abort', () => resolve(), { once: true }));
  const onSignal = (): void => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await fn(client, { promise, signal: abort.signal });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await client.close();
  }
}
