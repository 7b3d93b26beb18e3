// The transaction spec `keel txn` reads (stdin or --file). Two forms:
//
// 1. Text, as `etcdctl txn`: three sections separated by one blank line — compares, then the ops
//    run when every compare holds, then the ops run otherwise. Lines starting with # are ignored.
//      value("config/mode") = "blue"          compares: value | version | create | mod | lease,
//      version("config/lock") = 0              operators = != > <; numbers quoted or not
//
//      put config/mode green                   ops: put <key> <value> [--lease=<id>] [--prev-kv]
//      get config/mode                              get <key> [end] [--prefix] [--limit=<n>]
//                                                        [--keys-only] [--count-only]
//      get config/mode                              del <key> [end] [--prefix] [--prev-kv]
//    Keys and values with spaces go in double quotes (JSON string escapes apply).
//
// 2. JSON (when the input starts with `{`):
//      { "compare": [ { "key": "a", "target": "value", "result": "=", "value": "1" },
//                     { "key": "a", "target": "version", "result": ">", "number": 0 } ],
//        "success": [ { "put": { "key": "a", "value": "2", "lease": 0, "prevKv": false } },
//                     { "get": { "key": "a" } }, { "range": { "prefix": "a/", "limit": 10 } },
//                     { "delete": { "prefix": "tmp/", "prevKv": true } } ],
//        "failure": [] }
//    target: value | version | createRevision | modRevision | lease (create/mod also accepted).
import { InvalidArgumentError } from '../codec/errors.js';
import type { Compare, TxnOp } from '../codec/types.js';
import type { KeySelector } from '../client/bytes.js';
import { cmp, op, type TxnSpec } from '../client/txn.js';

export function parseTxnSpec(input: string): TxnSpec {
  return input.trimStart().startsWith('{') ? parseJsonSpec(input) : parseTextSpec(input);
}

// ---------------------------------------------------------------- text form

function parseTextSpec(input: string): TxnSpec {
  const sections: string[][] = [[]];
  for (const raw of input.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('#')) continue;
    if (line === '') {
      sections.push([]);
      continue;
    }
    sections[sections.length - 1].push(line);
  }
  // Trailing blank lines make trailing empty sections: drop them.
  while (sections.length > 3 && sections[sections.length - 1].length === 0) sections.pop();
  if (sections.length > 3) throw new InvalidArgumentError('txn: more than three sections (compares, success ops, failure ops)');
  const [compares = [], success = [], failure = []] = sections;
  return {
    compare: compares.map((l, i) => withLine(`compare ${i + 1}`, l, () => parseCompareLine(l))),
    success: success.map((l, i) => withLine(`success op ${i + 1}`, l, () => parseOpLine(l))),
    failure: failure.map((l, i) => withLine(`failure op ${i + 1}`, l, () => parseOpLine(l))),
  };
}

function withLine<T>(what: string, line: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    throw new InvalidArgumentError(`txn: ${what} "${line}": ${(err as Error).message}`);
  }
}

const TEXT_TARGETS: Record<string, keyof typeof cmp> = {
  value: 'value', version: 'version', create: 'createRevision', mod: 'modRevision', lease: 'lease',
  createRevision: 'createRevision', modRevision: 'modRevision',
};

function parseCompareLine(line: string): Compare {
  const m = /^(\w+)\(\s*("(?:[^"\\]|\\.)*"|[^)\s]+)\s*\)\s*(=|==|!=|>|<)\s*(.+)$/.exec(line);
  if (!m) throw new Error('expected target("key") <op> <value>, e.g. value("k") = "v"');
  const target = TEXT_TARGETS[m[1]];
  if (!target) throw new Error(`unknown target ${m[1]} (value, version, create, mod, lease)`);
  const key = unquote(m[2]);
  const operand = unquote(m[4].trim());
  if (target === 'value') return cmp.value(key, m[3] as '=', operand);
  return cmp[target](key, m[3] as '=', toInteger(operand));
}

function parseOpLine(line: string): TxnOp {
  const [verb, ...rest] = tokenize(line);
  const args = rest.filter((t) => !t.startsWith('--'));
  const flags = new Map(rest.filter((t) => t.startsWith('--')).map((t) => {
    const [name, value] = t.slice(2).split('=', 2);
    return [name, value ?? 'true'];
  }));
  const flag = (name: string): boolean => flags.get(name) === 'true';
  const numberFlag = (name: string): number | undefined => (flags.has(name) ? toInteger(flags.get(name)!) : undefined);
  const allowed: Record<string, string[]> = {
    put: ['lease', 'prev-kv'], get: ['prefix', 'limit', 'keys-only', 'count-only'], del: ['prefix', 'prev-kv'],
  };
  if (!allowed[verb]) throw new Error(`unknown operation ${verb} (put, get, del)`);
  for (const name of flags.keys()) if (!allowed[verb].includes(name)) throw new Error(`${verb} has no --${name}`);

  if (verb === 'put') {
    if (args.length !== 2) throw new Error('put needs <key> <value>');
    return op.put(args[0], args[1], { lease: numberFlag('lease'), prevKv: flag('prev-kv') });
  }
  if (args.length < 1 || args.length > 2) throw new Error(`${verb} needs <key> [end]`);
  const sel = selectorOf(args[0], args[1], flag('prefix'));
  if (verb === 'get') {
    return op.range(sel, { limit: numberFlag('limit'), keysOnly: flag('keys-only'), countOnly: flag('count-only') });
  }
  return op.delete(sel, { prevKv: flag('prev-kv') });
}

/** <key> [end] [--prefix] as a selector (shared with the CLI's range and del commands). */
export function selectorOf(key: string, end: string | undefined, prefix: boolean): KeySelector {
  if (prefix && end !== undefined) throw new InvalidArgumentError('give either --prefix or an end key, not both');
  if (prefix) return { prefix: key };
  if (end !== undefined) return { from: key, to: end };
  return { key };
}

/** Splits on whitespace; "double quoted" tokens may hold spaces and JSON escapes. */
function tokenize(line: string): string[] {
  const tokens: string[] = [];
  const re = /"(?:[^"\\]|\\.)*"|\S+/g;
  for (const m of line.matchAll(re)) tokens.push(unquote(m[0]));
  return tokens;
}

function unquote(token: string): string {
  if (!token.startsWith('"')) return token;
  try {
    return JSON.parse(token) as string;
  } catch {
    throw new Error(`bad quoted string ${token}`);
  }
}

function toInteger(s: string): number {
  const n = Number(s);
  if (s.trim() === '' || !Number.isSafeInteger(n)) throw new Error(`"${s}" is not an integer`);
  return n;
}

// ---------------------------------------------------------------- JSON form

type Json = Record<string, unknown>;

function parseJsonSpec(input: string): TxnSpec {
  let doc: unknown;
  try {
    doc = JSON.parse(input);
  } catch (err) {
    throw new InvalidArgumentError(`txn: invalid JSON: ${(err as Error).message}`);
  }
  const spec = doc as { compare?: unknown; success?: unknown; failure?: unknown };
  for (const name of Object.keys(spec)) {
    if (!['compare', 'success', 'failure'].includes(name)) throw new InvalidArgumentError(`txn: unknown field "${name}"`);
  }
  const list = (name: 'compare' | 'success' | 'failure'): Json[] => {
    const v = spec[name] ?? [];
    if (!Array.isArray(v)) throw new InvalidArgumentError(`txn: "${name}" must be an array`);
    return v as Json[];
  };
  const at = <T>(what: string, i: number, parse: () => T): T => {
    try {
      return parse();
    } catch (err) {
      throw new InvalidArgumentError(`txn: ${what}[${i}]: ${(err as Error).message}`);
    }
  };
  return {
    compare: list('compare').map((c, i) => at('compare', i, () => jsonCompare(c))),
    success: list('success').map((o, i) => at('success', i, () => jsonOp(o))),
    failure: list('failure').map((o, i) => at('failure', i, () => jsonOp(o))),
  };
}

function str(v: unknown, what: string): string {
  if (typeof v !== 'string') throw new Error(`${what} must be a string`);
  return v;
}

function jsonCompare(c: Json): Compare {
  const key = str(c.key, 'key');
  const target = TEXT_TARGETS[str(c.target, 'target')];
  if (!target) throw new Error(`unknown target ${String(c.target)}`);
  const result = str(c.result, 'result') as '=';
  if (target === 'value') return cmp.value(key, result, str(c.value, 'value'));
  if (typeof c.number !== 'number') throw new Error('number must be a number');
  return cmp[target](key, result, c.number);
}

function jsonSelector(o: Json): KeySelector {
  if (o.prefix !== undefined) return { prefix: str(o.prefix, 'prefix') };
  if (o.from !== undefined) return { from: str(o.from, 'from'), to: o.to === undefined ? undefined : str(o.to, 'to') };
  return { key: str(o.key, 'key') };
}

function jsonOp(o: Json): TxnOp {
  const kinds = Object.keys(o);
  if (kinds.length !== 1) throw new Error('an op is an object with exactly one of put, get, range, delete');
  const args = o[kinds[0]] as Json;
  if (typeof args !== 'object' || args === null) throw new Error(`${kinds[0]} needs an object`);
  switch (kinds[0]) {
    case 'put':
      return op.put(str(args.key, 'key'), str(args.value, 'value'), {
        lease: args.lease as number | undefined, prevKv: args.prevKv === true,
      });
    case 'get':
    case 'range':
      return op.range(jsonSelector(args), {
        limit: args.limit as number | undefined, keysOnly: args.keysOnly === true, countOnly: args.countOnly === true,
      });
    case 'delete':
      return op.delete(jsonSelector(args), { prevKv: args.prevKv === true });
    default:
      throw new Error(`unknown op ${kinds[0]} (put, get, range, delete)`);
  }
}
