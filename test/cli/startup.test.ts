// What a `keel` call loads before it runs anything, which is most of its start-up time
// (`npm run bench:cli` measures it): `--version` answers before yargs loads; `--help` and a usage
// error load yargs and the command definitions but none of what commands run (the client library,
// nats, avsc and the schemas, the node). Commands import that when chosen (src/cli/commands.ts); the
// bundle of the built CLI splits along those imports (tools/bundle-cli.ts).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CLI_MAIN, REPO_ROOT, runTs } from '../helpers/processes.js';

let dir = '';
test.before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'keel-startup-'));
});
test.after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Runs `keel <args>` from the sources; its exit code and the URLs of the modules it loaded. */
async function loaded(args: string[]): Promise<{ code: number | null; stderr: string; urls: string[] }> {
  const file = path.join(dir, `${args.join('_').replace(/\W/g, '')}.txt`);
  const recorder = path.join(REPO_ROOT, 'test/helpers/record-modules.mjs');
  const r = await runTs(CLI_MAIN, args, { env: { KEEL_RECORD_MODULES: file, NODE_OPTIONS: `--import ${recorder}` } });
  const urls = (await readFile(file, 'utf8').catch(() => '')).split('\n').filter(Boolean);
  return { code: r.code, stderr: r.stderr, urls };
}

const RUN_TIME = [
  /\/node_modules\/(nats|avsc|pino|prom-client|fs-ext)\//,
  /\/src\/(client\/client|codec\/codecs|codec\/schemas|transport\/api-connect)\.ts$/,
  /\/src\/(node|placement|log|store|raft)\//,
  /\/src\/cli\/admin\.ts$/,
];

function assertNoneOf(urls: string[], patterns: RegExp[], what: string): void {
  const found = urls.filter((u) => patterns.some((p) => p.test(u)));
  assert.equal(found, [], `${what} loaded ${found.join(', ')}`);
}

test('keel --version loads neither yargs nor the commands', async () => {
  const r = await loaded(['--version']);
  assert.is(r.code, 0, r.stderr);
  assert.ok(r.urls.some((u) => u.endsWith('/src/cli/main.ts')), 'the recorder saw the CLI load');
  assertNoneOf(r.urls, [/\/node_modules\/yargs\//, /\/src\/cli\/commands\.ts$/, ...RUN_TIME], '--version');
});

test('keel --help and a usage error load yargs and the command definitions, not what the commands run', async () => {
  const [help, usage] = await Promise.all([loaded(['--help']), loaded(['get'])]);
  assert.is(help.code, 0, help.stderr);
  assert.is(usage.code, 2, usage.stderr);
  for (const r of [help, usage]) {
    assert.ok(r.urls.some((u) => u.endsWith('/src/cli/kv-commands.ts')), 'the command definitions loaded');
    assertNoneOf(r.urls, RUN_TIME, r === help ? '--help' : 'keel get (no key)');
  }
});

test.run();
