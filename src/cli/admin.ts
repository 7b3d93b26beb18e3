// Cluster administration over the client's NATS connection: membership changes and backups
// (`keel member ...`, `keel snapshot save`), and restoring a backup into a new node directory
// (`keel snapshot restore`, offline: the etcd workflow).
import { open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { KeelClient, MembersResponse, StatusResult } from '../client/index.js';
import { Requester } from '../client/requester.js';
import { InvalidArgumentError } from '../codec/errors.js';
import { entryCodec, type Entry } from '../codec/index.js';
import { SegmentedLog } from '../log/index.js';
import { HardStateFile } from '../node/hard-state.js';
import { listSnapshotFiles, writeSnapshotFile } from '../node/snapshot-files.js';
import { decodeSnapshot, encodeSnapshot } from '../store/snapshot-codec.js';
import { assertSubjectToken } from '../transport/subjects.js';
import { readFile } from 'node:fs/promises';

export interface SavedSnapshot {
  file: string;
  index: number;
  term: number;
  revision: number;
  bytes: number;
  keys: number;
  /** The node that took it. */
  nodeId: string;
}

export class ClusterAdmin {
  private readonly requester: Requester;

  constructor(client: KeelClient, o: { timeoutMs?: number; deadlineMs?: number } = {}) {
    this.requester = new Requester({
      cluster: client.cluster,
      connections: [...client.natsConnections],
      limits: client.limits,
      timeoutMs: o.timeoutMs ?? 35_000, // a membership change answers once applied (a voter: once caught up)
      deadlineMs: o.deadlineMs ?? 60_000,
    });
  }

  async memberAdd(id: string, learner: boolean): Promise<MembersResponse> {
    const { header, body } = await this.requester.send({ type: 'memberAdd', id, learner }, 'memberList');
    return { header, members: body.members, leader: body.leader };
  }

  async memberPromote(id: string): Promise<MembersResponse> {
    const { header, body } = await this.requester.send({ type: 'memberPromote', id }, 'memberList');
    return { header, members: body.members, leader: body.leader };
  }

  /** Hands leadership to `id` ('' = the most caught-up voter); answered once another voter leads. */
  async memberTransferLeader(id: string): Promise<MembersResponse> {
    const { header, body } = await this.requester.send({ type: 'memberTransferLeader', id }, 'memberList');
    return { header, members: body.members, leader: body.leader };
  }

  /** Clears the alarms of member `nodeId`; answers its status afterwards. */
  async alarmDisarm(nodeId: string): Promise<StatusResult> {
    const { body } = await this.requester.send({ type: 'alarmDisarm' }, 'status', { nodeId });
    return body;
  }

  async memberRemove(id: string): Promise<MembersResponse> {
    const { header, body } = await this.requester.send({ type: 'memberRemove', id }, 'memberList');
    return { header, members: body.members, leader: body.leader };
  }

  /**
   * Fetches a consistent snapshot (every write acknowledged before the call is in it) and writes it
   * to `file` (via a temp file, checked end to end before it is renamed into place).
   */
  async snapshotSave(file: string): Promise<SavedSnapshot> {
    const first = await this.requester.send({ type: 'snapshotSave', snapshotId: '', offset: 0 }, 'snapshotSave');
    const nodeId = first.header.nodeId;
    const tmp = `${file}.part`;
    const fh = await open(tmp, 'w');
    try {
      let chunk = first.body;
      for (;;) {
        if (chunk.offset !== (await fh.stat()).size) throw new InvalidArgumentError(`chunk at offset ${chunk.offset} does not follow what was written`);
        await fh.write(chunk.data);
        if (chunk.done) break;
        const next = chunk.offset + chunk.data.length;
        chunk = (await this.requester.send({ type: 'snapshotSave', snapshotId: chunk.snapshotId, offset: next }, 'snapshotSave', { nodeId })).body;
      }
      await fh.datasync();
    } catch (err) {
      await fh.close();
      await rm(tmp, { force: true });
      throw err;
    }
    await fh.close();
    const decoded = decodeSnapshot(await readFile(tmp)); // CRCs and completeness, before it counts as a backup
    await rename(tmp, file);
    const b = first.body;
    return { file, index: b.index, term: b.term, revision: b.revision, bytes: b.totalBytes, keys: decoded.store.kvs.length, nodeId };
  }
}

export interface RestoreOptions {
  file: string;
  dataDir: string;
  cluster: string;
  id: string;
  /** The voters of the new cluster (this node included). */
  peers: string[];
}

export interface RestoredNode {
  nodeDir: string;
  snapshotFile: string;
  index: number;
  term: number;
  revision: number;
  keys: number;
}

/**
 * Seeds a new node's directory from a backup: the snapshot rewritten with the new membership, an
 * empty log continuing after its index, and a hard state whose commit covers it. Refuses a
 * directory that already holds a log or snapshots. Every member of the new cluster is restored
 * from the same file with the same peers, then started normally.
 */
export async function restoreSnapshot(o: RestoreOptions): Promise<RestoredNode> {
  assertSubjectToken('node id', o.id);
  assertSubjectToken('cluster name', o.cluster);
  if (!o.peers.includes(o.id)) throw new InvalidArgumentError(`peers (${o.peers.join(',')}) must include this node's id ${o.id}`);
  const decoded = decodeSnapshot(await readFile(o.file));
  const nodeDir = path.join(o.dataDir, o.cluster, o.id);
  const log = await SegmentedLog.open<Entry>(nodeDir, { codec: entryCodec });
  try {
    if (log.lastIndex() > 0 || (await listSnapshotFiles(nodeDir)).length > 0) {
      throw new InvalidArgumentError(`${nodeDir} already holds data (log up to ${log.lastIndex()}); restore into an empty directory`);
    }
    const meta = { index: decoded.meta.index, term: decoded.meta.term, conf: { voters: [...o.peers], learners: [] } };
    const written = await writeSnapshotFile(nodeDir, meta, encodeSnapshot(meta, decoded.store));
    await log.reset(meta.index + 1);
    const hardState = await HardStateFile.open(nodeDir);
    await hardState.save({ term: meta.term, vote: '', commit: meta.index });
    await hardState.close();
    return { nodeDir, snapshotFile: written.path, index: meta.index, term: meta.term, revision: decoded.store.revision, keys: decoded.store.kvs.length };
  } finally {
    await log.close();
  }
}
