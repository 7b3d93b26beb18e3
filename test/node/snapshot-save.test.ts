// Backups: one at a time per node, and the encoded copy is not held longer than needed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import pino from 'pino';
import { SnapshotSaveService } from '../../src/node/snapshot-save.js';
import type { BackupNode } from '../../src/node/node-api.js';
import { KvStore } from '../../src/store/kv-store.js';

function fakeNode(): BackupNode {
  const store = new KvStore();
  store.apply(1, { requestId: null, op: { type: 'put', key: new Uint8Array([1]), value: new Uint8Array(3000), lease: 0, prevKv: false } });
  return {
    id: 'n1',
    logger: pino({ level: 'silent' }),
    reads: { waitLinearizable: () => new Promise((r) => setTimeout(r, 20)) },
    snapshots: { captureNext: async () => ({ meta: { index: 1, term: 1, conf: { voters: ['n1'], learners: [] } }, view: store.snapshotView() }) },
  } as unknown as BackupNode;
}

test('a second concurrent snapshot save is refused with a clear error; after the last chunk a new one may start', async () => {
  const service = new SnapshotSaveService(fakeNode(), { chunkBytes: 1024, idleMs: 10_000, doneGraceMs: 10_000 });
  try {
    const [first, second] = await Promise.allSettled([service.handle('', 0), service.handle('', 0)]);
    assert.is(first.status, 'fulfilled');
    assert.is(second.status, 'rejected');
    assert.match(String((second as PromiseRejectedResult).reason.message), /already taking or serving a backup snapshot/);
    const head = (first as PromiseFulfilledResult<Awaited<ReturnType<SnapshotSaveService['handle']>>>).value;
    // Still being served: refused.
    assert.match(String(await service.handle('', 0).catch((e: Error) => e.message)), /one at a time/);
    let chunk = head;
    while (!chunk.done) chunk = await service.handle(head.snapshotId, chunk.offset + chunk.data.length);
    // A lost last reply can be asked again...
    assert.ok((await service.handle(head.snapshotId, chunk.offset)).done);
    // ...and a new backup may start; it replaces the finished copy.
    const next = await service.handle('', 0);
    assert.is.not(next.snapshotId, head.snapshotId);
    assert.match(String(await service.handle(head.snapshotId, 0).catch((e: Error) => e.message)), /not held/);
  } finally {
    service.close();
  }
});

test('an abandoned snapshot is dropped after idleMs and no longer blocks', async () => {
  const service = new SnapshotSaveService(fakeNode(), { chunkBytes: 1024, idleMs: 50 });
  try {
    const head = await service.handle('', 0);
    assert.not.ok(head.done);
    await new Promise((r) => setTimeout(r, 120));
    assert.match(String(await service.handle(head.snapshotId, 1024).catch((e: Error) => e.message)), /not held/);
    assert.ok((await service.handle('', 0)).snapshotId);
  } finally {
    service.close();
  }
});

test.run();
