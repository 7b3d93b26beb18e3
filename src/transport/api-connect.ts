// NATS connection settings shared by the client library and the node: servers, auth and TLS, turned
// into nats.js ConnectionOptions. The settings and flags themselves are in nats-auth-flags.ts (without nats).
import { readFile } from 'node:fs/promises';
import { credsAuthenticator, nkeyAuthenticator, type ConnectionOptions } from 'nats';
import { InvalidArgumentError } from '../codec/errors.js';
import type { NatsAuthOptions } from './nats-auth-flags.js';

const DEFAULT_SERVERS = 'nats://127.0.0.1:4222';

export function normalizeServers(servers: string | string[] | undefined): string[] {
  const list = (Array.isArray(servers) ? servers : [servers ?? DEFAULT_SERVERS])
    .flatMap((s) => s.split(','))
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  return list.length > 0 ? list : [DEFAULT_SERVERS];
}

/** nats.js options for these settings. Reads the creds file (at connect time, not on a request path). */
export async function natsConnectionOptions(o: NatsAuthOptions): Promise<ConnectionOptions> {
  // noAsyncTraces: nats.js would otherwise build an Error (a stack trace) for every request, which
  // costs more CPU than the rest of a request's client-side path.
  const opts: ConnectionOptions = { servers: normalizeServers(o.servers), noAsyncTraces: true };
  if (o.name !== undefined) opts.name = o.name;
  if (o.user !== undefined) opts.user = o.user;
  if (o.pass !== undefined) opts.pass = o.pass;
  if (o.token !== undefined) opts.token = o.token;
  if (o.credsFile !== undefined) {
    const creds = await readFile(o.credsFile).catch((err: Error) => {
      throw new InvalidArgumentError(`cannot read NATS creds file ${o.credsFile}: ${err.message}`);
    });
    opts.authenticator = credsAuthenticator(new Uint8Array(creds));
  }
  if (o.nkeyFile !== undefined) {
    const seed = await readFile(o.nkeyFile, 'utf8').catch((err: Error) => {
      throw new InvalidArgumentError(`cannot read NATS nkey seed file ${o.nkeyFile}: ${err.message}`);
    });
    opts.authenticator = nkeyAuthenticator(new TextEncoder().encode(seed.trim()));
  }
  const tls = o.tls;
  if (tls && (tls.caFile || tls.certFile || tls.keyFile)) {
    opts.tls = {};
    if (tls.caFile) opts.tls.caFile = tls.caFile;
    if (tls.certFile) opts.tls.certFile = tls.certFile;
    if (tls.keyFile) opts.tls.keyFile = tls.keyFile;
  }
  return opts;
}
