// Schema evolution: what older Keel versions wrote stays readable.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  entryCodec, fingerprintHex, HISTORY_DIR, InvalidArgumentError, registry, resolvingDecoder, schemaFingerprint,
  SCHEMA_DIR, typeNamed, type Command,
} from '../../src/codec/index.js';
import { EntryCodecIndex, loadHistory, unresolvableTypes } from '../../src/codec/history.js';
import { loadSchemaDir } from '../../src/codec/schemas.js';
import { plain } from './samples.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const fixture = (name: string) => readFileSync(FIXTURES + name);
const v0CommandSchema = readFileSync(`${FIXTURES}history/v0/command.avsc`, 'utf8');
const isInvalid = (e: unknown) => e instanceof InvalidArgumentError;

test('every named type of every version in schemas/history resolves into the current schemas', () => {
  const versions = loadHistory(HISTORY_DIR);
  assert.ok(versions.length >= 1, 'schemas/history holds at least v1');
  for (const version of versions) {
    assert.ok(version.registry['keel.Entry'], `${version.name} has an entry schema`);
    assert.equal(unresolvableTypes(version.registry, registry), [], version.name);
  }
});

test('the check catches a change that cannot resolve', () => {
  const [v1] = loadHistory(HISTORY_DIR);
  // A future schemas/ where PutOp.key became a string and Compact lost its union branch in Command.
  const dir = mkdtempSync(join(tmpdir(), 'keel-schemas-'));
  try {
    for (const file of ['entry.avsc', 'command.avsc', 'api.avsc']) {
      let text = readFileSync(SCHEMA_DIR + file, 'utf8');
      if (file === 'command.avsc') {
        text = text.replace('"name": "PutOp",\n    "namespace": "keel",\n    "fields": [\n      { "name": "key", "type": "bytes" }',
          '"name": "PutOp",\n    "namespace": "keel",\n    "fields": [\n      { "name": "key", "type": "long" }');
        text = text.replace('"LeaseExtendAll", "Compact", "Noop"]', '"LeaseExtendAll", "Noop"]');
      }
      writeFileSync(join(dir, file), text);
    }
    const future = loadSchemaDir(dir + '/');
    const problems = unresolvableTypes(v1!.registry, future);
    assert.ok(problems.some((p) => p.startsWith('keel.PutOp:')), problems.join('\n'));
    assert.ok(problems.some((p) => p.startsWith('keel.Command:')), problems.join('\n'));
    assert.not.ok(problems.some((p) => p.startsWith('keel.Entry:')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a command written with the v0 fixture schema decodes through resolution (missing fields take their defaults)', () => {
  const decode = resolvingDecoder(v0CommandSchema, 'keel.Command') as (b: Uint8Array) => Command;
  assert.equal(plain(decode(fixture('v0-command-put.bin'))), plain({
    requestId: { clientId: 'old-client', seq: 9 },
    op: { type: 'put', key: Buffer.from('/keel/brokers/1'), value: Buffer.from('written by v0'), lease: 0, prevKv: false },
  }));
  // v0's union had its branches in another order: resolution goes by name, not by index.
  assert.equal(plain(decode(fixture('v0-command-delete.bin'))), plain({
    requestId: null,
    op: { type: 'deleteRange', key: Buffer.from('a'), rangeEnd: Buffer.from('b'), prevKv: false },
  }));
});

test('the current reader alone misreads v0 bytes: resolution is what makes them readable', () => {
  // Same bytes without resolution: v0's union branch 2 is DeleteRangeOp, today's is Txn.
  assert.throws(() => typeNamed('keel.Command').fromBuffer(fixture('v0-command-delete.bin')));
});

test('a segment whose header carries the v0 entry fingerprint is read through entryCodecFor-style lookup', () => {
  const index = new EntryCodecIndex(entryCodec, typeNamed('keel.Entry'), loadHistory(`${FIXTURES}history/`));
  const v0Fingerprint = schemaFingerprint(loadHistory(`${FIXTURES}history/`)[0]!.registry['keel.Entry']!);
  assert.is.not(fingerprintHex(v0Fingerprint), fingerprintHex(entryCodec.fingerprint));
  const codec = index.get(v0Fingerprint);
  assert.equal([...codec.fingerprint], [...v0Fingerprint]);
  const bytes = fixture('v0-entry.bin');
  const e = codec.decode(bytes);
  assert.equal({ index: e.index, term: e.term, type: e.type }, { index: 42, term: 7, type: 'normal' });
  assert.equal(codec.peekIndexTerm(bytes), { index: 42, term: 7 });
  const command = resolvingDecoder(v0CommandSchema, 'keel.Command')(e.data) as Command;
  assert.is(command.requestId?.clientId, 'old-client');
  // Old versions are read-only: the log must write new records with the current schema.
  assert.throws(() => codec.encode(e), (err: unknown) => isInvalid(err) && /read-only/.test((err as Error).message));
  assert.is(index.get(entryCodec.fingerprint), entryCodec);
  // A truncated old record is malformed, not a crash.
  assert.throws(() => codec.decode(bytes.subarray(0, 10)), isInvalid);
});

test('resolvingDecoder refuses a writer schema that cannot resolve, and bytes that do not match it', () => {
  const incompatible = { type: 'record', name: 'Entry', namespace: 'keel', fields: [{ name: 'index', type: 'string' }] };
  assert.throws(() => resolvingDecoder(incompatible, 'keel.Entry'), isInvalid);
  const decode = resolvingDecoder(v0CommandSchema, 'keel.Command');
  assert.throws(() => decode(Buffer.from([0, 9])), isInvalid);
});

test('schema files may reference types of files loaded after them; a missing type is named', () => {
  const dir = mkdtempSync(join(tmpdir(), 'keel-schemas-'));
  try {
    writeFileSync(join(dir, 'a.avsc'), JSON.stringify({ type: 'record', name: 'A', namespace: 'keel', fields: [{ name: 'b', type: 'keel.B' }] }));
    writeFileSync(join(dir, 'b.avsc'), JSON.stringify({ type: 'record', name: 'B', namespace: 'keel', fields: [{ name: 'x', type: 'bytes' }] }));
    const loaded = loadSchemaDir(dir + '/');
    assert.ok(loaded['keel.A'] && loaded['keel.B']);
    writeFileSync(join(dir, 'c.avsc'), JSON.stringify({ type: 'record', name: 'C', namespace: 'keel', fields: [{ name: 'z', type: 'keel.Nowhere' }] }));
    assert.throws(() => loadSchemaDir(dir + '/'), /c\.avsc: .*keel\.Nowhere/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
