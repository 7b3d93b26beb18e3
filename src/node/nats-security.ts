// The files of a secured cluster, in one directory (`keel nats-config --out <dir>`, or keel dev's
// data dir): one nkey seed per NATS identity (node.nk, client.nk, admin.nk), the cluster key that
// authenticates Raft batches (cluster.key), and nats-auth.conf, the `authorization` block for
// nats-server that gives each identity its permissions (transport/nats-permissions.ts).
//
// Identities are nkeys, not passwords: nats-server's configuration then holds only public keys (it
// can be shared or committed), and a seed never crosses the network (nkey auth signs a nonce), so it
// stays on the machine that uses it.
import { randomBytes } from 'node:crypto';
import { access, chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { nkeys } from 'nats';
import { IDENTITIES, permissionsBlock, permissionsFor, type Identity } from '../transport/nats-permissions.js';
import { writeClusterKey } from '../transport/raft-auth.js';

export interface SecurityFiles {
  dir: string;
  /** The nats-server include file: users and permissions (and no_auth_user when asked). */
  authConf: string;
  clusterKey: string;
  /** The nkey seed file of each identity. */
  seeds: Record<Identity, string>;
}

export interface SecurityOptions {
  cluster: string;
  /** Map connections without credentials to the client identity (nats-server `no_auth_user`). */
  anonymousClients: boolean;
}

/** The name of the user anonymous connections become; it has no usable password. */
const ANONYMOUS_USER = 'keel-anonymous-client';

export function securityFilesIn(dir: string): SecurityFiles {
  const seeds = Object.fromEntries(IDENTITIES.map((id) => [id, path.join(dir, `${id}.nk`)])) as Record<Identity, string>;
  return { dir, authConf: path.join(dir, 'nats-auth.conf'), clusterKey: path.join(dir, 'cluster.key'), seeds };
}

/**
 * Creates what is missing (seeds and cluster key are never replaced: nodes and clients hold them),
 * then writes nats-auth.conf from the seeds' public keys. Secrets are readable by the owner only.
 */
export async function ensureSecurityFiles(dir: string, o: SecurityOptions): Promise<SecurityFiles> {
  const files = securityFilesIn(dir);
  await mkdir(dir, { recursive: true });
  if (!(await exists(files.clusterKey))) await writeClusterKey(files.clusterKey);
  const publicKeys = {} as Record<Identity, string>;
  for (const id of IDENTITIES) publicKeys[id] = await ensureSeed(files.seeds[id]);
  await writeFile(files.authConf, authConf(publicKeys, o));
  return files;
}

/** nats-server configuration: one nkey user per identity, plus the anonymous client if asked. */
export function authConf(publicKeys: Record<Identity, string>, o: SecurityOptions): string {
  const users = IDENTITIES.map((id) => `    # ${id}\n    { nkey: ${publicKeys[id]}, permissions: ${permissionsBlock(permissionsFor(id, o.cluster))} }`);
  if (o.anonymousClients) {
    // no_auth_user must name a user with a plaintext password (nats-server compares the stored
    // password with itself for such connections, so a bcrypt hash fails). Random, never used: this
    // user has the client identity's rights, which anyone without credentials gets anyway.
    users.push(`    # connections without credentials (no_auth_user)\n    { user: ${ANONYMOUS_USER}, password: "${randomBytes(18).toString('base64url')}", permissions: ${permissionsBlock(permissionsFor('client', o.cluster))} }`);
  }
  return [
    `# Keel cluster "${o.cluster}": NATS identities and permissions (written by keel nats-config; docs/security.md).`,
    '# Include it in the nats-server configuration: include "nats-auth.conf"',
    'authorization {',
    '  users = [',
    users.join('\n'),
    '  ]',
    '}',
    ...(o.anonymousClients ? [`no_auth_user: ${ANONYMOUS_USER}`] : []),
    '',
  ].join('\n');
}

async function ensureSeed(file: string): Promise<string> {
  if (await exists(file)) {
    const seed = (await readFile(file, 'utf8')).trim();
    return nkeys.fromSeed(new TextEncoder().encode(seed)).getPublicKey() as string;
  }
  const kp = nkeys.createUser();
  await writeFile(file, `${new TextDecoder().decode(kp.getSeed() as Uint8Array)}\n`, { mode: 0o600, flag: 'wx' });
  await chmod(file, 0o600);
  return kp.getPublicKey() as string;
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(() => true, () => false);
}
