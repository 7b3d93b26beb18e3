// The `keel` command. `npm run keel -- <command>` or the `keel` bin (src/cli/commands.ts has the commands).
// `keel --version` answers here, before yargs and the command modules load: a CLI call should start in
// at most 3 × the time of `node -e 0` (`npm run bench:cli` measures it).
import { readFileSync } from 'node:fs';

/** The version in package.json (one directory above src/ and dist/ alike). */
function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

// The arguments after `node <script>` (what yargs' hideBin returns under Node).
const argv = process.argv.slice(2);
if (argv.length === 1 && argv[0] === '--version') {
  process.stdout.write(`${packageVersion()}\n`); // as yargs' .version() prints it
} else {
  const { runCli } = await import('./commands.js');
  await runCli(argv, packageVersion());
}
