// Every `keel` command on one yargs parser (src/cli/main.ts runs it). Failures exit non-zero with one
// line: `keel: <Code>: <message>` (with --json: `{"error":{"code":...,"message":...}}` on stderr).
// The command modules only describe their commands: what a command runs (the client library with nats
// and the Avro codecs, the node, the admin tools) is imported when that command is chosen, so that
// `keel --help` and a usage error never load it (test/cli/startup.test.ts).
import yargs, { type Argv } from 'yargs';
import { KeelError } from '../codec/errors.js';
import { clusterCommands } from './cluster-commands.js';
import { globalOptions } from './connection.js';
import { devCommand, DevError } from './dev.js';
import { kvCommands } from './kv-commands.js';
import { placementCommands } from './placement-commands.js';
import { recipeCommands } from './recipe-commands.js';
import { alarmCommands } from './alarm-commands.js';
import { natsConfigCommand } from './nats-config.js';
import { serveCommand } from './serve.js';
import { snapshotCommands } from './snapshot-commands.js';
import { rejectNaN, usageLine, UsageError, type UsageView } from './usage.js';
import { watchCommands } from './watch-commands.js';

/** Exit codes: 1 = the command failed, 2 = bad usage. */
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

/** The global options, then every command group, in the order `keel --help` lists them. */
const REGISTER: ((y: Argv) => Argv)[] = [
  rejectNaN, globalOptions, kvCommands, clusterCommands, watchCommands, placementCommands, recipeCommands,
  alarmCommands, serveCommand, snapshotCommands, devCommand, natsConfigCommand,
];

export async function runCli(argv: string[], version: string): Promise<void> {
  const json = argv.includes('--json');
  let parser = yargs(argv)
    .scriptName('keel')
    .usage('$0 <command> [options]')
    // Keys and values are strings: never turn "007" into 7. Arguments after `--` are kept (put's value).
    .parserConfiguration({ 'parse-numbers': false, 'parse-positional-numbers': false, 'populate--': true })
    .strict()
    .demandCommand(1, 'give a command')
    .help()
    .alias('h', 'help')
    .version(version)
    // yargs' own messages in English, as ours are (usageLine rewrites them), whatever the locale; the
    // bundled CLI (tools/bundle-cli.ts) could not read yargs' translations anyway.
    .locale('en')
    .wrap(Math.min(110, process.stdout.columns ?? 110))
    .fail((msg, err, usage) => {
      if (err && !(err instanceof UsageError)) throw err; // a command failed: reported below
      process.stderr.write(`keel: ${usageLine(err?.message ?? msg, argv, usage as unknown as UsageView)}\n`);
      process.exit(EXIT_USAGE);
    });
  for (const register of REGISTER) parser = register(parser);
  try {
    await parser.parseAsync();
  } catch (err) {
    reportFailure(err, json);
    process.exitCode = EXIT_FAILED;
  }
}

function reportFailure(err: unknown, json: boolean): void {
  const code = err instanceof KeelError ? err.code : err instanceof DevError ? 'Dev' : 'Error';
  const message = (err as Error)?.message ?? String(err);
  const oneLine = message.replace(/\s*\n\s*/g, ' ');
  if (json) process.stderr.write(`${JSON.stringify({ error: { code, message: oneLine } })}\n`);
  else process.stderr.write(`keel: ${code}: ${oneLine}\n`);
}
