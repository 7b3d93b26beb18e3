// A real nats-server for tests: loopback only, a port the OS picks (no races with parallel runs),
// its own temp dir; stop() kills it and removes the dir.
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface NatsServerOptions {
  /** Overrides the server's max_payload (bytes). */
  maxPayload?: number;
  user?: string;
  pass?: string;
  token?: string;
  /** A fixed port instead of one the OS picks (e.g. to restart on the same port). */
  port?: number;
  /** Serve TLS with this certificate and key (PEM files). */
  tls?: { certFile: string; keyFile: string };
}

export interface RunningNatsServer {
  url: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 10_000;

export async function startNatsServer(opts: NatsServerOptions = {}): Promise<RunningNatsServer> {
  const dir = await mkdtemp(join(tmpdir(), 'keel-nats-'));
  const args = ['-a', '127.0.0.1', '-p', String(opts.port ?? -1), '--ports_file_dir', dir];
  if (opts.user !== undefined) args.push('--user', opts.user);
  if (opts.pass !== undefined) args.push('--pass', opts.pass);
  if (opts.token !== undefined) args.push('--auth', opts.token);
  if (opts.tls) args.push('--tls', '--tlscert', opts.tls.certFile, '--tlskey', opts.tls.keyFile);
  if (opts.maxPayload !== undefined) {
    const conf = join(dir, 'nats.conf');
    await writeFile(conf, `max_payload: ${opts.maxPayload}\n`);
    args.push('-c', conf);
  }
  const child = spawn('nats-server', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (d: Buffer) => { log = (log + d.toString()).slice(-4000); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.once('error', () => undefined); // reported through `exited` / the timeout below

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };

  try {
    const port = await waitForPort(dir, child.pid ?? -1, () => child.exitCode !== null || child.pid === undefined, () => log);
    return { url: `nats://127.0.0.1:${port}`, port, pid: child.pid as number, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Reads the ports file nats-server writes once it listens. */
async function waitForPort(dir: string, pid: number, died: () => boolean, log: () => string): Promise<number> {
  const until = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < until) {
    if (died()) throw new Error(`nats-server exited at start: ${log()}`);
    const file = (await readdir(dir)).find((f) => f === `nats-server_${pid}.ports`);
    if (file) {
      const ports = JSON.parse(await readFile(join(dir, file), 'utf8')) as { nats: string[] };
      const port = Number(new URL(ports.nats[0]).port);
      if (port > 0) return port;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`nats-server did not start within ${START_TIMEOUT_MS} ms: ${log()}`);
}
