// keel topics | offsets | wait-applied: the placement center from the command line (src/placement).
import type { Argv } from 'yargs';
import { InvalidArgumentError } from '../codec/errors.js';
import type { OffsetCommit, PlacementCenter, TopicDescription } from '../placement/index.js';
import { print, withClient, type GlobalArgs } from './connection.js';
import { table } from './format.js';

type Args<T> = GlobalArgs & T;

interface CreateArgs { name: string; partitions: string; replicationFactor: string; config?: string[]; wait?: string }
interface NameArgs { name: string }
interface AddArgs { name: string; total: string; wait?: string }
interface CommitArgs { group: string; entries: string[] }
interface FetchArgs { group: string; topic?: string }
interface WaitArgs { revision: string; wait?: string }

const OFFSET_FORMAT = `each entry is <topic>:<partition>=<offset>, or <topic>:<partition>=<offset>@<expected> to commit only
if the stored offset is <expected> (@none: only if none is stored); e.g. orders:0=42 orders:1=17@12`;

export function placementCommands<T>(y: Argv<T>): Argv<T> {
  return y
    .command('topics <command>', 'topics create | describe | list | delete | add-partitions | rebalance', (c) => c
      .command('create <name>', 'create a topic; waits until the controller has placed every partition', (t) => t
        .positional('name', { type: 'string', demandOption: true })
        .option('partitions', { type: 'string', demandOption: true, describe: 'number of partitions' })
        .option('replication-factor', { alias: 'rf', type: 'string', demandOption: true, describe: 'replicas per partition' })
        .option('config', { type: 'string', array: true, describe: 'topic config as key=value (repeatable)' })
        .option('wait', { type: 'string', default: '15000', describe: 'ms to wait for placement (0: do not wait)' }),
      (a) => topicsCreate(a as Args<CreateArgs>))
      .command('describe <name>', 'a topic\'s partitions: replicas, leader, leader epoch, state', (t) => t
        .positional('name', { type: 'string', demandOption: true }), (a) => topicsDescribe(a as Args<NameArgs>))
      .command('list', 'every topic', (t) => t, (a) => topicsList(a as Args<object>))
      .command('delete <name>', 'delete a topic and its partition records (committed offsets stay)', (t) => t
        .positional('name', { type: 'string', demandOption: true }), (a) => topicsDelete(a as Args<NameArgs>))
      .command('add-partitions <name> <total>', 'grow a topic to <total> partitions', (t) => t
        .positional('name', { type: 'string', demandOption: true })
        .positional('total', { type: 'string', demandOption: true })
        .option('wait', { type: 'string', default: '15000', describe: 'ms to wait for placement (0: do not wait)' }),
      (a) => topicsAddPartitions(a as Args<AddArgs>))
      .command('rebalance', 'even out replicas and preferred leaders over the live brokers, moving as little as it can', (t) => t
        .option('wait', { type: 'string', default: '15000', describe: 'ms to wait for the controller' }),
      (a) => topicsRebalance(a as Args<{ wait?: string }>))
      .demandCommand(1, 'topics needs a subcommand: create, describe, list, delete, add-partitions or rebalance'),
    () => undefined)
    .command('offsets <command>', 'offsets commit | fetch (consumer-group offsets)', (c) => c
      .command('commit <group> <entries..>', `commit offsets for a consumer group in one write; ${OFFSET_FORMAT}`, (t) => t
        .positional('group', { type: 'string', demandOption: true })
        .positional('entries', { type: 'string', array: true, demandOption: true }),
      (a) => offsetsCommit(a as Args<CommitArgs>))
      .command('fetch <group>', 'the offsets a consumer group committed', (t) => t
        .positional('group', { type: 'string', demandOption: true })
        .option('topic', { type: 'string', describe: 'only this topic' }),
      (a) => offsetsFetch(a as Args<FetchArgs>))
      .demandCommand(1, 'offsets needs a subcommand: commit or fetch'),
    () => undefined)
    .command('wait-applied <revision>', 'wait until every live broker reports having applied <revision>; names the laggards if not', (c) => c
      .positional('revision', { type: 'string', demandOption: true })
      .option('wait', { type: 'string', default: '10000', describe: 'ms to wait' }),
    (a) => waitAppliedCommand(a as Args<WaitArgs>));
}

/** Connects and runs `fn` with the placement center (src/placement loads here, when a command runs). */
async function withCenter<T>(a: GlobalArgs, fn: (center: PlacementCenter) => Promise<T>): Promise<T> {
  const { placement } = await import('../placement/center.js');
  return withClient(a, (c) => fn(placement(c)));
}

async function topicsCreate(a: Args<CreateArgs>): Promise<void> {
  const d = await withCenter(a, (p) => p.topics.create({
    name: a.name, partitions: integer('--partitions', a.partitions), replicationFactor: integer('--replication-factor', a.replicationFactor),
    config: pairs('--config', a.config ?? []),
  }, { timeoutMs: integer('--wait', a.wait ?? '15000') }));
  print(a, [`topic ${d.name} created: ${d.partitions} partitions, replication factor ${d.replicationFactor}`, ...partitionTable(d)], d);
}

async function topicsDescribe(a: Args<NameArgs>): Promise<void> {
  const d = await withCenter(a, (p) => p.topics.describe(a.name));
  const config = Object.entries(d.config).map(([k, v]) => `${k}=${v}`).join(' ');
  print(a, [`topic ${d.name}: ${d.partitions} partitions, replication factor ${d.replicationFactor}${config ? `, config ${config}` : ''}${d.pending ? `, ${d.pending} not placed yet` : ''}`, ...partitionTable(d)], d);
}

async function topicsList(a: Args<object>): Promise<void> {
  const topics = await withCenter(a, (p) => p.topics.list());
  const rows = topics.map((t) => [t.name, String(t.partitions), String(t.replicationFactor)]);
  print(a, topics.length === 0 ? [] : table(['TOPIC', 'PARTITIONS', 'RF'], rows), { topics });
}

async function topicsDelete(a: Args<NameArgs>): Promise<void> {
  await withCenter(a, (p) => p.topics.delete(a.name));
  print(a, `topic ${a.name} deleted`, { deleted: a.name });
}

async function topicsAddPartitions(a: Args<AddArgs>): Promise<void> {
  const d = await withCenter(a, (p) => p.topics.addPartitions(a.name, integer('<total>', a.total), { timeoutMs: integer('--wait', a.wait ?? '15000') }));
  print(a, [`topic ${d.name} has ${d.partitions} partitions`, ...partitionTable(d)], d);
}

async function topicsRebalance(a: Args<{ wait?: string }>): Promise<void> {
  const r = await withCenter(a, (p) => p.topics.rebalance({ timeoutMs: integer('--wait', a.wait ?? '15000') }));
  print(a, `rebalanced: ${r.moves} replica moves, ${r.leaderChanges} leader changes`, r);
}

async function offsetsCommit(a: Args<CommitArgs>): Promise<void> {
  const entries = a.entries.map(parseOffsetEntry);
  const { results, revision } = await withCenter(a, (p) => p.offsets.commit(a.group, entries));
  const rows = results.map((r) => [r.topic, String(r.partition), String(r.offset ?? '-'), r.committed ? 'committed' : 'conflict']);
  print(a, table(['TOPIC', 'PARTITION', 'OFFSET', 'RESULT'], rows), { results, revision });
  if (results.some((r) => !r.committed)) process.exitCode = 1;
}

async function offsetsFetch(a: Args<FetchArgs>): Promise<void> {
  const offsets = await withCenter(a, (p) => p.offsets.fetch(a.group, { topic: a.topic }));
  const rows = offsets.map((o) => [o.topic, String(o.partition), String(o.offset)]);
  print(a, offsets.length === 0 ? [] : table(['TOPIC', 'PARTITION', 'OFFSET'], rows), { offsets });
}

async function waitAppliedCommand(a: Args<WaitArgs>): Promise<void> {
  const brokers = await withCenter(a, (p) => p.waitApplied(integer('<revision>', a.revision), { timeoutMs: integer('--wait', a.wait ?? '10000') }));
  print(a, `every live broker (${brokers.length}) has applied revision ${a.revision}`, { revision: Number(a.revision), brokers });
}

export function partitionTable(d: TopicDescription): string[] {
  if (d.partitionStates.length === 0) return [];
  const rows = d.partitionStates.map((p) => [
    String(p.partition), p.leader || '-', String(p.leaderEpoch), p.replicas.join(','),
    p.offline ? 'offline' : p.underReplicated ? 'under-replicated' : 'ok',
  ]);
  return [table(['PARTITION', 'LEADER', 'EPOCH', 'REPLICAS', 'STATE'], rows)];
}

/** "orders:3=42" or "orders:3=42@40" / "orders:3=42@none". */
export function parseOffsetEntry(text: string): OffsetCommit {
  const m = /^(.+):(\d+)=(\d+)(?:@(\d+|none))?$/.exec(text);
  if (!m) throw new InvalidArgumentError(`bad offset entry "${text}": ${OFFSET_FORMAT}`);
  const entry: OffsetCommit = { topic: m[1]!, partition: Number(m[2]), offset: Number(m[3]) };
  if (m[4] !== undefined) entry.expected = m[4] === 'none' ? null : Number(m[4]);
  return entry;
}

function integer(what: string, text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n)) throw new InvalidArgumentError(`${what} must be a non-negative integer, got "${text}"`);
  return n;
}

function pairs(what: string, items: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of items) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new InvalidArgumentError(`${what} takes key=value, got "${pair}"`);
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}
