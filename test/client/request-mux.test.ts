// RequestMux against a real nats-server: replies find their request, and each failure carries the
// NATS error code retry.ts decides on (Timeout, NoResponders, ConnectionClosed).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connect, ErrorCode, NatsError, type NatsConnection } from 'nats';
import { RequestMux } from '../../src/client/request-mux.js';
import { startNatsServer, type RunningNatsServer } from '../helpers/nats.js';

let nats: RunningNatsServer;
let server: NatsConnection;
test.before(async () => {
  nats = await startNatsServer();
  server = await connect({ servers: nats.url });
  // echo.<n>: answers after n ms with the request's bytes reversed; silent.*: never answers.
  server.subscribe('echo.*', { callback: (_err, msg) => {
    const delay = Number(msg.subject.split('.')[1]);
    setTimeout(() => msg.respond(msg.data.slice().reverse()), delay);
  } });
  server.subscribe('silent.*', { callback: () => {} });
  await server.flush();
});
test.after(async () => { await server?.close(); await nats?.stop(); });

const codeOf = (err: unknown): string => (err instanceof NatsError ? err.code : String(err));

test('each of many concurrent requests gets its own reply, answered out of order', async () => {
  const nc = await connect({ servers: nats.url });
  const mux = new RequestMux(nc);
  try {
    const delays = Array.from({ length: 50 }, (_, i) => (i * 7) % 20);
    const replies = await Promise.all(delays.map((d, i) => mux.request(`echo.${d}`, new Uint8Array([i, 255]), 2000)));
    replies.forEach((msg, i) => assert.equal([...msg.data], [255, i]));
  } finally {
    mux.close();
    await nc.close();
  }
});

test('no answer in time fails with Timeout; a reply that comes later is dropped', async () => {
  const nc = await connect({ servers: nats.url });
  const mux = new RequestMux(nc);
  try {
    const started = Date.now();
    const err = await mux.request('echo.300', new Uint8Array([1]), 100).then(() => null, (e: unknown) => e);
    assert.is(codeOf(err), ErrorCode.Timeout);
    const took = Date.now() - started;
    assert.ok(took >= 95 && took < 280, `timed out after ${took} ms`);
    // A shorter timeout after a longer one still fires on time (the timer is re-armed earlier).
    const long = mux.request('silent.1', new Uint8Array([1]), 5000).then(() => null, (e: unknown) => e);
    const t1 = Date.now();
    const short = await mux.request('silent.2', new Uint8Array([1]), 80).then(() => null, (e: unknown) => e);
    assert.is(codeOf(short), ErrorCode.Timeout);
    assert.ok(Date.now() - t1 < 250, 'the short timeout waited for the long one');
    await new Promise((r) => setTimeout(r, 300)); // the late echo.300 reply arrives and is ignored
    const ok = await mux.request('echo.0', new Uint8Array([7]), 1000);
    assert.equal([...ok.data], [7]);
    mux.close();
    assert.is(codeOf(await long), ErrorCode.ConnectionClosed, 'close() fails what still waits');
  } finally {
    mux.close();
    await nc.close();
  }
});

test('a subject nobody serves fails with NoResponders', async () => {
  const nc = await connect({ servers: nats.url });
  const mux = new RequestMux(nc);
  try {
    const err = await mux.request('nobody.here', new Uint8Array([1]), 2000).then(() => null, (e: unknown) => e);
    assert.is(codeOf(err), ErrorCode.NoResponders);
  } finally {
    mux.close();
    await nc.close();
  }
});

test('closing the connection fails pending requests with ConnectionClosed, and later ones at once', async () => {
  const nc = await connect({ servers: nats.url });
  const mux = new RequestMux(nc);
  const pending = mux.request('silent.3', new Uint8Array([1]), 5000).then(() => null, (e: unknown) => e);
  await nc.flush();
  await nc.close();
  assert.is(codeOf(await pending), ErrorCode.ConnectionClosed);
  const after = await mux.request('echo.0', new Uint8Array([1]), 1000).then(() => null, (e: unknown) => e);
  assert.is(codeOf(after), ErrorCode.ConnectionClosed);
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
    assert.equal([...(await mux.request('echo.0', new Uint8Array([1]), 1000)).data], [1]);
    await own.stop();
    restarted = await startNatsServer({ port });
    await responder.close();
    responder = await serve();
    // The client reconnects on its own; a request before that times out and a retry would go again.
    let answered: number[] | null = null;
    for (let i = 0; i < 100 && answered === null; i++) {
      answered = await mux.request('echo.0', new Uint8Array([2]), 200).then((m) => [...m.data], () => null);
    }
    assert.equal(answered, [2]);
  } finally {
    mux.close();
    await responder.close();
    await nc.close();
    await restarted?.stop();
  }
});

test.run();
