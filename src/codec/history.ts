// Older schema versions and reading what they wrote.
//
// schemas/history/v<N>/ holds a complete copy of schemas/*.avsc as it was when version N shipped.
// Every record a past Keel wrote was written with one of these versions, so the current schemas
// must resolve from each of them (test/codec/history.test.ts fails otherwise), and a segment whose
// header carries an older entry fingerprint is read through entryCodecFor.
import { existsSync, readdirSync } from 'node:fs';
import type avro from 'avsc';
import { asBuffer, invalid } from './codec.js';
import { InvalidArgumentError } from './errors.js';
import { resolvingEntryCodec, type EntryCodecShape } from './entry.js';
import { fingerprintHex, schemaFingerprint } from './fingerprint.js';
import { loadSchemaDir, parseStandalone, type Registry } from './schemas.js';

export interface SchemaVersion {
  /** The folder name, e.g. 'v1'. */
  name: string;
  registry: Registry;
}

/** Sync I/O: runs at start (and in tests) only. */
export function loadHistory(dir: string): SchemaVersion[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && /^v\d+$/.test(d.name))
    .map((d) => d.name)
    .sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)))
    .map((name) => ({ name, registry: loadSchemaDir(`${dir}${dir.endsWith('/') ? '' : '/'}${name}/`) }));
}

/** Finds the entry codec for segments whose header carries `fingerprint`. */
export class EntryCodecIndex {
  private readonly byFingerprint = new Map<string, EntryCodecShape>();
  private readonly known: string[] = [];

  /** `current` reads and writes `readerType`; each version's entry schema gets a resolving codec. */
  constructor(current: EntryCodecShape, readerType: avro.Type, versions: SchemaVersion[]) {
    this.add(current);
    for (const version of versions) {
      const writerType = version.registry[readerType.name!];
      if (!writerType) continue;
      const hex = fingerprintHex(schemaFingerprint(writerType));
      if (this.byFingerprint.has(hex)) continue;
      this.add(resolvingEntryCodec(readerType, writerType));
    }
  }

  get(fingerprint: Uint8Array): EntryCodecShape {
    const codec = this.byFingerprint.get(fingerprintHex(fingerprint));
    if (!codec) {
      throw new InvalidArgumentError(
        `unknown entry schema fingerprint ${fingerprintHex(fingerprint)} (known: ${this.known.join(', ')}); ` +
        'the data was written by a newer or foreign Keel, or its header is damaged',
      );
    }
    return codec;
  }

  private add(codec: EntryCodecShape): void {
    const hex = fingerprintHex(codec.fingerprint);
    this.byFingerprint.set(hex, codec);
    this.known.push(hex);
  }
}

/**
 * A decoder for bytes written with `writerSchema` (a JSON schema, text or object; a file holding
 * several types is fine), read as the current type `readerType` through Avro schema resolution.
 * `fromAvro` shapes the result (e.g. into the TS type). Throws at once if the two cannot resolve.
 */
export function makeResolvingDecoder<T>(
  writerSchema: object | string,
  readerType: avro.Type,
  fromAvro: (decoded: any) => T,
): (bytes: Uint8Array) => T {
  let resolver: avro.Resolver;
  try {
    const writers = parseStandalone(writerSchema);
    const writerType = writers[readerType.name!] ?? singleNamedType(writers, readerType.name!);
    resolver = readerType.createResolver(writerType);
  } catch (err) {
    throw invalid(`cannot read ${readerType.name} written with this schema`, err);
  }
  return (bytes) => {
    try {
      return fromAvro(readerType.fromBuffer(asBuffer(bytes), resolver));
    } catch (err) {
      throw invalid(`malformed ${readerType.name} (written with an older schema)`, err);
    }
  };
}

/**
 * Why each named type of `older` that `current` still has cannot be read through resolution;
 * empty when every one resolves. (A type dropped from `current` is not checked.)
 */
export function unresolvableTypes(older: Registry, current: Registry): string[] {
  const problems: string[] = [];
  for (const [name, olderType] of Object.entries(older)) {
    const currentType = current[name];
    if (!currentType) continue;
    try {
      currentType.createResolver(olderType);
    } catch (err) {
      problems.push(`${name}: ${(err as Error).message}`);
    }
  }
  return problems;
}

function singleNamedType(registry: Registry, wanted: string): avro.Type {
  const records = Object.values(registry).filter((t) => t.typeName === 'record');
  if (records.length === 1) return records[0]!; // a renamed record resolves through its aliases
  throw new InvalidArgumentError(`the writer schema does not define ${wanted}`);
}
