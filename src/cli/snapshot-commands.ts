// keel snapshot save <file> | restore <file> --data <dir> --id <id> --peers a,b,c (the etcd backup workflow).
import { access } from 'node:fs/promises';
import type { Argv } from 'yargs';
import { InvalidArgumentError } from '../codec/errors.js';
import { print, withClient, type GlobalArgs } from './connection.js';

type SaveArgs = GlobalArgs & { file: string; force: boolean };
type RestoreArgs = GlobalArgs & { file: string; data: string; id: string; peers: string };

export function snapshotCommands<T>(y: Argv<T>): Argv<T> {
  return y.command('snapshot <command>', 'backup and restore', (c) => c
    .command('save <file>', 'fetch a consistent snapshot of the cluster into <file> (an existing file only with --force)', (s) => s
      .positional('file', { type: 'string', demandOption: true })
      .option('force', { type: 'boolean', default: false, describe: 'replace <file> if it exists' }),
    (a) => save(a as unknown as SaveArgs))
    .command('restore <file>', 'seed a new node directory from a snapshot file (run for every member of the new cluster, then start them)', (r) => r
      .positional('file', { type: 'string', demandOption: true })
      .option('data', { type: 'string', demandOption: true, describe: 'data root of the new node' })
      .option('id', { type: 'string', demandOption: true, describe: 'the new node\'s id' })
      .option('peers', { type: 'string', demandOption: true, describe: 'every voter of the new cluster, comma-separated' }),
    (a) => restore(a as unknown as RestoreArgs))
    .demandCommand(1, 'snapshot needs a subcommand'),
  () => undefined);
}

// admin.ts (log, store, node files) is loaded by the commands that use it: keeps `keel get` quick to start.
async function save(a: SaveArgs): Promise<void> {
  if (!a.force && (await exists(a.file))) throw new InvalidArgumentError(`${a.file} exists; pass --force to replace it`);
  const { ClusterAdmin } = await import('./admin.js');
  const saved = await withClient({ ...a, timeout: a.timeout ?? 120_000 }, (client) => new ClusterAdmin(client).snapshotSave(a.file));
  print(a, `saved ${saved.file}: index ${saved.index}, term ${saved.term}, revision ${saved.revision}, ${saved.keys} keys, ${saved.bytes} bytes (from ${saved.nodeId})`, { ...saved });
}

async function restore(a: RestoreArgs): Promise<void> {
  const { restoreSnapshot } = await import('./admin.js');
  const peers = a.peers.split(',').map((p) => p.trim()).filter(Boolean);
  const r = await restoreSnapshot({ file: a.file, dataDir: a.data, cluster: a.cluster ?? 'default', id: a.id, peers });
  print(a, `restored ${r.nodeDir}: snapshot index ${r.index}, revision ${r.revision}, ${r.keys} keys; start it with keel serve --id ${a.id} --peers ${peers.join(',')} --data ${a.data}`, { ...r });
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(() => true, () => false);
}
