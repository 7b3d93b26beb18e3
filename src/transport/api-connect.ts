// NATS connection settings shared by the client library and the node: servers, auth and TLS, turned
// into nats.js ConnectionOptions.
import { readFile } from 'node:fs/promises';
import { credsAuthenticator, nkeyAuthenticator, type ConnectionOptions } from 'nats';
import { InvalidArgumentError } from '../codec/errors.js';

const DEFAULT_SERVERS = 'nats://127.0.0.1:4222';

export interface NatsTlsOptions {
  caFile?: string;
  certFile?: string;
  keyFile?: string;
}

export interface NatsAuthOptions {
  /** One URL, a comma-separated list, or an array. Default nats://127.0.0.1:4222. */
  servers?: string | string[];
  user?: string;
  pass?: string;
  token?: string;
  /** A NATS `.creds` file (JWT + nkey seed). */
  credsFile?: string;
  /** A file holding an nkey seed (`SU...`): the identities `keel nats-config` writes. */
  nkeyFile?: string;
  tls?: NatsTlsOptions;
  /** Connection name shown by NATS monitoring. */
  name?: string;
}

/** The NATS auth and TLS flags shared by `keel serve` and the CLI's other commands. */
export interface NatsAuthFlags {
  user?: string;
  password?: string;
  token?: string;
  creds?: string;
  nkey?: string;
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
}

/** The environment variables of the auth and TLS flags (`keel serve` and the other commands). */
export const NATS_AUTH_ENV: Readonly<Record<string, keyof NatsAuthFlags>> = {
  KEEL_USER: 'user',
  KEEL_PASSWORD: 'password',
  KEEL_TOKEN: 'token',
  KEEL_CREDS: 'creds',
  KEEL_NKEY: 'nkey',
  KEEL_TLS_CA: 'tlsCa',
  KEEL_TLS_CERT: 'tlsCert',
  KEEL_TLS_KEY: 'tlsKey',
};

/** Copies the auth and TLS flags that are set onto connection settings. */
export function applyAuthFlags(target: NatsAuthOptions, f: NatsAuthFlags): void {
  if (f.user !== undefined) target.user = f.user;
  if (f.password !== undefined) target.pass = f.password;
  if (f.token !== undefined) target.token = f.token;
  if (f.creds !== undefined) target.credsFile = f.creds;
  if (f.nkey !== undefined) target.nkeyFile = f.nkey;
  if (f.tlsCa !== undefined || f.tlsCert !== undefined || f.tlsKey !== undefined) {
    target.tls = { caFile: f.tlsCa, certFile: f.tlsCert, keyFile: f.tlsKey };
  }
}

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
