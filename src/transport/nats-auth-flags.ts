// The NATS servers, auth and TLS settings of a connection, and the flags and KEEL_* variables that
// set them (`keel serve` and the CLI's other commands). No nats.js here: the CLI reads these before it
// knows whether the command connects at all (`keel --help` does not); api-connect.ts turns them into
// nats.js options.

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
