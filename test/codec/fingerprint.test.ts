import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { canonicalForm, entryCodec, fingerprintHex, schemaFingerprint, typeNamed } from '../../src/codec/index.js';
import { rabin64 } from '../../src/codec/fingerprint.js';

test('rabin64 matches the Avro specification test vectors (share/test/data/schema-tests.txt)', () => {
  const vectors: [string, bigint][] = [
    ['"null"', 7195948357588979594n],
    ['"boolean"', -6970731678124411036n],
    ['"int"', 8247732601305521295n],
    ['{"name":"foo","type":"fixed","size":15}', 1756455273707447556n],
    ['{"name":"foo","type":"record","fields":[{"name":"f1","type":"boolean"}]}', 7843277075252814651n],
  ];
  for (const [schema, signed] of vectors) assert.is(rabin64(schema), BigInt.asUintN(64, signed), schema);
});

test('the fingerprint is 8 bytes, little-endian, of the canonical form (docs and defaults do not count)', () => {
  const fp = schemaFingerprint(typeNamed('keel.Entry'));
  assert.is(fp.length, 8);
  const expected = rabin64(canonicalForm(typeNamed('keel.Entry')));
  assert.is(new DataView(fp.buffer, fp.byteOffset).getBigUint64(0, true), expected);
  assert.not.match(canonicalForm(typeNamed('keel.Entry')), /doc|default/);
});

// Segments record this in their header. If this fails you changed schemas/entry.avsc: keep the
// previous version in schemas/history (see src/codec/README.md), then update the pin.
test('the current entry schema fingerprint is pinned', () => {
  assert.is(fingerprintHex(entryCodec.fingerprint), '2e9c8015c59c97a9');
  assert.equal([...entryCodec.fingerprint], [...schemaFingerprint(typeNamed('keel.Entry'))]);
});

test('different schemas get different fingerprints', () => {
  const seen = new Set<string>();
  for (const name of ['keel.Entry', 'keel.Command', 'keel.ApiRequest', 'keel.ApiResponse', 'keel.ApplyOutcome']) {
    seen.add(fingerprintHex(schemaFingerprint(typeNamed(name))));
  }
  assert.is(seen.size, 5);
});

test.run();
