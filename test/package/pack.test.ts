// The published package, as a user gets it: `npm pack` (which builds dist/ through `prepare`), then
// `npm install <tarball>` into a fresh plain-JavaScript project, where `import { connect } from 'keel'`
// runs under plain node (no TypeScript loader), `npx keel` runs the compiled CLI, a `.ts` consumer
// type-checks against the shipped .d.ts, and a global install gives a `keel` command.
// Slow (a build and two installs): `npm run test:package`, run by .ci/run; `npm test` leaves it out.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { useCluster, type SharedCluster } from '../integration/helpers.js';
import { REPO_ROOT } from '../helpers/processes.js';

interface Ran { code: number; stdout: string; stderr: string }

function run(cmd: string, args: string[], cwd: string, timeoutMs = 240_000): Promise<Ran> {
  return new Promise((resolve) => {
    // No inherited loader: the consumer's node must run the package as shipped.
    const env = { ...process.env, NODE_OPTIONS: '', npm_config_audit: 'false', npm_config_fund: 'false' };
    execFile(cmd, args, { cwd, env, timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout: stdout.toString(), stderr: stderr.toString() });
    });
  });
}

function ok(r: Ran, what: string): string {
  if (r.code !== 0) assert.unreachable(`${what} exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

let shared: SharedCluster;
// Secured (as `keel dev`): a CLI call with the admin identity's --nkey exercises nats' nkey authenticator.
useCluster(test, { secure: true }, (s) => { shared = s; });

let work = '';
let project = '';
let tarball = '';

test.before(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'keel-pack-'));
  const packed = JSON.parse(ok(await run('npm', ['pack', '--json', '--pack-destination', work], REPO_ROOT), 'npm pack')) as
    Array<{ filename: string; files: Array<{ path: string }> }>;
  tarball = path.join(work, packed[0]!.filename);
  packFiles = packed[0]!.files.map((f) => f.path);
  project = path.join(work, 'app');
  await run('mkdir', ['-p', project], work);
  await writeFile(path.join(project, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
  // The dependencies come from the npm cache when `npm ci` filled it, else from the registry.
  ok(await run('npm', ['install', '--prefer-offline', tarball], project), 'npm install <tarball>');
});

test.after(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

let packFiles: string[] = [];

test('the tarball holds the build, the schemas, README and LICENSE, and no sources or tests', () => {
  for (const f of ['package.json', 'README.md', 'LICENSE', 'bin/keel.js', 'dist/client/index.js', 'dist/client/index.d.ts',
    'dist/cli/main.js', 'dist/cli/keel.js', 'schemas/api.avsc', 'schemas/entry.avsc']) {
    assert.ok(packFiles.includes(f), `${f} is in the tarball`);
  }
  const stray = packFiles.filter((f) => /^(src|test|tools|\.ci|segments)\//.test(f) || f.endsWith('.ts') && !f.endsWith('.d.ts'));
  assert.equal(stray, []);
});

test('import { connect } from "keel" connects, puts and gets under plain node', async () => {
  const script = `
    import { connect, KeelError, LeaseNotFoundError } from 'keel';
    const kv = await connect({ servers: ${JSON.stringify(shared.cluster.nats.url)} });
    await kv.put('/pack/a', 'from-the-tarball');
    const v = await kv.get('/pack/a');
    let typed = false;
    try { await kv.lease.keepAliveOnce(987654321); } catch (e) { typed = e instanceof LeaseNotFoundError && e instanceof KeelError; }
    console.log(JSON.stringify({ value: v?.valueString, typed }));
    await kv.close();`;
  const out = ok(await run(process.execPath, ['--input-type=module', '-e', script], project, 60_000), 'node -e');
  assert.equal(JSON.parse(out.trim()), { value: 'from-the-tarball', typed: true });
});

test('npx keel runs the compiled CLI inside the project', async () => {
  const version = ok(await run('npx', ['--no-install', 'keel', '--version'], project), 'npx keel --version').trim();
  const pkg = JSON.parse(await readFile(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
  assert.is(version, pkg.version);
  const got = ok(await run('npx', ['--no-install', 'keel', 'get', '/pack/a', '--servers', shared.cluster.nats.url], project), 'npx keel get');
  assert.is(got, '/pack/a\nfrom-the-tarball\n');
});

test('a TypeScript consumer gets the types (and a wrong use fails to compile)', async () => {
  const tsc = path.join(REPO_ROOT, 'node_modules/typescript/bin/tsc');
  const flags = ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022',
    '--types', 'node', '--typeRoots', path.join(REPO_ROOT, 'node_modules/@types')];
  await writeFile(path.join(project, 'good.mts'), `
    import { connect, CompactedError, type KeelClient } from 'keel';
    const kv: KeelClient = await connect({ servers: 'nats://127.0.0.1:4222' });
    const v = await kv.get('a');
    const revision: number | undefined = v?.header.revision;
    const e = new CompactedError(1, 5);
    const compactRevision: number = e.revision;
    console.log(revision, compactRevision);
  `);
  ok(await run(process.execPath, [tsc, ...flags, 'good.mts'], project), 'tsc good.mts');
  await writeFile(path.join(project, 'bad.mts'), `
    import { connect } from 'keel';
    const kv = await connect({ servers: 'nats://127.0.0.1:4222' });
    const wrong: string = kv.put;
    console.log(wrong);
  `);
  const bad = await run(process.execPath, [tsc, ...flags, 'bad.mts'], project);
  assert.is.not(bad.code, 0);
  assert.match(bad.stdout, /bad\.mts.*TS2322/);
});

test('a global install gives a keel command (its bundle finds the schemas and package.json)', async () => {
  const prefix = path.join(work, 'global');
  ok(await run('npm', ['install', '--global', '--prefer-offline', '--prefix', prefix, tarball], work), 'npm install -g');
  const keel = path.join(prefix, 'bin', 'keel');
  const version = ok(await run(keel, ['--version'], work), 'keel --version').trim();
  assert.match(version, /^\d+\.\d+\.\d+/);
  assert.match(ok(await run(keel, ['--help'], work), 'keel --help'), /^keel <command> \[options\]\n/);
  const servers = shared.cluster.nats.url;
  assert.is(ok(await run(keel, ['get', '/pack/a', '--servers', servers], work), 'keel get'), '/pack/a\nfrom-the-tarball\n');
  const status = ok(await run(keel, ['status', '--json', '--servers', servers, '--nkey', shared.cluster.security!.seeds.admin], work), 'keel status --nkey');
  assert.is((JSON.parse(status) as { members: unknown[] }).members.length, 3);
});

test.run();
