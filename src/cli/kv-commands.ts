// keel put | get | del | range | txn | compact | lease ...
import { readFile } from 'node:fs/promises';
import type { Argv } from 'yargs';
import { bytesToString } from '../client/bytes.js';
import { InvalidArgumentError, LeaseNotFoundError } from '../codec/errors.js';
import { kvJson, kvLines, txnItemJson, txnItemLines } from './format.js';
import { print, withClient, type GlobalArgs } from './connection.js';
import { parseTxnSpec, selectorOf } from './txn-spec.js';

type Args<T> = GlobalArgs & T;

export function kvCommands<T>(y: Argv<T>): Argv<T> {
  return y
    .command('put <key> [value]', 'set a key (prints OK, or the previous key-value with --prev-kv); '
      + 'a value starting with - goes after --; no value: read from stdin', (c) => c
      .positional('key', { type: 'string', demandOption: true })
      .positional('value', { type: 'string' })
      .option('lease', { type: 'number', describe: 'attach the key to this lease id' })
      .option('prev-kv', { type: 'boolean', describe: 'print the previous key-value' }),
    (a) => put(a as Args<PutArgs>))
    .command('get <key>', 'print a key and its value (nothing when it does not exist)', (c) => c
      .positional('key', { type: 'string', demandOption: true })
      .option('serializable', { type: 'boolean', describe: 'read the answering node\'s local state (may be stale)' })
      .option('rev', { type: 'number', describe: 'read the key as it was at this revision (from retained history)' }),
    (a) => get(a as Args<{ key: string; serializable?: boolean; rev?: number }>))
    .command('del <key> [end]', 'delete a key, a prefix (--prefix) or the range [key, end); prints the count', (c) => c
      .positional('key', { type: 'string', demandOption: true })
      .positional('end', { type: 'string' })
      .option('prefix', { type: 'boolean', describe: 'delete every key starting with <key>' })
      .option('prev-kv', { type: 'boolean', describe: 'print the deleted key-values' }),
    (a) => del(a as Args<{ key: string; end?: string; prefix?: boolean; prevKv?: boolean }>))
    .command('range <key> [end]', 'list keys in [key, end), or with --prefix every key starting with <key> ("" = all)', (c) => c
      .positional('key', { type: 'string', demandOption: true })
      .positional('end', { type: 'string' })
      .option('prefix', { type: 'boolean' })
      .option('limit', { type: 'number', describe: 'at most this many keys' })
      .option('keys-only', { type: 'boolean' })
      .option('count-only', { type: 'boolean' })
      .option('serializable', { type: 'boolean' })
      .option('rev', { type: 'number', describe: 'list the keys as they were at this revision (from retained history)' }),
    (a) => range(a as Args<RangeArgs>))
    .command('txn', 'run a transaction read from stdin or --file (keel txn --help: the format)', (c) => c
      .option('file', { type: 'string', describe: 'read the spec from this file instead of stdin' })
      .epilog([
        'Text spec: compares, blank line, success ops, blank line, failure ops. Example:',
        '  value("mode") = "blue"',
        '',
        '  put mode green',
        '',
        '  get mode',
        'Compares: value|version|create|mod|lease("key") = != > < <value>.',
        'Ops: put <k> <v> [--lease=<id>] [--prev-kv]; get <k> [end] [--prefix] [--limit=<n>] [--keys-only] [--count-only];',
        '     del <k> [end] [--prefix] [--prev-kv]. Input starting with { is read as JSON:',
        '  {"compare":[{"key":"mode","target":"value","result":"=","value":"blue"}],"success":[{"put":{"key":"mode","value":"green"}}],"failure":[]}',
      ].join('\n')),
    (a) => txn(a as Args<{ file?: string }>))
    .command('compact <revision>', 'drop history before a revision', (c) => c
      .positional('revision', { type: 'number', demandOption: true }),
    (a) => compact(a as Args<{ revision: number }>))
    .command('lease <command>', 'lease grant <ttl-ms> | revoke <id> | keepalive <id> [--once] | ttl <id> [--keys] | list', (c) => c
      .command('grant <ttl>', 'grant a lease of <ttl> milliseconds; prints its id', (l) => l
        .positional('ttl', { type: 'number', demandOption: true }),
      (a) => leaseGrant(a as Args<{ ttl: number }>))
      .command('revoke <id>', 'revoke a lease and delete its keys', (l) => l.positional('id', { type: 'number', demandOption: true }),
        (a) => leaseRevoke(a as Args<{ id: number }>))
      .command(['keepalive <id>', 'keep-alive'], 'keep a lease alive until Ctrl-C (--once: renew it once)', (l) => l
        .positional('id', { type: 'number', demandOption: true })
        .option('once', { type: 'boolean', describe: 'renew once and exit' }),
      (a) => leaseKeepAlive(a as Args<{ id: number; once?: boolean }>))
      .command('ttl <id>', 'remaining time of a lease', (l) => l
        .positional('id', { type: 'number', demandOption: true })
        .option('keys', { type: 'boolean', describe: 'also list its keys' }),
      (a) => leaseTtl(a as Args<{ id: number; keys?: boolean }>))
      .command('list', 'list lease ids', (l) => l, (a) => leaseList(a as Args<object>))
      .demandCommand(1, 'lease needs a subcommand'),
    () => undefined);
}

interface PutArgs { key: string; value?: string; lease?: number; prevKv?: boolean; '--'?: string[] }

async function put(a: Args<PutArgs>): Promise<void> {
  const value = await putValue(a);
  const r = await withClient(a, (c) => c.put(a.key, value, { lease: a.lease, prevKv: a.prevKv }));
  print(a, ['OK', ...(r.prevKv ? kvLines(r.prevKv) : [])], { header: r.header, prevKv: r.prevKv ? kvJson(r.prevKv) : null });
}

async function get(a: Args<{ key: string; serializable?: boolean; rev?: number }>): Promise<void> {
  // range of one key rather than get(): the header comes back even when the key does not exist.
  const r = await withClient(a, (c) => c.range({ key: a.key, serializable: a.serializable, revision: revisionArg(a.rev) }));
  const kv = r.kvs[0] ?? null;
  print(a, kv ? kvLines(kv) : [], { header: r.header, kv: kv ? kvJson(kv) : null });
}

async function del(a: Args<{ key: string; end?: string; prefix?: boolean; prevKv?: boolean }>): Promise<void> {
  const sel = selectorOf(a.key, a.end, a.prefix ?? false);
  const r = await withClient(a, (c) => c.delete(sel, { prevKv: a.prevKv }));
  if (!a.json && r.prevKvsTruncated) {
    process.stderr.write(`(the deleted key-values are too large for one reply; read them with: keel range ... --rev ${r.header.revision - 1})\n`);
  }
  print(a, [String(r.deleted), ...r.prevKvs.flatMap((kv) => kvLines(kv))], {
    header: r.header, deleted: r.deleted, prevKvs: r.prevKvs.map(kvJson), prevKvsTruncated: r.prevKvsTruncated,
  });
}

interface RangeArgs {
  key: string; end?: string; prefix?: boolean; limit?: number; keysOnly?: boolean; countOnly?: boolean; serializable?: boolean; rev?: number;
}

function revisionArg(rev: number | undefined): number | undefined {
  if (rev !== undefined && (!Number.isSafeInteger(rev) || rev < 1)) throw new InvalidArgumentError(`--rev must be a positive revision, got ${rev}`);
  return rev;
}

async function range(a: Args<RangeArgs>): Promise<void> {
  const sel = selectorOf(a.key, a.end, a.prefix ?? false);
  // The client follows the server's pages at one revision: every key comes back, whatever the size.
  const r = await withClient(a, (c) => c.range({
    ...sel, limit: a.limit, keysOnly: a.keysOnly, countOnly: a.countOnly, serializable: a.serializable, revision: revisionArg(a.rev),
  }));
  const human = a.countOnly ? [String(r.count)] : r.kvs.flatMap((kv) => kvLines(kv, a.keysOnly));
  if (!a.json && r.more) process.stderr.write(`(${r.kvs.length} of ${r.count} keys shown; raise --limit for more)\n`);
  print(a, human, { header: r.header, count: r.count, more: r.more, kvs: r.kvs.map(kvJson) });
}

async function txn(a: Args<{ file?: string }>): Promise<void> {
  const input = a.file !== undefined ? await readFile(a.file, 'utf8') : await readStdin();
  const spec = parseTxnSpec(input);
  const r = await withClient(a, (c) => c.txn(spec));
  print(a, [r.succeeded ? 'SUCCESS' : 'FAILURE', ...r.responses.flatMap((item) => ['', ...txnItemLines(item)])], {
    header: r.header, succeeded: r.succeeded, responses: r.responses.map(txnItemJson),
  });
}

async function compact(a: Args<{ revision: number }>): Promise<void> {
  const r = await withClient(a, (c) => c.compact(a.revision));
  print(a, `compacted up to revision ${a.revision}`, { header: r.header, revision: a.revision });
}

async function leaseGrant(a: Args<{ ttl: number }>): Promise<void> {
  const r = await withClient(a, (c) => c.lease.grant(a.ttl));
  print(a, `lease ${r.id} granted with TTL ${r.ttlMs} ms`, { header: r.header, id: r.id, ttlMs: r.ttlMs });
}

async function leaseRevoke(a: Args<{ id: number }>): Promise<void> {
  const r = await withClient(a, (c) => c.lease.revoke(a.id));
  print(a, `lease ${a.id} revoked`, { header: r.header, id: a.id });
}

async function leaseKeepAlive(a: Args<{ id: number; once?: boolean }>): Promise<void> {
  if (a.once) {
    const r = await withClient(a, (c) => c.lease.keepAliveOnce(a.id));
    print(a, `lease ${r.id} renewed for ${r.ttlMs} ms`, { header: r.header, id: r.id, ttlMs: r.ttlMs });
    return;
  }
  await withClient(a, async (c) => {
    const keeper = c.lease.keepAlive(a.id, {
      onRenew: (r) => print(a, `lease ${r.id} renewed for ${r.ttlMs} ms`, { header: r.header, id: r.id, ttlMs: r.ttlMs }),
    });
    const stop = (): void => keeper.stop();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    try {
      await keeper.lost; // resolves on Ctrl-C; rejects (LeaseNotFound) when the lease is gone
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
  });
}

async function leaseTtl(a: Args<{ id: number; keys?: boolean }>): Promise<void> {
  const r = await withClient(a, (c) => c.lease.timeToLive(a.id, { keys: a.keys }));
  // An expired or unknown lease fails as `lease keepalive` and `lease revoke` of it do (exit 1).
  if (r.remainingMs < 0) throw new LeaseNotFoundError(a.id);
  const human = [`lease ${r.id}: ${r.remainingMs} ms left of ${r.grantedTtlMs} ms`, ...r.keys.map(bytesToString)];
  print(a, human, { header: r.header, id: r.id, remainingMs: r.remainingMs, grantedTtlMs: r.grantedTtlMs, keys: r.keys.map(bytesToString) });
}

async function leaseList(a: Args<object>): Promise<void> {
  const r = await withClient(a, (c) => c.lease.list());
  print(a, r.ids.map(String), { header: r.header, ids: r.ids });
}

/** The value argument, else the one after `--` (`put k -- -1`), else stdin (as etcdctl put). */
async function putValue(a: Args<PutArgs>): Promise<Uint8Array | string> {
  const rest = a['--'] ?? [];
  if (a.value !== undefined) {
    if (rest.length > 0) throw new InvalidArgumentError(`put takes one value; got "${a.value}" and "${rest.join(' ')}"`);
    return a.value;
  }
  if (rest.length > 1) throw new InvalidArgumentError(`put takes one value; got ${rest.length} after --`);
  if (rest.length === 1) return rest[0];
  if (process.stdin.isTTY) throw new InvalidArgumentError('put needs a value (an argument, or piped on stdin)');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return new Uint8Array(Buffer.concat(chunks));
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('reading the transaction from stdin (end with Ctrl-D)...\n');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
