// Loads every schemas/*.avsc once, at module load, into one shared registry, so a named type
// defined in one file (keel.KeyValue) can be used by name in another. Files may come in any order:
// a file that names a type not yet defined is retried after the others (each attempt parses into a
// scratch copy of the registry, so a failed attempt leaves nothing half-registered).
// Sync I/O here is deliberate: it runs once when the process starts.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import avro from 'avsc';
import { avroOptions } from './avro-types.js';

// Two directories up: the package root, from src/codec/, dist/codec/ and the CLI bundle in dist/cli/
// (tools/bundle-cli.ts keeps its files there).
export const SCHEMA_DIR = fileURLToPath(new URL('../../schemas/', import.meta.url));
export const HISTORY_DIR = fileURLToPath(new URL('../../schemas/history/', import.meta.url));

export type Registry = Record<string, avro.Type>;

/** Every named type of schemas/*.avsc, by full name ('keel.Entry'). */
export const registry: Registry = loadSchemaDir(SCHEMA_DIR);

/** The named type `fullName` (e.g. 'keel.Command'); throws if no schema file defines it. */
export function typeNamed(fullName: string): avro.Type {
  const type = registry[fullName];
  if (!type) throw new Error(`no schema in ${SCHEMA_DIR} defines ${fullName}`);
  return type;
}

/** Parses a schema (JSON text or object) on its own, without the shared registry. */
export function parseStandalone(schema: object | string): Registry {
  const own: Registry = {};
  avro.Type.forSchema(toSchema(schema), avroOptions(own));
  return own;
}

export function loadSchemaDir(dir: string, base: Registry = {}): Registry {
  const pending = readdirSync(dir)
    .filter((name) => name.endsWith('.avsc'))
    .sort()
    .map((name) => ({ name, schema: JSON.parse(readFileSync(dir + name, 'utf8')) as object }));
  let loaded: Registry = { ...base };
  while (pending.length > 0) {
    const before = pending.length;
    const failures: string[] = [];
    for (let i = 0; i < pending.length; ) {
      const attempt: Registry = { ...loaded };
      try {
        avro.Type.forSchema(pending[i]!.schema as avro.Schema, avroOptions(attempt));
        loaded = attempt;
        pending.splice(i, 1);
      } catch (err) {
        failures.push(`${pending[i]!.name}: ${(err as Error).message}`);
        i++;
      }
    }
    if (pending.length === before) {
      throw new Error(`cannot load the schemas in ${dir}:\n  ${failures.join('\n  ')}`);
    }
  }
  return loaded;
}

function toSchema(schema: object | string): avro.Schema {
  if (typeof schema !== 'string') return schema as avro.Schema;
  const text = schema.trim();
  // A bare type name ("long") is a schema too; anything else must be JSON.
  return (text.startsWith('{') || text.startsWith('[') || text.startsWith('"') ? JSON.parse(text) : text) as avro.Schema;
}
