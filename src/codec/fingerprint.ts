// Avro's 64-bit Rabin fingerprint (the "CRC-64-AVRO" of the specification, section "Schema
// Fingerprints") of a schema's Parsing Canonical Form. Computed at start only, so BigInt is fine.
import type avro from 'avsc';

const EMPTY = 0xc15d213aa4d7a795n;
const MASK = 0xffffffffffffffffn;

const TABLE: bigint[] = (() => {
  const table: bigint[] = [];
  for (let i = 0; i < 256; i++) {
    let fp = BigInt(i);
    for (let j = 0; j < 8; j++) fp = (fp >> 1n) ^ (EMPTY & -(fp & 1n));
    table.push(fp & MASK);
  }
  return table;
})();

/** Rabin fingerprint of the UTF-8 bytes of `text`, as the spec's reference algorithm computes it. */
export function rabin64(text: string): bigint {
  let fp = EMPTY;
  for (const byte of Buffer.from(text, 'utf8')) fp = (fp >> 8n) ^ TABLE[Number((fp ^ BigInt(byte)) & 0xffn)]!;
  return fp;
}

/** Parsing Canonical Form: full names, only the attributes that matter for parsing, no whitespace. */
export function canonicalForm(type: avro.Type): string {
  return JSON.stringify(type.schema());
}

/** 8 bytes, little-endian (the byte order of Avro's single-object encoding header). */
export function schemaFingerprint(type: avro.Type): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, rabin64(canonicalForm(type)), true);
  return out;
}

export function fingerprintHex(fingerprint: Uint8Array): string {
  return Buffer.from(fingerprint.buffer, fingerprint.byteOffset, fingerprint.byteLength).toString('hex');
}
