// connect(): NATS auth pass-through, reusing a connection, a pool of connections, typed failures.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connect as natsConnect } from 'nats';
import { connect, KeelError, UnavailableError } from '../../src/client/index.js';
import { startNatsServer } from '../helpers/nats.js';
import { FakeHandler } from '../helpers/fake-handler.js';
import { startFakeNode } from '../helpers/fake-node.js';

test('user/password pass through to NATS; wrong credentials fail with Unavailable', async () => {
  const nats = await startNatsServer({ user: 'keel', pass: 's3cret' });
  try {
    const client = await connect({ servers: nats.url, user: 'keel', pass: 's3cret', deadlineMs: 300 });
    // No node runs here: reaching the retry loop proves the connection was accepted.
    const err = await client.get('a').then(() => null, (e: unknown) => e);
    assert.is((err as KeelError).code, 'Timeout');
    await client.close();
    const refused = await connect({ servers: nats.url, user: 'keel', pass: 'wrong' }).then(() => null, (e: unknown) => e);
    assert.instance(refused, UnavailableError);
    assert.match((refused as Error).message, /cannot connect to NATS at .*Authorization Violation/i);
  } finally {
    await nats.stop();
  }
});

test('token auth; a missing creds file is a typed error', async () => {
  const nats = await startNatsServer({ token: 'tok' });
  try {
    const client = await connect({ servers: nats.url, token: 'tok' });
    await client.close();
    const err = await connect({ servers: nats.url, credsFile: '/nonexistent/keel.creds' }).then(() => null, (e: unknown) => e);
    assert.instance(err, KeelError);
    assert.match((err as Error).message, /cannot read NATS creds file \/nonexistent\/keel.creds/);
  } finally {
    await nats.stop();
  }
});

test('an existing connection is reused and left open by close(); a pool spreads requests', async () => {
  const nats = await startNatsServer();
  const node = await startFakeNode(nats.url, new FakeHandler('n1'));
  const nc = await natsConnect({ servers: nats.url });
  try {
    const shared = await connect({ nc });
    await shared.put('a', '1');
    await shared.close();
    assert.not.ok(nc.isClosed(), 'the caller\'s connection stays open');
    assert.is((await nc.request('keel.default.api.status', new Uint8Array(0), { timeout: 1000 })).data.length > 0, true);

    const pooled = await connect({ servers: nats.url, pool: 3 });
    const puts = await Promise.all(Array.from({ length: 9 }, (_, i) => pooled.put(`p${i}`, 'v')));
    assert.is(puts.length, 9);
    assert.is((await pooled.range({ prefix: 'p' })).count, 9);
    assert.is(pooled.natsConnections.length, 3);
    for (const c of pooled.natsConnections) assert.ok(c.stats().outMsgs >= 1, 'every pooled connection carried requests (its three puts may share one batch)');
    await pooled.close();
    assert.ok(pooled.natsConnections.every((c) => c.isClosed()));
    for (const [bad, message] of [
      [{ pool: 0 }, /pool must be a positive integer, got 0/],
      [{ deadlineMs: -1 }, /deadlineMs must be a positive integer/],
      [{ cluster: 'a.b' }, /cluster name "a.b"/],
    ] as const) {
      const err = await connect({ servers: nats.url, ...bad }).then(() => null, (e: unknown) => e);
      assert.instance(err, KeelError);
      assert.match((err as Error).message, message);
    }
  } finally {
    await nc.close();
    await node.stop();
    await nats.stop();
  }
});

test.run();
