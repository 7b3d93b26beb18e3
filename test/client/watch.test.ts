// The client's watch logic with a fake requester and mux: what the caller sees when messages are
// duplicated across attempts, lost (gap → resume from received + 1), or the node goes silent, stops,
// or reports compaction.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RequestBody, WatchEvent } from '../../src/codec/types.js';
import type { Requester } from '../../src/client/requester.js';
import { NODE_SILENCE_MS, Watch, type WatchEventView } from '../../src/client/watch.js';
import type { WatchMux } from '../../src/client/watch-mux.js';
import { KeelError } from '../../src/codec/errors.js';
import type { WatchMessage, WatchMessageBody } from '../../src/transport/watch-messages.js';

const enc = new TextEncoder();

/**
 * Records every request. watchCreate answers at revision 100 from n1, n2... in turn, or throws
 * `createError` where `failOn` says (undefined = the queue group, else a node id; default everywhere).
 */
function fakes(o: { createError?: KeelError; failOn?: (string | undefined)[] } = {}) {
  const sent: RequestBody[] = [];
  let creates = 0;
  const requester = {
    async send(body: RequestBody, _expect: string, so: { nodeId?: string } = {}) {
      sent.push(body);
      if (body.type === 'watchCreate') {
        if (o.createError && (o.failOn === undefined || o.failOn.includes(so.nodeId))) throw o.createError;
        return { header: { revision: 100, nodeId: so.nodeId ?? `n${++creates}`, term: 1 }, body: { type: 'watchCreate', watchId: body.watchId } };
      }
      if (body.type === 'memberList') {
        return { header: { revision: 100, nodeId: 'n1', term: 1 }, body: { type: 'memberList', leader: 'n1', members: [{ id: 'n1', role: 'voter' }, { id: 'n2', role: 'voter' }] } };
      }
      return { header: { revision: 100, nodeId: 'n1', term: 1 }, body: { type: 'watchCancel', watchId: '', found: true } };
    },
  } as unknown as Requester;
  const mux = {
    add() {}, remove() {}, requestAck() {},
    subjectFor: (key: string, attempt: number) => `inbox.${key}.${attempt}`,
  } as unknown as WatchMux;
  return { requester, mux, sent, creates: () => sent.filter((b) => b.type === 'watchCreate') as Extract<RequestBody, { type: 'watchCreate' }>[] };
}

const put = (key: string, revision: number): WatchEvent => ({
  type: 'put', kv: { key: enc.encode(key), value: enc.encode(`v${revision}`), createRevision: revision, modRevision: revision, version: 1, lease: 0 }, prevKv: null,
});

function message(nodeId: string, prevRevision: number, body: WatchMessageBody): WatchMessage {
  return { watchId: 'w', nodeId, prevRevision, body };
}

function events(nodeId: string, prevRevision: number, revisions: number[]): WatchMessage {
  return message(nodeId, prevRevision, { type: 'events', lastRevision: revisions[revisions.length - 1]!, events: revisions.map((r) => put('k', r)) });
}

async function drain(w: Watch, n: number): Promise<number[]> {
  const out: WatchEventView[] = [];
  while (out.length < n) out.push((await w.next()).value as WatchEventView);
  return out.map((e) => e.revision);
}

const flush = () => new Promise((r) => setImmediate(r));

test('a resume starts at received + 1 and drops what an earlier attempt already delivered', async () => {
  const f = fakes();
  const w = new Watch({ requester: f.requester, mux: f.mux, key: enc.encode('k'), rangeEnd: new Uint8Array(0) }, { startRevision: 5 });
  await w.ready;
  assert.is(f.creates()[0]!.startRevision, 5);
  w.onMessage('0', events('n1', 4, [5, 6, 7]));
  assert.equal(await drain(w, 3), [5, 6, 7]);
  w.onMessage('0', message('n1', 7, { type: 'cancelled', reason: 'nodeStopping', message: 'bye', compactRevision: 0 }));
  await flush();
  const resumed = f.creates()[1]!;
  assert.is(resumed.startRevision, 8);
  assert.is.not(resumed.watchId, f.creates()[0]!.watchId);
  assert.is(w.servingNode, 'n2');
  // A late message of the old attempt is ignored; the new one repeats 7 (a lagging replay): dropped.
  w.onMessage('0', events('n1', 7, [8]));
  w.onMessage('1', events('n2', 7, [7, 8, 9]));
  assert.equal(await drain(w, 2), [8, 9]);
  await w.cancel();
  assert.equal(await w.next(), { value: undefined, done: true });
});

test('a lost message (prevRevision beyond what was received) resumes from received + 1', async () => {
  const f = fakes();
  const w = new Watch({ requester: f.requester, mux: f.mux, key: enc.encode('k'), rangeEnd: new Uint8Array(0) });
  await w.ready;
  assert.is(f.creates()[0]!.startRevision, 0);
  w.onMessage('0', events('n1', 100, [101]));
  w.onMessage('0', events('n1', 103, [104])); // 102..103 were lost
  await flush();
  assert.is(f.creates().length, 2);
  assert.is(f.creates()[1]!.startRevision, 102);
  w.onMessage('1', events('n2', 101, [102, 104]));
  assert.equal(await drain(w, 3), [101, 102, 104]);
  await w.cancel();
});

test('progress advances the resume point; a silent node is left after NODE_SILENCE_MS', async () => {
  const f = fakes();
  const progress: number[] = [];
  const w = new Watch({ requester: f.requester, mux: f.mux, key: enc.encode('k'), rangeEnd: new Uint8Array(0) }, { onProgress: (r) => progress.push(r) });
  await w.ready;
  w.onMessage('0', message('n1', 100, { type: 'progress', revision: 120 }));
  assert.equal(progress, [120]);
  assert.is(w.revision, 120);
  w.onTick(performance.now() + NODE_SILENCE_MS / 2);
  assert.is(f.creates().length, 1);
  w.onTick(performance.now() + NODE_SILENCE_MS + 1);
  await flush();
  assert.is(f.creates().length, 2);
  assert.is(f.creates()[1]!.startRevision, 121);
  await w.cancel();
});

test('Compacted from one node (a short history after a snapshot restart): another member serves the watch', async () => {
  const f = fakes({ createError: new KeelError('Compacted', 'gone', 50), failOn: [undefined, 'n1'] });
  const w = new Watch({ requester: f.requester, mux: f.mux, key: enc.encode('k'), rangeEnd: new Uint8Array(0) }, { startRevision: 3 });
  await w.ready;
  assert.is(w.servingNode, 'n2');
  w.onMessage('0', events('n2', 2, [3]));
  assert.equal(await drain(w, 1), [3]);
  await w.cancel();
});

test('compaction ends the iteration with CompactedError; a slow consumer with CancelledError', async () => {
  const f = fakes({ createError: new KeelError('Compacted', 'gone', 50) });
  const w = new Watch({ requester: f.requester, mux: f.mux, key: enc.encode('k'), rangeEnd: new Uint8Array(0) }, { startRevision: 3 });
  const err = await w.ready.then(() => null, (e: KeelError) => e);
  assert.is(err?.code, 'Compacted');
  assert.is(err?.revision, 50);
  assert.is(await w.next().then(() => null, (e: KeelError) => e.code), 'Compacted');
  assert.equal(f.sent.map((b) => b.type), ['watchCreate', 'memberList', 'watchCreate', 'watchCreate'], 'every member was asked');

  // A node that drops a running watch as compacted: the watch is created again (here: on n2).
  const h = fakes();
  const moved = new Watch({ requester: h.requester, mux: h.mux, key: enc.encode('k'), rangeEnd: new Uint8Array(0) }, { startRevision: 3 });
  await moved.ready;
  moved.onMessage('0', message('n1', 2, { type: 'cancelled', reason: 'compacted', message: 'snapshot installed', compactRevision: 40 }));
  await flush();
  assert.is(h.creates().length, 2);
  assert.is(h.creates()[1]!.startRevision, 3);
  await moved.cancel();

  const g = fakes();
  const slow = new Watch({ requester: g.requester, mux: g.mux, key: enc.encode('k'), rangeEnd: new Uint8Array(0) });
  await slow.ready;
  slow.onMessage('0', events('n1', 100, [101]));
  slow.onMessage('0', message('n1', 101, { type: 'cancelled', reason: 'slowConsumer', message: 'too many', compactRevision: 0 }));
  assert.equal(await drain(slow, 1), [101], 'what arrived before is still delivered');
  assert.match(await slow.next().then(() => '', (e: KeelError) => `${e.code}: ${e.message}`), /^Cancelled: .*slowConsumer/);
});

test.run();
