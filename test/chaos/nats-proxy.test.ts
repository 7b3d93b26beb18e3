// The cuttable NATS proxy: a connection through it works, cut() takes it away (and refuses new
// ones), heal() lets the client reconnect on its own.
import { connect, Events } from 'nats';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startNatsServer } from '../helpers/nats.js';
import { startNatsProxy } from './nats-proxy.js';

async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('cut closes the connection and refuses new ones; heal lets the client reconnect', async () => {
  const server = await startNatsServer();
  const proxy = await startNatsProxy(server.port);
  const nc = await connect({ servers: proxy.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
  try {
    const direct = await connect({ servers: server.url });
    const sub = direct.subscribe('ping', { callback: (_e, m) => m.respond(m.data) });
    await direct.flush();
    assert.is(new TextDecoder().decode((await nc.request('ping', 'a', { timeout: 2000 })).data), 'a');

    const events: string[] = [];
    void (async () => { for await (const s of nc.status()) events.push(s.type); })();
    proxy.cut();
    assert.ok(proxy.isCut);
    await until(() => events.includes(Events.Disconnect));
    await until(() => proxy.stats.refused > 0); // the client's reconnect attempts are refused
    const whileCut = await nc.request('ping', 'b', { timeout: 300 }).then(() => 'answered', () => 'failed');
    assert.is(whileCut, 'failed');

    proxy.heal();
    await until(() => events.includes(Events.Reconnect));
    assert.is(new TextDecoder().decode((await nc.request('ping', 'c', { timeout: 2000 })).data), 'c');
    sub.unsubscribe();
    await direct.close();
  } finally {
    await nc.close();
    await proxy.close();
    await server.stop();
  }
});

test.run();
