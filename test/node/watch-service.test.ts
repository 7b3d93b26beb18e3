// The node's WatchService in one process against a real nats-server, with a raw subscriber in the
// client's place: catch-up paced by acks, slow consumers and silent clients cancelled (and freed),
// cancel frees at once, compaction under a catching-up watch, progress on idle watches.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { connect, type NatsConnection, type Subscription } from 'nats';
import pino from 'pino';
import type { WatchCreateRequest } from '../../src/codec/types.js';
import { WatchService } from '../../src/node/watch-service.js';
import { KvStore } from '../../src/store/kv-store.js';
import { watchAckCodec, watchAckSubject, watchMessageCodec, type WatchMessage } from '../../src/transport/watch-messages.js';
import { startNatsServer, type RunningNatsServer } from '../helpers/nats.js';
import { waitFor } from '../helpers/wait.js';

const test = suite('watch service');
let nats: RunningNatsServer;
let nc: NatsConnection;
let store: KvStore;
let service: WatchService;
let index = 0;
let nextId = 0;

const enc = new TextEncoder();
const MAX_UNACKED = 100;

test.before(async () => {
  nats = await startNatsServer();
  nc = await connect({ servers: nats.url });
});

test.after(async () => {
  await nc?.close();
  await nats?.stop();
});

test.before.each(() => {
  store = new KvStore();
  index = 0;
  service = new WatchService({
    nc, cluster: 't', nodeId: 'n1', store: () => store, logger: pino({ level: 'silent' }),
    progressIntervalMs: 200, ackTimeoutMs: 1000, limits: { maxUnackedEvents: MAX_UNACKED, maxUnackedBytes: 1 << 20 },
  });
  service.start();
});

test.after.each(() => service.stop());

function put(key: string, value = 'v'): number {
  store.apply(++index, { requestId: null, op: { type: 'put', key: enc.encode(key), value: enc.encode(value), lease: 0, prevKv: false } });
  return store.revision;
}

/** A raw watcher: creates the watch and collects what the node sends. */
async function watcher(o: { prefix: string; startRevision?: number; id?: string }) {
  const watchId = o.id ?? `w${++nextId}`;
  const deliverTo = `test.deliver.${watchId}`;
  const messages: WatchMessage[] = [];
  const sub: Subscription = nc.subscribe(deliverTo, { callback: (_e, m) => messages.push(watchMessageCodec.decode(m.data)) });
  await nc.flush();
  const key = enc.encode(o.prefix);
  const end = Uint8Array.from(key);
  end[end.length - 1]!++;
  const req: WatchCreateRequest = {
    type: 'watchCreate', watchId, key, rangeEnd: end, startRevision: o.startRevision ?? 0, prevKv: false, deliverTo,
  };
  service.create(req);
  const events = () => messages.flatMap((m) => (m.body.type === 'events' ? m.body.events : []));
  return {
    watchId,
    messages,
    events,
    revisions: () => events().map((e) => e.kv.modRevision),
    cancelled: () => messages.find((m) => m.body.type === 'cancelled')?.body as Extract<WatchMessage['body'], { type: 'cancelled' }> | undefined,
    ack: (revision: number) => nc.publish(watchAckSubject('t', 'n1'), watchAckCodec.encode({ acks: [{ watchId, revision }] })),
    close: () => sub.unsubscribe(),
    req,
  };
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a catch-up from old history is paced by acks: half the window in flight, then all of it in order', async () => {
  for (let i = 0; i < 500; i++) put(`h/${i}`);
  const w = await watcher({ prefix: 'h/', startRevision: 1 });
  await sleep(150);
  const first = w.revisions().length;
  assert.ok(first > 0 && first <= MAX_UNACKED / 2, `sent ${first} events before any ack`);
  await waitFor(() => {
    const revs = w.revisions();
    if (revs.length > 0) w.ack(revs[revs.length - 1]!);
    return revs.length === 500;
  }, 5000, 20);
  assert.equal(w.revisions(), range(1, 500));
  assert.is(w.cancelled(), undefined);
  // Each message says what the ones before it covered, so a receiver can tell when one was lost.
  let covered = 0;
  for (const m of w.messages) {
    assert.is(m.prevRevision, covered);
    covered = m.body.type === 'events' ? m.body.lastRevision : m.body.type === 'progress' ? Math.max(covered, m.body.revision) : covered;
  }
  // Then live, through the hub.
  const live = put('h/live');
  await waitFor(() => w.revisions().includes(live), 2000, 10);
  w.close();
});

test('a live watch whose client leaves more than the window unacknowledged is cancelled as a slow consumer', async () => {
  const w = await watcher({ prefix: 's/' });
  const other = await watcher({ prefix: 's/', id: 'a-much-longer-watch-id-with-another-length' });
  for (let i = 0; i < MAX_UNACKED + 20; i++) put(`s/${i}`);
  await waitFor(() => w.cancelled() !== undefined, 2000, 10);
  assert.is(w.cancelled()!.reason, 'slowConsumer');
  assert.match(w.cancelled()!.message, /unacknowledged/);
  assert.is(service.size, 0, 'both watches are freed');
  // Watches sharing a range share the encoded body: each still decodes with its own id.
  assert.ok(other.messages.every((m) => m.watchId === 'a-much-longer-watch-id-with-another-length'));
  assert.equal(other.revisions(), w.revisions());
  w.close();
  other.close();
});

test('a client that stops acknowledging is freed (clientGone); an acknowledging one is kept', async () => {
  const silent = await watcher({ prefix: 'g/' });
  const alive = await watcher({ prefix: 'g/' });
  const timer = setInterval(() => alive.ack(store.revision), 200);
  try {
    await waitFor(() => silent.cancelled() !== undefined, 3000, 20);
    assert.is(silent.cancelled()!.reason, 'clientGone');
    assert.is(service.size, 1);
    assert.is(alive.cancelled(), undefined);
  } finally {
    clearInterval(timer);
    silent.close();
    alive.close();
  }
});

test('cancel frees the watch at once and tells its client', async () => {
  const w = await watcher({ prefix: 'c/' });
  assert.is(service.size, 1);
  assert.is(service.cancel(w.watchId), true);
  assert.is(service.size, 0);
  assert.is(service.cancel(w.watchId), false);
  await waitFor(() => w.cancelled() !== undefined, 2000, 10);
  assert.is(w.cancelled()!.reason, 'cancelled');
  put('c/after');
  await sleep(100);
  assert.equal(w.events(), []);
  w.close();
});

test('history compacted under a catching-up watch cancels it with the compact revision', async () => {
  for (let i = 0; i < 300; i++) put(`k/${i}`);
  const w = await watcher({ prefix: 'k/', startRevision: 1 });
  await sleep(100);
  store.apply(++index, { requestId: null, op: { type: 'compact', revision: 250 } });
  const revs = w.revisions();
  w.ack(revs[revs.length - 1]!);
  await waitFor(() => w.cancelled() !== undefined, 2000, 10);
  assert.is(w.cancelled()!.reason, 'compacted');
  assert.is(w.cancelled()!.compactRevision, 250);
  assert.equal(w.revisions(), range(1, w.revisions().length), 'what was sent had no gap');
  w.close();
});

test('an idle watch gets progress at the store revision; a create below the history throws Compacted', async () => {
  put('p/a');
  const w = await watcher({ prefix: 'q/' });
  const rev = put('p/b');
  await waitFor(() => w.messages.some((m) => m.body.type === 'progress' && m.body.revision === rev), 1000, 10);
  w.ack(rev);
  store.apply(++index, { requestId: null, op: { type: 'compact', revision: rev } });
  assert.throws(() => service.create({
    type: 'watchCreate', watchId: 'old', key: enc.encode('p/'), rangeEnd: enc.encode('p0'), startRevision: 1, prevKv: false, deliverTo: 'x.y',
  }), (err: unknown) => (err as { code?: string }).code === 'Compacted' && (err as { revision?: number }).revision === rev);
  w.close();
});

test('a live watch on a store that was replaced (snapshot installed) is ended so its client resumes', async () => {
  const w = await watcher({ prefix: 'r/' });
  w.ack(0);
  store = new KvStore(); // what the node does when it installs a snapshot from the leader
  await waitFor(() => w.cancelled() !== undefined, 2000, 10);
  assert.is(w.cancelled()!.reason, 'internal');
  assert.match(w.cancelled()!.message, /snapshot/);
  w.close();
});

test('a node without a leader for leaderlessMs cancels its watches (noLeader) and refuses new ones', async () => {
  service.stop();
  let leader = true;
  service = new WatchService({
    nc, cluster: 't', nodeId: 'n1', store: () => store, logger: pino({ level: 'silent' }),
    progressIntervalMs: 100, ackTimeoutMs: 5000, hasLeader: () => leader, leaderlessMs: 300,
  });
  service.start();
  const w = await watcher({ prefix: 'nl/' });
  leader = false;
  await sleep(150);
  assert.is(w.cancelled(), undefined, 'a short election is not a reason');
  await waitFor(() => w.cancelled() !== undefined, 2000, 10);
  assert.is(w.cancelled()!.reason, 'noLeader');
  assert.is(service.size, 0);
  const refused = await watcher({ prefix: 'nl/', id: 'refused' }).then(() => null, (err: { code?: string }) => err);
  assert.is(refused?.code, 'Unavailable');
  leader = true;
  const again = await watcher({ prefix: 'nl/' });
  assert.is(service.size, 1);
  again.close();
  w.close();
});

test('a retried create of the same watch is answered as the first; another watch under the same id is refused', async () => {
  put('r/a');
  const w = await watcher({ prefix: 'r/' });
  service.create(w.req); // the client's retry after its first attempt timed out: no error, no second stream
  const rev = put('r/b');
  await waitFor(() => w.revisions().includes(rev), 2000, 10);
  await sleep(50);
  assert.equal(w.revisions(), [rev], 'the event once, not twice');
  assert.throws(() => service.create({ ...w.req, deliverTo: 'test.deliver.other' }), /already exists/);
  w.close();
});

test.run();
