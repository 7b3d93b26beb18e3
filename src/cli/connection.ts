// The CLI's global options (NATS connection, cluster, timeout, output) and the client built from them.
// The client library (nats, the Avro codecs) is loaded when a command connects, not when the CLI
// starts: `keel --help` and usage errors never load it (test/cli/startup.test.ts).
import type { Argv } from 'yargs';
import type { ConnectOptions, KeelClient } from '../client/index.js';
import { applyAuthFlags, NATS_AUTH_ENV, type NatsAuthFlags } from '../transport/nats-auth-flags.js';

export interface GlobalArgs extends NatsAuthFlags {
  servers?: string;
  cluster?: string;
  timeout?: number;
  json?: boolean;
}

/** No yargs defaults here: `keel serve` merges these flags over its config file and KEEL_* env. */
export function globalOptions<T>(y: Argv<T>): Argv<T & GlobalArgs> {
  return y
    .option('servers', { type: 'string', global: true, group: 'Connection:', describe: 'NATS server URLs, comma-separated [default: nats://127.0.0.1:4222]' })
    .option('cluster', { type: 'string', global: true, group: 'Connection:', describe: 'Keel cluster name [default: default]' })
    .option('user', { type: 'string', global: true, group: 'Connection:', describe: 'NATS user' })
    .option('password', { type: 'string', global: true, group: 'Connection:', describe: 'NATS password' })
    .option('token', { type: 'string', global: true, group: 'Connection:', describe: 'NATS auth token' })
    .option('creds', { type: 'string', global: true, group: 'Connection:', describe: 'NATS .creds file' })
    .option('nkey', { type: 'string', global: true, group: 'Connection:', describe: 'NATS nkey seed file, e.g. the admin identity from keel nats-config or keel dev' })
    .option('tls-ca', { type: 'string', global: true, group: 'Connection:', describe: 'CA certificate file for TLS' })
    .option('tls-cert', { type: 'string', global: true, group: 'Connection:', describe: 'client certificate file for TLS' })
    .option('tls-key', { type: 'string', global: true, group: 'Connection:', describe: 'client key file for TLS' })
    .option('timeout', { type: 'number', global: true, group: 'Connection:', describe: 'give up after this many ms, retries included [default: 15000]' })
    .option('json', { type: 'boolean', global: true, describe: 'print JSON (for scripts)' }) as Argv<T & GlobalArgs>;
}

/** The connection settings the CLI also takes from KEEL_* variables (a flag wins). */
const CONNECTION_ENV: Record<string, keyof GlobalArgs> = {
  KEEL_SERVERS: 'servers',
  KEEL_CLUSTER: 'cluster',
  ...NATS_AUTH_ENV,
};

function withEnv(a: GlobalArgs, env: NodeJS.ProcessEnv): GlobalArgs {
  const merged: Record<string, unknown> = { ...a };
  for (const [name, key] of Object.entries(CONNECTION_ENV)) {
    const v = env[name];
    if (merged[key] === undefined && v !== undefined && v !== '') merged[key] = v;
  }
  return merged as GlobalArgs;
}

export function connectOptionsOf(args: GlobalArgs, env: NodeJS.ProcessEnv = process.env): ConnectOptions {
  const a = withEnv(args, env);
  const deadlineMs = a.timeout ?? 15_000;
  const o: ConnectOptions = {
    servers: a.servers ?? 'nats://127.0.0.1:4222',
    cluster: a.cluster ?? 'default',
    deadlineMs,
    timeoutMs: Math.min(2000, deadlineMs),
    // Nothing serves the cluster (a wrong --cluster or --servers, or no node started): say so after
    // about 2 s rather than retrying until --timeout.
    noNodeMs: Math.min(2000, deadlineMs),
    name: 'keel-cli',
  };
  applyAuthFlags(o, a);
  return o;
}

/** Connects with the global options (the command's connection, kept open until the caller closes it). */
export async function connectWith(a: GlobalArgs): Promise<KeelClient> {
  const { connect } = await import('../client/client.js');
  return connect(connectOptionsOf(a));
}

/** Connects, runs `fn`, and always closes the client. */
export async function withClient<T>(a: GlobalArgs, fn: (client: KeelClient) => Promise<T>): Promise<T> {
  const client = await connectWith(a);
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

/** Prints a result: the human text, or with --json the JSON document. */
export function print(a: GlobalArgs, human: string | string[], json: unknown): void {
  if (a.json) process.stdout.write(`${JSON.stringify(json)}\n`);
  else {
    const text = Array.isArray(human) ? human.join('\n') : human;
    if (text.length > 0) process.stdout.write(`${text}\n`);
  }
}
