// RequestMux against a real nats-server: replies find their request, and each failure carries the
// NATS error code retry.ts decides on (Timeout, NoResponders, ConnectionClosed).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connect, ErrorCode, NatsError, type NatsConnection } from 'nats';
import { RequestMux } from '../../src/client/request-mux.js';
import { decodeBatch, encodeBatch } from '../../src/codec/request-batch.js';
import { startNatsServer, type RunningNatsServer } from '../helpers/nats.js';

let nats: RunningNatsServer;
let server: NatsConnection;
const batchSizes: number[] = [];
let aloneCount = 0;
test.before(async () => {
  nats = await startNatsServer();
  server = await connect({ servers: nats.url });
  // echo.<n>: answers after n ms with the request's bytes reversed; silent.*: never answers.
  server.subscribe('echo.*', { callback: (_err, msg) => {
    const delay = Number(msg.subject.split('.')[1]);
    setTimeout(() => msg.respond(msg.data.slice().reverse()), delay);
  } });
  server.subscribe('silent.>', { callback: () => {} });
  // batched.<mode>.batch: answers a batch item by item (each item reversed), recording the batch sizes;
  // mode 'skip' leaves the first answer out (empty), 'whole' answers with one non-batch payload.
  server.subscribe('batched.*.batch', { callback: (_err, msg) => {
    const items = decodeBatch(msg.data);
    batchSizes.push(items.length);
    const mode = msg.subject.split('.')[1];
    if (mode === 'whole') return msg.respond(Uint8Array.of(42));
    msg.respond(encodeBatch(items.map((item, i) => (mode === 'skip' && i === 0 ? new Uint8Array(0) : item.slice().reverse()))));
  } });
  server.subscribe('batched.*', { callback: (_err, msg) => { aloneCount++; msg.respond(msg.data.slice().reverse()); } });
  await server.flush();
});
test.after(async () => { await server?.close(); await nats?.stop(); });

/** The NATS error code `request` fails with ('resolved' when it did not fail). */
async function failureOf(request: Promise<unknown>): Promise<string> {
  const err = await request.then(() => null, (e: unknown) => e);
  return err === null ? 'resolved' : err instanceof NatsError ? err.code : String(err);
}

/** A mux on a fresh client connection to the shared server, closed (with it) after `use`. */
async function withMux(use: (mux: RequestMux) => Promise<void>, batch = true): Promise<void> {
  const nc = await connect({ servers: nats.url });
  const mux = new RequestMux(nc, { batch });
  try {
    await use(mux);
  } finally {
    mux.close();
    await nc.close();
  }
}

test('each of many concurrent requests gets its own reply, answered out of order', () => withMux(async (mux) => {
  const delays = Array.from({ length: 50 }, (_, i) => (i * 7) % 20);
  const replies = await Promise.all(delays.map((d, i) => mux.request(`echo.${d}`, new Uint8Array([i, 255]), 2000)));
  replies.forEach((data, i) => assert.equal([...data], [255, i]));
}));

test('no answer in time fails with Timeout; a reply that comes later is dropped', () => withMux(async (mux) => {
  const started = Date.now();
  assert.is(await failureOf(mux.request('echo.300', new Uint8Array([1]), 100)), ErrorCode.Timeout);
  const took = Date.now() - started;
  assert.ok(took >= 95 && took < 280, `timed out after ${took} ms`);
  // A shorter timeout after a longer one still fires on time (the timer is re-armed earlier).
  const long = failureOf(mux.request('silent.1', new Uint8Array([1]), 5000));
  const t1 = Date.now();
  assert.is(await failureOf(mux.request('silent.2', new Uint8Array([1]), 80)), ErrorCode.Timeout);
  assert.ok(Date.now() - t1 < 250, 'the short timeout waited for the long one');
  await new Promise((r) => setTimeout(r, 300)); // the late echo.300 reply arrives and is ignored
  const ok = await mux.request('echo.0', new Uint8Array([7]), 1000);
  assert.equal([...ok], [7]);
  mux.close();
  assert.is(await long, ErrorCode.ConnectionClosed, 'close() fails what still waits');
}));

test('a subject nobody serves fails with NoResponders', () => withMux(async (mux) => {
  assert.is(await failureOf(mux.request('nobody.here', new Uint8Array([1]), 2000)), ErrorCode.NoResponders);
}));

test('closing the connection fails pending requests with ConnectionClosed, and later ones at once', async () => {
  const nc = await connect({ servers: nats.url });
  const mux = new RequestMux(nc);
  const pending = failureOf(mux.request('silent.3', new Uint8Array([1]), 5000));
  await nc.flush();
  await nc.close();
  assert.is(await pending, ErrorCode.ConnectionClosed);
  assert.is(await failureOf(mux.request('echo.0', new Uint8Array([1]), 1000)), ErrorCode.ConnectionClosed);
});

test('after the server restarts, the same mux answers again (nats.js re-subscribes its inbox)', async () => {
  const own = await startNatsServer();
  const port = own.port;
  const opts = { servers: own.url, reconnectTimeWait: 50, maxReconnectAttempts: -1 };
  const nc = await connect(opts);
  const mux = new RequestMux(nc);
  const serve = async (): Promise<NatsConnection> => {
    const s = await connect(opts);
    s.subscribe('echo.*', { callback: (_e, m) => m.respond(m.data) });
    await s.flush();
    return s;
  };
  let responder = await serve();
  let restarted: Awaited<ReturnType<typeof startNatsServer>> | null = null;
  try {
    assert.equal([...(await mux.request('echo.0', new Uint8Array([1]), 1000))], [1]);
    await own.stop();
    restarted = await startNatsServer({ port });
    await responder.close();
    responder = await serve();
    // The client reconnects on its own; a request before that times out and a retry would go again.
    let answered: number[] | null = null;
    for (let i = 0; i < 100 && answered === null; i++) {
      answered = await mux.request('echo.0', new Uint8Array([2]), 200).then((d) => [...d], () => null);
    }
    assert.equal(answered, [2]);
  } finally {
    mux.close();
    await responder.close();
    await nc.close();
    await restarted?.stop();
  }
});

const ask = (mux: RequestMux, subject: string, n: number, batchable = true): Promise<number[][]> =>
  Promise.all(Array.from({ length: n }, (_, i) => mux.request(subject, Uint8Array.of(i, 255), 2000, batchable).then((d) => [...d])));

test('batchable requests of one turn to one subject share a message; each gets its own answer', () => withMux(async (mux) => {
  batchSizes.length = 0;
  aloneCount = 0;
  const answers = await ask(mux, 'batched.ok', 300);
  assert.equal(answers, Array.from({ length: 300 }, (_, i) => [255, i & 255]));
  assert.equal(batchSizes, [128, 128, 44], 'at most MAX_BATCH_ITEMS a message');
  // A single request, and requests not marked batchable, go alone.
  assert.equal(await ask(mux, 'batched.ok', 1), [[255, 0]]);
  assert.equal(await ask(mux, 'batched.ok', 3, false), [[255, 0], [255, 1], [255, 2]]);
  assert.is(aloneCount, 4);
  assert.equal(batchSizes, [128, 128, 44]);
}));

test('with batching off, every request goes alone', () => withMux(async (mux) => {
  batchSizes.length = 0;
  aloneCount = 0;
  assert.equal(await ask(mux, 'batched.ok', 5), Array.from({ length: 5 }, (_, i) => [255, i]));
  assert.equal([batchSizes.length, aloneCount], [0, 5]);
}, false));

test('an answer left out of a batch is asked again alone; a non-batch reply answers every request of it', () => withMux(async (mux) => {
  aloneCount = 0;
  assert.equal(await ask(mux, 'batched.skip', 3), [[255, 0], [255, 1], [255, 2]]);
  assert.is(aloneCount, 1, 'only the left-out request went again');
  assert.equal(await ask(mux, 'batched.whole', 3), [[42], [42], [42]]);
}));

test('a batch nobody serves fails each request with NoResponders; one that is never answered times each out', () => withMux(async (mux) => {
  const nobody = [1, 2].map(() => failureOf(mux.request('nobody.batchable', Uint8Array.of(1), 2000, true)));
  assert.equal(await Promise.all(nobody), [ErrorCode.NoResponders, ErrorCode.NoResponders]);
  const silent = [50, 100].map((ms) => failureOf(mux.request('silent.b', Uint8Array.of(1), ms, true)));
  assert.equal(await Promise.all(silent), [ErrorCode.Timeout, ErrorCode.Timeout]);
}));

test.run();
