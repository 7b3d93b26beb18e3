// Bad usage, said in one line that names what is missing or wrong (the CLI exits 2 after it):
//   keel get                -> keel: get needs <key> (usage: keel get <key>)
//   keel foo                -> keel: unknown command "foo" (commands: put, get, ...; keel --help)
//   keel lease grant abc    -> keel: ttl must be a number (usage: keel lease grant <ttl>)
import type { Argv } from 'yargs';

/** A usage mistake found by our own checks (as opposed to a command that failed). */
export class UsageError extends Error {}

/** The part of yargs' usage object handed to `.fail()` that this module reads. */
export interface UsageView {
  getUsage(): Array<[string, string]>;
  getCommands(): Array<[string, ...unknown[]]>;
}

/** One line for a yargs validation message `msg` about `argv`. */
export function usageLine(msg: string, argv: string[], usage: UsageView): string {
  const current = usage.getUsage()[0]?.[0]?.replace(/^\$0/, 'keel');
  const commands = usage.getCommands().map((c) => c[0].split(' ')[0]!);
  const hint = current ? `(usage: ${current})` : '(keel --help lists the commands)';

  const notEnough = /^Not enough non-option arguments: got (\d+)/.exec(msg);
  if (notEnough && current) {
    const got = Number(notEnough[1]);
    const required = current.match(/<[^>]+>/g) ?? [];
    const missing = required.slice(required.length - Math.max(1, required.length - got));
    const name = current.replace(/^keel /, '').split(/ [<[]/)[0];
    if (missing[0] === '<command>' && commands.length > 0) {
      return `${name} needs a command: ${commands.join(', ')} ${hint}`;
    }
    return `${name} needs ${missing.join(' ')} ${hint}`;
  }
  const unknown = /^Unknown arguments?: (.*)$/.exec(msg);
  if (unknown) {
    const words = unknown[1]!.split(', ');
    const asOption = (w: string): boolean => argv.some((a) => a === `--${w}` || a.startsWith(`--${w}=`) || a === `-${w}`);
    const topLevel = !current || current.startsWith('keel <command>');
    if (topLevel && !asOption(words[0]!)) return `unknown command "${words[0]}" (commands: ${commands.join(', ')}; keel --help)`;
    const shown = words.map((w) => (asOption(w) ? `--${w}` : `"${w}"`));
    return `unknown argument${words.length > 1 ? 's' : ''} ${shown.join(', ')} ${hint}`;
  }
  const missingOptions = /^Missing required arguments?: (.*)$/.exec(msg);
  if (missingOptions) return `missing ${missingOptions[1]!.split(', ').map((o) => `--${o}`).join(', ')} ${hint}`;
  return `${msg.replace(/\s*\n\s*/g, ' ')} ${hint}`;
}

/** Number arguments (positional or option) that did not parse: `keel lease grant abc`. */
export function rejectNaN<T>(y: Argv<T>): Argv<T> {
  return y.check((parsed) => {
    for (const [name, value] of Object.entries(parsed)) {
      if (typeof value === 'number' && Number.isNaN(value) && !name.includes('-')) {
        throw new UsageError(`${name} must be a number`);
      }
    }
    return true;
  }, true);
}
