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

/** The NATS error code `request` fails with ('resolved' when it did not fail). */
async function failureOf(request: Promise<unknown>): Promise<string> {
  const err = await request.then(() => null, (e: unknown) => e);
  return err === null ? 'resolved' : err instanceof NatsError ? err.code : String(err);
}

/** A mux on a fresh client connection to the shared server, closed (with it) after `use`. */
async function withMux(use: (mux: RequestMux) => Promise<void>): Promise<void> {
  const nc = await connect({ servers: nats.url });
  const mux = new RequestMux(nc);
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
  replies.forEach((msg, i) => assert.equal([...msg.data], [255, i]));
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
  assert.equal([...ok.data], [7]);
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
