// keel watch | brokers list|watch|register: the long-running commands. They print as things happen
// (one event per block, or one JSON object per line with --json) and stop cleanly on Ctrl-C or
// SIGTERM, or after --count items.
import type { Argv } from 'yargs';
import type { KeelClient, NodeChange, RegisteredBroker, WatchEventView } from '../client/index.js';
import { InvalidArgumentError } from '../codec/errors.js';
import { connectWith, print, withClient, type GlobalArgs } from './connection.js';
import { kvJson, table } from './format.js';
import { selectorOf } from './txn-spec.js';

type Args<T> = GlobalArgs & T;

interface WatchArgs { key: string; end?: string; prefix?: boolean; rev?: number; prevKv?: boolean; count?: number }
interface BrokerWatchArgs { rev?: number; count?: number }
interface RegisterArgs { id: string; address: string; role?: string; ttl?: number; meta?: string[]; rack?: string; replace?: boolean }

export function watchCommands<T>(y: Argv<T>): Argv<T> {
  return y
    .command('watch <key> [end]', 'print every change of a key, a prefix (--prefix) or [key, end) as it happens (Ctrl-C stops)', (c) => c
      .positional('key', { type: 'string', demandOption: true })
      .positional('end', { type: 'string' })
      .option('prefix', { type: 'boolean', describe: 'watch every key starting with <key>' })
      .option('rev', { type: 'number', describe: 'start at this revision (replays history from there)' })
      .option('prev-kv', { type: 'boolean', describe: 'also print the previous key-value' })
      .option('count', { type: 'number', describe: 'exit after this many events' }),
    (a) => watchKeys(a as Args<WatchArgs>))
    .command('brokers <command>', 'brokers list | watch | register <id> <address> | lag', (c) => c
      .command('list', 'list the registered brokers', (l) => l, (a) => brokersList(a as Args<object>))
      .command('watch', 'print brokers joining, updating and leaving (Ctrl-C stops)', (l) => l
        .option('rev', { type: 'number', describe: 'start at this revision' })
        .option('count', { type: 'number', describe: 'exit after this many changes' }),
      (a) => brokersWatch(a as Args<BrokerWatchArgs>))
      .command('register <id> <address>', 'register a broker and heartbeat until stopped (Ctrl-C unregisters it)', (l) => l
        .positional('id', { type: 'string', demandOption: true })
        .positional('address', { type: 'string', demandOption: true })
        .option('role', { type: 'string', default: 'broker' })
        .option('ttl', { type: 'number', default: 10_000, describe: 'lease TTL in ms' })
        .option('meta', { type: 'string', array: true, describe: 'metadata as key=value (repeatable)' })
        .option('rack', { type: 'string', describe: 'the broker\'s rack (metadata rack=...): placement spreads replicas over racks' })
        .option('replace', { type: 'boolean', describe: 'take the id over from a live registration (fences its epoch)' }),
      (a) => brokersRegister(a as Args<RegisterArgs>))
      .command('lag', 'each live broker\'s reported applied revision and its lag behind the store', (l) => l,
        (a) => brokersLag(a as Args<object>))
      .demandCommand(1, 'brokers needs a subcommand'),
    () => undefined);
}

async function watchKeys(a: Args<WatchArgs>): Promise<void> {
  const sel = selectorOf(a.key, a.end, a.prefix ?? false);
  await follow(a, (client) => client.watch(sel, { startRevision: a.rev, prevKv: a.prevKv }), (ev) => printEvent(a, ev));
}

async function brokersList(a: Args<object>): Promise<void> {
  const brokers = await withClient(a, (c) => c.listNodes());
  const rows = brokers.map((b) => [b.id, b.address, b.role, JSON.stringify(b.metadata)]);
  const human = brokers.length === 0 ? [] : [table(['ID', 'ADDRESS', 'ROLE', 'METADATA'], rows)];
  print(a, human, { brokers });
}

async function brokersWatch(a: Args<BrokerWatchArgs>): Promise<void> {
  await follow(a, (client) => client.watchNodes({ startRevision: a.rev }), (change) => printChange(a, change));
}

/** Prints what a stream yields until Ctrl-C, or until `--count` items when given. */
async function follow<T>(
  a: GlobalArgs & { count?: number },
  open: (client: KeelClient) => AsyncIterable<T> & { cancel(): Promise<void> },
  show: (item: T) => void,
): Promise<void> {
  checkCount(a.count);
  await untilStopped(a, async (client, stopped) => {
    const stream = open(client);
    stopped.then(() => stream.cancel(), () => undefined);
    let n = 0;
    for await (const item of stream) {
      show(item);
      if (a.count !== undefined && ++n >= a.count) break;
    }
  });
}

async function brokersRegister(a: Args<RegisterArgs>): Promise<void> {
  const metadata: Record<string, string> = {};
  for (const pair of a.meta ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new InvalidArgumentError(`--meta takes key=value, got "${pair}"`);
    metadata[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  if (a.rack !== undefined) metadata.rack = a.rack;
  await untilStopped(a, async (client, stopped) => {
    const reg = await client.registerNode({ id: a.id, address: a.address, role: a.role ?? 'broker', metadata }, { ttlMs: a.ttl, replace: a.replace ?? false });
    print(a, `broker ${reg.id} registered with epoch ${reg.epoch} on lease ${reg.leaseId}; heartbeating (Ctrl-C unregisters)`, { id: reg.id, epoch: reg.epoch, leaseId: reg.leaseId });
    const fenced = reg.fenced.then((err) => { throw err; });
    await Promise.race([stopped, fenced]);
    await reg.close();
  });
}

async function brokersLag(a: Args<object>): Promise<void> {
  const { placement } = await import('../placement/center.js');
  const lag = await withClient(a, (c) => placement(c).lag());
  const rows = lag.brokers.map((b) => [b.id, String(b.epoch), b.applied === 0 ? '-' : String(b.applied), String(b.lag)]);
  print(a, lag.brokers.length === 0 ? [] : [`store revision ${lag.revision}`, table(['BROKER', 'EPOCH', 'APPLIED', 'LAG'], rows)], lag);
}

/**
 * Runs `fn` with a client until it returns; `stopped` resolves on SIGINT/SIGTERM (fn should then
 * wind down). The client is closed either way.
 */
async function untilStopped(a: GlobalArgs, fn: (client: KeelClient, stopped: Promise<void>) => Promise<void>): Promise<void> {
  // Long-running: the per-call deadline still applies to each request, not to the whole command.
  const client = await connectWith(a);
  let onSignal = (): void => undefined;
  const stopped = new Promise<void>((resolve) => {
    onSignal = resolve;
  });
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await fn(client, stopped);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await client.close();
  }
}

function checkCount(count: number | undefined): void {
  if (count !== undefined && (!Number.isSafeInteger(count) || count <= 0)) {
    throw new InvalidArgumentError(`--count must be a positive integer, got ${count}`);
  }
}

/** etcdctl style: PUT or DELETE, the key, the value; with --prev-kv a labelled line with the previous value. */
function printEvent(a: Args<WatchArgs>, ev: WatchEventView): void {
  const human = [ev.type.toUpperCase(), ev.kv.keyString, ...(ev.type === 'put' ? [ev.kv.valueString] : [])];
  if (a.prevKv) human.push(ev.prevKv ? `previous value: ${ev.prevKv.valueString}` : 'previous value: (none)');
  print(a, human, { type: ev.type, revision: ev.revision, kv: kvJson(ev.kv), prevKv: ev.prevKv ? kvJson(ev.prevKv) : null });
}

function printChange(a: GlobalArgs, c: NodeChange): void {
  const human = c.broker ? `${c.type.toUpperCase()} ${brokerLine(c.broker)}` : `LEAVE ${c.id}`;
  print(a, human, c);
}


function brokerLine(b: RegisteredBroker): string {
  return `${b.id}  ${b.address}  ${b.role}  ${JSON.stringify(b.metadata)}`;
}
