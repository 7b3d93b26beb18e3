// raft-state: the term, vote and commit record (src/node/hard-state.ts), on real files.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HardStateFile } from '../../src/node/hard-state.js';

// Written by the first layout (KHS1: big-endian, crc before length): term 7, vote n2, commit 43.
const KHS1_FIXTURE = fileURLToPath(new URL('./fixtures/raft-state-khs1', import.meta.url));

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'keel-hs-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function refusesToOpen(dir: string, reason: RegExp): Promise<void> {
  const err = await HardStateFile.open(dir).then(() => null, (e: Error) => e);
  assert.ok(err, 'open should fail');
  assert.match(err.message, reason);
}

test('a raft-state file in the first layout (KHS1) is read, and rewritten in the framed layout at the next save', () =>
  withDir(async (dir) => {
    await copyFile(KHS1_FIXTURE, join(dir, 'raft-state'));
    const old = await HardStateFile.open(dir);
    assert.equal(old.value, { term: 7, vote: 'n2', commit: 43 });
    await old.save({ term: 8, vote: '', commit: 43 });
    await old.close();
    const bytes = await readFile(join(dir, 'raft-state'));
    assert.is(bytes.subarray(0, 4).toString('latin1'), 'KHS2');
    const reopened = await HardStateFile.open(dir);
    assert.equal(reopened.value, { term: 8, vote: '', commit: 43 });
    await reopened.close();
  }));

test('the record is "KHS2" then one length + CRC frame; a shorter rewrite ignores the old tail', () =>
  withDir(async (dir) => {
    const hs = await HardStateFile.open(dir);
    assert.equal(hs.value, { term: 0, vote: '', commit: 0 });
    await hs.save({ term: 3, vote: 'a-rather-long-node-name', commit: 1_000_000 });
    await hs.save({ term: 4, vote: 'n1', commit: 5 });
    await hs.close();
    const bytes = await readFile(join(dir, 'raft-state'));
    const payload = JSON.stringify({ term: 4, vote: 'n1', commit: 5 });
    assert.is(bytes.readUInt32LE(4), payload.length, 'little-endian length after the magic');
    assert.is(bytes.subarray(12, 12 + payload.length).toString(), payload);
    assert.ok(bytes.length > 12 + payload.length, 'the longer first record left a tail');
    const reopened = await HardStateFile.open(dir);
    assert.equal(reopened.value, { term: 4, vote: 'n1', commit: 5 });
    await reopened.close();
  }));

test('a flipped bit in either layout refuses to start', () =>
  withDir(async (dir) => {
    const file = join(dir, 'raft-state');
    const legacy = await readFile(KHS1_FIXTURE);
    legacy[20] ^= 0x01;
    await writeFile(file, legacy);
    await refusesToOpen(dir, /fails its CRC/);

    await rm(file);
    const hs = await HardStateFile.open(dir);
    await hs.save({ term: 2, vote: 'n3', commit: 9 });
    await hs.close();
    const framed = await readFile(file);
    framed[15] ^= 0x01;
    await writeFile(file, framed);
    await refusesToOpen(dir, /fails its CRC/);

    await writeFile(file, Buffer.from('not a raft-state file'));
    await refusesToOpen(dir, /bad magic/);
  }));

test.run();
