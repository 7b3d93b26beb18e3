// The Raft batch MAC: a frame opens only for the recipient it was sealed for, in its cluster, with
// the same key, unmodified; everything else is refused with a reason, before any decoding.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RaftAuth, readClusterKey, writeClusterKey } from '../../src/transport/raft-auth.js';

const key = randomBytes(32);
const auth = new RaftAuth(key, 'c1');
const payload = new Uint8Array(randomBytes(300));

test('a sealed batch opens for its recipient with its sender and payload', () => {
  const v = auth.open('n2', auth.seal('n1', 'n2', payload));
  assert.ok(v.ok);
  if (v.ok) {
    assert.is(v.from, 'n1');
    assert.equal([...v.payload], [...payload]);
  }
});

test('a flipped bit anywhere, another recipient, cluster or key: badMac', () => {
  const frame = auth.seal('n1', 'n2', payload);
  for (const at of [2, 5, frame.length - 1]) {
    const bad = frame.slice();
    bad[at] ^= 1;
    assert.is(auth.open('n2', bad).ok, false, `bit at ${at}`);
  }
  assert.equal(auth.open('n3', frame), { ok: false, reason: 'badMac', from: 'n1' });
  assert.is(new RaftAuth(key, 'c2').open('n2', frame).ok, false);
  assert.is(new RaftAuth(randomBytes(32), 'c1').open('n2', frame).ok, false);
});

test('unframed, truncated and empty input: unframed', () => {
  const frame = auth.seal('n1', 'n2', payload);
  assert.equal(auth.open('n2', new Uint8Array(0)), { ok: false, reason: 'unframed' });
  assert.equal(auth.open('n2', frame.subarray(0, 20)), { ok: false, reason: 'unframed' });
  assert.equal(auth.open('n2', payload), { ok: false, reason: 'unframed' });
});

test('a short key is refused; key files are written 0600, read trimmed, never overwritten', async () => {
  assert.throws(() => new RaftAuth(randomBytes(16), 'c1'), /at least 32 bytes/);
  const dir = await mkdtemp(path.join(tmpdir(), 'keel-key-'));
  try {
    const file = path.join(dir, 'cluster.key');
    await writeClusterKey(file);
    assert.is((await stat(file)).mode & 0o777, 0o600);
    const k = await readClusterKey(file);
    assert.is(k.length, 64);
    assert.is(Buffer.from(k).toString(), (await readFile(file, 'utf8')).trim());
    assert.ok(await writeClusterKey(file).then(() => false, () => true), 'an existing key is never overwritten');
    await writeFile(file, 'short\n');
    let err: unknown = null;
    await readClusterKey(file).catch((e) => { err = e; });
    assert.match(String(err), /at least 32/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test.run();
