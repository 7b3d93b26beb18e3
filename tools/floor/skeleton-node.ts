// One process of the "null Keel" (tools/bench-floor.ts starts three; docs/performance.md, "The
// floor"): the NATS messages and durable writes of a Keel put, and no other work.
// Usage: node --import tsx skeleton-node.ts <leader|f1|f2> <nats url> <dir>
//
// Messages per put, as in Keel: request (client -> leader), two appends, two acks, the reply, and a
// commit notice to each follower in the reply's socket write. Puts a client sends in one batch
// (skeleton-client.ts) make one round of these messages, as a Ready does in Keel. Each node makes
// the entry durable with one O_DSYNC write, as Keel's log does; the leader's own write runs beside
// the followers' round trip
// and the put commits once a majority (the leader's write or a second ack, plus one ack) is durable.
// A follower publishes a watch event when the commit notice reaches it, as a Keel follower serving a
// watch does. Set FLOOR_FSYNC=0 to leave the writes out (the NATS hops alone).
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { connect, type Msg, type NatsConnection } from 'nats';
import { SUBJECTS, followerIds, frame, packFrames, unframe, unpackFrames, Kind } from './skeleton-wire.js';

const [role, url, dir] = process.argv.slice(2);
if (!role || !url || !dir) throw new Error('usage: skeleton-node.ts <leader|f1|f2> <nats url> <dir>');
const durable = process.env.FLOOR_FSYNC !== '0';

/**
 * Appends records to one file, one write at a time, each durable when it resolves (O_DSYNC), into
 * space zero-filled ahead as Keel's log does (src/log, preallocateBytes), so no write grows the file.
 */
class DurableFile {
  private static readonly AHEAD = 1024 * 1024;
  private offset = 0;
  private filled = 0;
  private tail: Promise<void> = Promise.resolve();
  constructor(private readonly handle: FileHandle) {}
  static async open(file: string): Promise<DurableFile> {
    const { O_RDWR, O_CREAT, O_TRUNC, O_DSYNC } = constants;
    return new DurableFile(await open(file, O_RDWR | O_CREAT | O_TRUNC | (durable ? O_DSYNC : 0)));
  }
  append(bytes: Uint8Array): Promise<void> {
    const at = this.offset;
    this.offset += bytes.length;
    this.tail = this.tail.then(async () => {
      await this.handle.write(bytes, 0, bytes.length, at);
      if (this.filled - this.offset < DurableFile.AHEAD / 2) {
        const from = Math.max(this.filled, this.offset);
        this.filled = this.offset + DurableFile.AHEAD;
        await this.handle.write(Buffer.alloc(this.filled - from), 0, this.filled - from, from);
      }
    });
    return this.tail;
  }
}

/** One replication round: the puts of one request (one, or a client's batch), as one log record. */
interface Round { msg: Msg; items: { key: string; value: Uint8Array }[]; acks: number; local: boolean }

async function leader(nc: NatsConnection, file: DurableFile): Promise<void> {
  let seq = 0;
  const values = new Map<string, Uint8Array>();
  const pending = new Map<number, Round>();
  const maybeCommit = (s: number): void => {
    const p = pending.get(s);
    if (!p || p.acks + (p.local ? 1 : 0) < 2) return;
    pending.delete(s);
    for (const { key, value } of p.items) values.set(key, value);
    p.msg.respond(frame(Kind.Reply, s));
    for (const f of followerIds) nc.publish(SUBJECTS.raft(f), frame(Kind.Commit, s));
  };
  const propose = (msg: Msg, puts: Uint8Array[]): void => {
    const s = ++seq;
    pending.set(s, { msg, items: puts.map(unframe), acks: 0, local: false });
    const entry = frame(Kind.Append, s, '', packFrames(puts));
    for (const f of followerIds) nc.publish(SUBJECTS.raft(f), entry);
    void file.append(entry).then(() => { const p = pending.get(s); if (p) { p.local = true; maybeCommit(s); } });
  };
  nc.subscribe(SUBJECTS.put, { callback: (_err, msg) => propose(msg, [msg.data]) });
  nc.subscribe(SUBJECTS.putBatch, { callback: (_err, msg) => propose(msg, unpackFrames(msg.data)) });
  nc.subscribe(SUBJECTS.raft('leader'), {
    callback: (_err, msg) => {
      const { seq: s } = unframe(msg.data);
      const p = pending.get(s);
      if (p) { p.acks++; maybeCommit(s); }
    },
  });
  nc.subscribe(SUBJECTS.get, {
    callback: (_err, msg) => msg.respond(values.get(unframe(msg.data).key) ?? new Uint8Array(0)),
  });
}

async function follower(nc: NatsConnection, id: string, file: DurableFile): Promise<void> {
  const uncommitted = new Map<number, Uint8Array>();
  nc.subscribe(SUBJECTS.raft(id), {
    callback: (_err, msg) => {
      const m = unframe(msg.data);
      if (m.kind === Kind.Append) {
        uncommitted.set(m.seq, m.value);
        void file.append(msg.data).then(() => nc.publish(SUBJECTS.raft('leader'), frame(Kind.Ack, m.seq)));
      } else if (m.kind === Kind.Commit) {
        const puts = uncommitted.get(m.seq);
        uncommitted.delete(m.seq);
        for (const put of puts ? unpackFrames(puts) : []) {
          const { key, value } = unframe(put);
          nc.publish(SUBJECTS.watch(key), value);
        }
      }
    },
  });
}

async function main(): Promise<void> {
  const nc = await connect({ servers: url, name: `floor-${role}` });
  const file = await DurableFile.open(path.join(dir!, `${role}.log`));
  if (role === 'leader') await leader(nc, file);
  else await follower(nc, role!, file);
  nc.subscribe(SUBJECTS.ping(role!), { callback: (_err, msg) => msg.respond(new Uint8Array(0)) });
  await nc.flush();
  const stop = (): void => { void nc.close().then(() => process.exit(0)); };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
