// Small waits shared by the integration tests.
import type { KeelClient } from '../../src/client/index.js';

/** Polls `check` until it returns true; throws after timeoutMs. */
export async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number, everyMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() >= deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

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
