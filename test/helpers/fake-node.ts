// A real ApiServer on a real NATS connection, in-process, in front of a FakeHandler.
import { connect, type NatsConnection } from 'nats';
import pino from 'pino';
import { makeLimits, requestBytesFor, type Limits } from '../../src/codec/limits.js';
import { ApiServer, type ApiHandler, type ApiObserver } from '../../src/transport/api-server.js';

export interface FakeNode<H extends ApiHandler> {
  nc: NatsConnection;
  server: ApiServer;
  handler: H;
  stop(): Promise<void>;
}

export async function startFakeNode<H extends ApiHandler & { nodeId: string }>(
  url: string, handler: H, o: { leader?: boolean; cluster?: string; limits?: Partial<Limits>; observer?: ApiObserver; afterReply?: () => void } = {},
): Promise<FakeNode<H>> {
  const nc = await connect({ servers: url, name: `fake-${handler.nodeId}` });
  const limits = makeLimits({ maxRequestBytes: requestBytesFor(nc.info!.max_payload), ...o.limits });
  const server = new ApiServer(nc, {
    cluster: o.cluster ?? 'default', nodeId: handler.nodeId, handler, limits, logger: pino({ level: 'silent' }), observer: o.observer,
    afterReply: o.afterReply,
  });
  server.start();
  if (o.leader ?? true) server.setLeader(true);
  await nc.flush(); // subscriptions are live on the server before anyone sends
  return {
    nc, server, handler,
    async stop() {
      await server.stop();
      await nc.close();
    },
  };
}
