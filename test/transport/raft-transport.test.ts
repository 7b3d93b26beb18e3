// RaftTransport against a real nats-server: batches reach the addressed node of the same cluster,
// intact and in order; a batch too big for the server, a stopped peer or a closed connection never
// throws into Raft; stop() ends delivery.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Writable } from 'node:stream';
import { connect, type NatsConnection } from 'nats';
import pino from 'pino';
import { RaftTransport } from '../../src/transport/raft-transport.js';
import { startNatsServer, type RunningNatsServer } from '../helpers/nats.js';
import { waitFor } from '../helpers/wait.js';

const MAX_PAYLOAD = 64 * 1024;

interface Ctx {
  server: RunningNatsServer;
  conns: NatsConnection[];
}
const t = suite<Ctx>('raft-transport', { server: null as unknown as RunningNatsServer, conns: [] });

t.before(async (ctx) => {
  ctx.server = await startNatsServer({ maxPayload: MAX_PAYLOAD });
});
t.after(async (ctx) => {
  await ctx.server.stop();
});
t.after.each(async (ctx) => {
  await Promise.all(ctx.conns.map((nc) => nc.close().catch(() => undefined)));
  ctx.conns = [];
});

/** A logger whose lines are kept, to see what the transport reports. */
function capturingLogger(): { logger: pino.Logger; lines: () => { msg: string }[] } {
  const out: string[] = [];
  const stream = new Writable({ write(chunk, _enc, done) { out.push(String(chunk)); done(); } });
  return { logger: pino({ level: 'debug' }, stream), lines: () => out.map((l) => JSON.parse(l) as { msg: string }) };
}

async function node(ctx: Ctx, cluster: string, nodeId: string) {
  const nc = await connect({ servers: ctx.server.url });
  ctx.conns.push(nc);
  const received: Buffer[] = [];
  const log = capturingLogger();
  const transport = new RaftTransport(nc, { cluster, nodeId, logger: log.logger, onBatch: (p) => received.push(Buffer.from(p)) });
  transport.start();
  await nc.flush(); // the subscription is registered on the server
  return { nc, transport, received, log };
}

t('batches reach the addressed node of the same cluster only, intact and in order', async (ctx) => {
  const n1 = await node(ctx, 'c1', 'n1');
  const n2 = await node(ctx, 'c1', 'n2');
  const otherN2 = await node(ctx, 'c2', 'n2');
  const batches = Array.from({ length: 200 }, (_, i) => Buffer.from(`batch-${i}-`.repeat(1 + (i % 50))));
  for (const b of batches) n1.transport.send('n2', b);
  await waitFor(() => n2.received.length === batches.length, 10_000, 10);
  assert.equal(n2.received, batches);
  await Promise.all([n1.nc.flush(), n2.nc.flush(), otherN2.nc.flush()]);
  assert.is(n1.received.length, 0, 'a node does not hear what it sends to a peer');
  assert.is(otherN2.received.length, 0, 'the same node id in another cluster hears nothing');
});

t('the payload limit is the server max_payload; a bigger batch is dropped and logged, not thrown, and later ones flow', async (ctx) => {
  const n1 = await node(ctx, 'c1', 'n1');
  const n2 = await node(ctx, 'c1', 'n2');
  assert.is(n1.transport.payloadLimit, MAX_PAYLOAD);
  n1.transport.send('n2', Buffer.alloc(MAX_PAYLOAD + 1, 1));
  n1.transport.send('n2', Buffer.from('after'));
  await waitFor(() => n2.received.length > 0, 10_000, 10);
  assert.equal(n2.received.map(String), ['after']);
  assert.ok(n1.log.lines().some((l) => l.msg === 'raft transport: publish failed'));
});

t('after stop() nothing is delivered; sending to a stopped peer or over a closed connection never throws', async (ctx) => {
  const n1 = await node(ctx, 'c1', 'n1');
  const n2 = await node(ctx, 'c1', 'n2');
  n1.transport.send('n2', Buffer.from('one'));
  await waitFor(() => n2.received.length === 1, 10_000, 10);
  await n2.transport.stop();
  await n2.nc.flush();
  n1.transport.send('n2', Buffer.from('two'));
  await n1.nc.flush();
  await n2.nc.flush();
  assert.equal(n2.received.map(String), ['one']);
  await n1.nc.close();
  n1.transport.send('n2', Buffer.from('three'));
  assert.ok(n1.log.lines().some((l) => l.msg === 'raft transport: publish failed'));
});

t.run();
