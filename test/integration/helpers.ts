// Small waits shared by the integration tests.
import type { Test } from 'uvu';
import { connect, type KeelClient, type Watch, type WatchEventView } from '../../src/client/index.js';
import { startLocalCluster, type LocalCluster, type LocalClusterOptions } from '../../src/node/local-cluster.js';
import { waitFor } from '../helpers/wait.js';

export { waitFor };

/** Waits until every member answers and one of them is the leader; returns its id. */
export async function waitForLeader(client: KeelClient, timeoutMs = 20_000): Promise<string> {
  let leader = '';
  await waitFor(async () => {
    const st = await client.clusterStatus().catch(() => null);
    if (!st || st.members.some((m) => !m.status)) return false;
    leader = st.members.find((m) => m.status?.role === 'leader')?.id ?? '';
    return leader !== '';
  }, timeoutMs, 100);
  return leader;
}

export async function clusterLeader(client: KeelClient): Promise<string> {
  return waitForLeader(client);
}

export interface SharedCluster {
  cluster: LocalCluster;
  client: KeelClient;
}

/**
 * Gives a suite one real cluster (nats-server + `keel serve` processes) and a connected client,
 * started before its first test and stopped after its last; `use` receives them.
 */
export function useCluster(test: Test, opts: LocalClusterOptions, use: (shared: SharedCluster) => void): void {
  let shared: SharedCluster | null = null;
  test.before(async () => {
    const cluster = await startLocalCluster({ size: 3, logLevel: 'warn', ...opts });
    const client = await connect({ servers: cluster.nats.url, deadlineMs: 20_000 });
    shared = { cluster, client };
    use(shared);
    await waitForLeader(client);
  });
  test.after(async () => {
    await shared?.client.close();
    await shared?.cluster.stop();
  });
}

/** Takes `n` events from a watch (cancels it and fails after timeoutMs). */
export async function take(watch: Watch, n: number, timeoutMs = 10_000): Promise<WatchEventView[]> {
  const out: WatchEventView[] = [];
  const timer = setTimeout(() => void watch.cancel(), timeoutMs);
  try {
    while (out.length < n) {
      const r = await watch.next();
      if (r.done) throw new Error(`watch ended after ${out.length} of ${n} events`);
      out.push(r.value);
    }
  } finally {
    clearTimeout(timer);
  }
  return out;
}
