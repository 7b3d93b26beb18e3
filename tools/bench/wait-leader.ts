import type { KeelClient } from '../../src/client/index.js';

/** Resolves once the cluster has a leader and every member answers status; throws after `timeoutMs`. */
export async function waitForLeader(client: KeelClient, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const st = await client.clusterStatus();
      if (st.leader && st.members.every((m) => m.status)) return st.leader;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no leader within ${timeoutMs / 1000} s`);
}
