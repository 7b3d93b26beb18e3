// The watch workloads of `npm run bench`: each operation is one put, and it completes when the put's
// event has reached every watcher. `watch`: one prefix watcher (put→event latency); `fanout`: 1,000
// watchers on one prefix (time until all of them have the event).
import type { KeelClient, Watch } from '../../src/client/index.js';

export interface WatchWorkload {
  op: (worker: number, i: number) => Promise<unknown>;
  close(): Promise<void>;
}

export async function prepareWatchWorkload(client: KeelClient, name: string, watchers: number, value: Uint8Array): Promise<WatchWorkload> {
  const prefix = `${name}-${Date.now()}/`;
  const waiting = new Map<string, { remaining: number; resolve: () => void }>();
  const watches: Watch[] = Array.from({ length: watchers }, () => client.watch({ prefix }));
  await Promise.all(watches.map((w) => w.ready));
  const consumers = watches.map(async (w) => {
    for await (const ev of w) {
      const key = ev.kv.keyString;
      const entry = waiting.get(key);
      if (entry && --entry.remaining === 0) {
        waiting.delete(key);
        entry.resolve();
      }
    }
  });
  return {
    async op(worker, i) {
      const key = `${prefix}${worker}/${i}`;
      const seen = new Promise<void>((resolve) => waiting.set(key, { remaining: watchers, resolve }));
      await client.put(key, value);
      await seen;
    },
    async close() {
      await Promise.all(watches.map((w) => w.cancel()));
      await Promise.all(consumers);
    },
  };
}
