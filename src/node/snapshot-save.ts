// Backups (`keel snapshot save <file>`): a node takes a consistent snapshot on request and serves
// it in chunks. The first request (snapshotId '') may reach any node: it confirms it is up to date
// with a ReadIndex round (so the backup holds every write acknowledged before the request), captures
// its projection at the applied index, encodes it as a snapshot file in memory and answers with the
// first chunk; the client then asks that same node (keel.<c>.admin.node.<id>.snapshotSave) for the next
// offsets. A node takes one backup at a time: a second start while one is being taken or served is
// refused. The encoded copy is dropped after `idleMs` without a request, and soon (`doneGraceMs`,
// room for one lost reply to be asked again) after its last chunk was served.
import { randomBytes } from 'node:crypto';
import { InvalidArgumentError } from '../codec/errors.js';
import type { SnapshotChunkResult } from '../codec/types.js';
import { encodeSnapshotToBuffer } from '../store/snapshot-codec.js';
import type { BackupNode } from './node-api.js';

interface HeldSnapshot {
  data: Buffer;
  index: number;
  term: number;
  revision: number;
  timer: NodeJS.Timeout;
  /** Its last chunk was served: kept only for a lost reply, and no longer blocks a new backup. */
  finished: boolean;
}

export interface SnapshotSaveOptions {
  /** Bytes of snapshot data per response (must leave room under NATS max_payload). */
  chunkBytes?: number;
  idleMs?: number;
  /** How long the snapshot stays after its last chunk was served. */
  doneGraceMs?: number;
}

export class SnapshotSaveService {
  private readonly held = new Map<string, HeldSnapshot>();
  private readonly chunkBytes: number;
  private readonly idleMs: number;
  private readonly doneGraceMs: number;
  /** True from a start until its snapshot is dropped: one backup at a time per node. */
  private busy = false;

  constructor(private readonly node: BackupNode, o: SnapshotSaveOptions = {}) {
    this.chunkBytes = o.chunkBytes ?? 512 * 1024;
    this.idleMs = o.idleMs ?? 20_000;
    this.doneGraceMs = o.doneGraceMs ?? 5_000;
  }

  async handle(snapshotId: string, offset: number): Promise<SnapshotChunkResult> {
    if (snapshotId === '') return this.start();
    const snap = this.held.get(snapshotId);
    if (!snap) throw new InvalidArgumentError(`snapshot ${snapshotId} is not held by node ${this.node.id} (expired after ${this.idleMs} ms idle, or finished); start again`);
    if (offset > snap.data.length) throw new InvalidArgumentError(`offset ${offset} is past the snapshot's ${snap.data.length} bytes`);
    return this.chunk(snapshotId, snap, offset);
  }

  /** Drops every held snapshot (node stopping). */
  close(): void {
    for (const snap of this.held.values()) clearTimeout(snap.timer);
    this.held.clear();
    this.busy = false;
  }

  private async start(): Promise<SnapshotChunkResult> {
    if (this.busy) {
      throw new InvalidArgumentError(`node ${this.node.id} is already taking or serving a backup snapshot (one at a time); retry once it finished, or within ${this.idleMs} ms after it was abandoned`);
    }
    this.busy = true;
    this.dropFinished();
    let data: Buffer;
    let meta;
    let view;
    try {
      await this.node.reads.waitLinearizable();
      ({ meta, view } = await this.node.snapshots.captureNext());
      data = await encodeSnapshotToBuffer(meta, view);
    } catch (err) {
      this.busy = false;
      throw err;
    }
    const id = `${this.node.id}-${randomBytes(6).toString('hex')}`;
    const snap: HeldSnapshot = { data, index: meta.index, term: meta.term, revision: view.revision, timer: this.expiry(id, this.idleMs), finished: false };
    this.held.set(id, snap);
    this.node.logger.info({ snapshotId: id, index: meta.index, revision: view.revision, bytes: data.length }, 'backup snapshot taken');
    return this.chunk(id, snap, 0);
  }

  /** A new backup replaces the copies kept after their last chunk: one encoded snapshot at a time. */
  private dropFinished(): void {
    for (const [id, snap] of this.held) {
      if (!snap.finished) continue;
      clearTimeout(snap.timer);
      this.held.delete(id);
    }
  }

  private chunk(id: string, snap: HeldSnapshot, offset: number): SnapshotChunkResult {
    clearTimeout(snap.timer);
    const end = Math.min(snap.data.length, offset + this.chunkBytes);
    const done = end === snap.data.length;
    // Kept briefly after the last chunk too: a lost reply can be asked again.
    snap.timer = this.expiry(id, done ? this.doneGraceMs : this.idleMs);
    if (done && !snap.finished) {
      snap.finished = true;
      this.busy = false;
    }
    return {
      type: 'snapshotSave', snapshotId: id, index: snap.index, term: snap.term, revision: snap.revision,
      totalBytes: snap.data.length, offset, data: snap.data.subarray(offset, end), done,
    };
  }

  private expiry(id: string, ms: number): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.held.delete(id);
      this.busy = [...this.held.values()].some((s) => !s.finished);
    }, ms);
    timer.unref();
    return timer;
  }
}
