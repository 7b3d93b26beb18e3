import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DiskFailpoint, DISK_FAILPOINT_FILE } from '../../src/node/disk-failpoint.js';
import { EXIT_STORAGE_FAILED, exitAfterStorageFailure } from '../../src/node/failure-exit.js';
import { LeaderContact } from '../../src/node/leader-contact.js';

test('the disk failpoint fails with ENOSPC or EIO only when enabled and asked', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'keel-fp-'));
  try {
    assert.is(DiskFailpoint.fromEnv(dir, {}), null, 'off without KEEL_FAILPOINTS=1');
    const fp = DiskFailpoint.fromEnv(dir, { KEEL_FAILPOINTS: '1' })!;
    await fp.check(); // no file: fine
    for (const [content, code] of [['enospc', 'ENOSPC'], ['eio\n', 'EIO']]) {
      await writeFile(path.join(dir, DISK_FAILPOINT_FILE), content);
      const err = await fp.check().then(() => null, (e: NodeJS.ErrnoException) => e);
      assert.is(err?.code, code);
    }
    await writeFile(path.join(dir, DISK_FAILPOINT_FILE), 'nothing');
    await fp.check();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a storage failure leaves in order, even past a failing step, then exits with its code', async () => {
  const steps: string[] = [];
  let code = -1;
  await exitAfterStorageFailure(new Error('EIO'), {
    logger: { fatal: () => steps.push('fatal'), error: () => steps.push('error') },
    leave: [async () => { steps.push('api'); throw new Error('drain failed'); }, async () => { steps.push('nats'); }],
    exit: (c) => { code = c; },
  });
  assert.equal(steps, ['fatal', 'api', 'error', 'nats']);
  assert.is(code, EXIT_STORAGE_FAILED);
});

test('a leader is live only while heard from within the election timeout', () => {
  let now = 0;
  const contact = new LeaderContact(1000, () => now);
  assert.ok(contact.live('leader'), 'a leader is in contact with itself');
  assert.not.ok(contact.live('follower'), 'never heard from');
  contact.heard();
  now = 1000;
  assert.ok(contact.live('follower'));
  assert.ok(contact.live('precandidate'), 'an election in progress is not silence');
  now = 1001;
  assert.not.ok(contact.live('follower'), 'silent for longer than an election timeout');
});

test.run();
