// A TCP proxy between one node and the NATS server, so the chaos nemesis can take that node's NATS
// connection away for real: cut() closes every proxied connection (the node's NATS client sees its
// socket close, as on a dead link or a server kicking it) and refuses new ones until heal(). The
// node keeps running and reconnecting (every 250 ms); the rest of the cluster and the clients talk
// to the server directly and see the node go silent. It isolates the node from everything, which is
// what a node losing its network or its NATS server looks like.
import net from 'node:net';

export interface NatsProxy {
  /** The URL the node connects to. */
  url: string;
  cut(): void;
  heal(): void;
  readonly isCut: boolean;
  /** Connections accepted and refused so far (refused ones arrived while cut). */
  readonly stats: { accepted: number; refused: number };
  close(): Promise<void>;
}

export async function startNatsProxy(upstreamPort: number): Promise<NatsProxy> {
  const open = new Set<net.Socket>();
  const stats = { accepted: 0, refused: 0 };
  let cut = false;

  const server = net.createServer((downstream) => {
    if (cut) {
      stats.refused++;
      downstream.destroy();
      return;
    }
    stats.accepted++;
    const upstream = net.connect(upstreamPort, '127.0.0.1');
    for (const [a, b] of [[downstream, upstream], [upstream, downstream]] as const) {
      open.add(a);
      a.pipe(b);
      a.on('error', () => b.destroy());
      a.on('close', () => {
        open.delete(a);
        b.destroy();
      });
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;

  return {
    url: `nats://127.0.0.1:${port}`,
    stats,
    get isCut() { return cut; },
    cut() {
      cut = true;
      for (const s of open) s.destroy();
    },
    heal() { cut = false; },
    async close() {
      for (const s of open) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
