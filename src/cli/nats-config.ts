// keel nats-config --out <dir>: the files of a secured cluster (node/admin/client nkey seeds, the
// cluster key, nats-server's authorization block); docs/security.md shows how to deploy them.
import { resolve } from 'node:path';
import type { Argv } from 'yargs';
import { print, type GlobalArgs } from './connection.js';

type NatsConfigArgs = GlobalArgs & { out: string; anonymousClients: boolean };

export function natsConfigCommand<T>(y: Argv<T>): Argv<T> {
  return y.command('nats-config', 'write NATS identities (node, client, admin), their permissions and the cluster key into a directory', (c) => c
    .option('out', { type: 'string', demandOption: true, describe: 'directory for the files (existing seeds and key are kept, nats-auth.conf is rewritten from them)' })
    .option('anonymous-clients', { type: 'boolean', default: false, describe: 'map connections without credentials to the client identity (no_auth_user), as keel dev does' }),
  (a) => natsConfig(a as unknown as NatsConfigArgs));
}

async function natsConfig(a: NatsConfigArgs): Promise<void> {
  const { ensureSecurityFiles } = await import('../node/nats-security.js'); // loads nats (nkeys)
  const files = await ensureSecurityFiles(resolve(a.out), { cluster: a.cluster ?? 'default', anonymousClients: a.anonymousClients });
  print(a, [
    `wrote the NATS identities of cluster "${a.cluster ?? 'default'}" to ${files.dir}:`,
    `  ${files.authConf}   include it in nats-server's configuration (public keys only)`,
    `  ${files.seeds.node}   nodes: keel serve --nkey <this> --cluster-key-file <cluster.key>`,
    `  ${files.seeds.admin}   operators: keel member ... --nkey <this> (or KEEL_NKEY)`,
    `  ${files.seeds.client}   applications: connect({ nkeyFile }) or --nkey`,
    `  ${files.clusterKey}   the secret that authenticates Raft traffic: the same file on every node`,
    'the .nk seeds and cluster.key are secrets (mode 0600): copy each only where it is used (docs/security.md)',
  ], { dir: files.dir, authConf: files.authConf, clusterKey: files.clusterKey, seeds: files.seeds });
}
