// The nemesis: a seeded sequence of faults against one node at a time, each healed before the next.
//   kill    kill -9 the node, restart it after a pause (it recovers from its own files)
//   pause   SIGSTOP, then SIGCONT (a node that freezes: GC pause, overloaded VM)
//   netcut  close the node's NATS connection and refuse it for a while (nats-proxy.ts)
//   disk    the disk failpoint: writes fail with ENOSPC or EIO; the node must exit non-zero; it is
//           restarted once the failpoint file is removed
//   killall kill -9 of every node at once (a power cut): what was acknowledged was on a majority's
//           disk, so it must all come back
// The plan (kinds, targets, timings) is a function of the seed; which node is the leader at the time
// is the cluster's, so the target is chosen as "the leader" or "a follower" by the plan.
import type { KeelClient } from '../../src/client/index.js';
import { Rng } from '../raft/sim/rng.js';
import type { ChaosCluster } from './cluster.js';

export type FaultKind = 'kill' | 'pause' | 'netcut' | 'disk' | 'killall';
export const FAULT_KINDS: readonly FaultKind[] = ['kill', 'pause', 'netcut', 'disk', 'killall'];

export interface FaultStep {
  kind: FaultKind;
  target: 'leader' | 'follower';
  /** Which follower (0 or 1 of the sorted followers) when target is follower, or the fallback node. */
  pick: number;
  /** Quiet time before the fault. */
  gapMs: number;
  /** How long the fault lasts (down, stopped, cut; for disk: down after the exit). */
  holdMs: number;
  diskError: 'enospc' | 'eio';
}

const HOLD_MS: Record<FaultKind, [number, number]> = {
  kill: [300, 3000],
  pause: [500, 4000], // both sides of the election timeout (1-2 s)
  netcut: [1000, 5000],
  disk: [0, 1500],
  killall: [0, 1500],
};

/** The faults of a run, in order: rounds of every kind in a seeded order, so short runs see each kind. */
export function* faultPlan(seed: number, kinds: readonly FaultKind[], gapMs: [number, number] = [1000, 3000]): Generator<FaultStep> {
  const rng = new Rng(seed ^ 0x5eed);
  for (;;) {
    const round = [...kinds];
    for (let i = round.length - 1; i > 0; i--) {
      const j = rng.int(0, i);
      [round[i], round[j]] = [round[j], round[i]];
    }
    for (const kind of round) {
      yield {
        kind,
        target: rng.chance(0.5) ? 'leader' : 'follower',
        pick: rng.int(0, 2),
        gapMs: rng.int(gapMs[0], gapMs[1]),
        holdMs: rng.int(HOLD_MS[kind][0], HOLD_MS[kind][1]),
        diskError: rng.chance(0.5) ? 'enospc' : 'eio',
      };
    }
  }
}

export interface FaultRecord {
  kind: FaultKind;
  node: string;
  role: 'leader' | 'follower' | 'unknown';
  atMs: number;
  holdMs: number;
  /** For disk: the node's exit code. */
  exitCode?: number | null;
  /** Time from healing to every node answering again with a leader (null: it did not recover in time). */
  recoveredMs: number | null;
}

export interface NemesisDeps {
  cluster: ChaosCluster;
  /** A client of the nemesis's own (for finding the leader and waiting for recovery). */
  client: KeelClient;
  log(line: string): void;
  /** Problems the run must report (a node that kept running on a broken disk, no recovery, ...). */
  finding(line: string): void;
}

const DISK_EXIT_TIMEOUT_MS = 20_000;
const RECOVERY_TIMEOUT_MS = 60_000;

/** Runs faults from `plan` until `untilMs` (epoch ms) leaves no room for another. */
export async function runNemesis(plan: Iterator<FaultStep>, deps: NemesisDeps, untilMs: number): Promise<FaultRecord[]> {
  const done: FaultRecord[] = [];
  for (;;) {
    const step = plan.next().value as FaultStep;
    if (Date.now() + step.gapMs + step.holdMs > untilMs) break;
    await sleep(step.gapMs);
    const { node, role } = step.kind === 'killall' ? { node: 'all', role: 'unknown' as const } : await chooseTarget(deps, step);
    const where = step.kind === 'killall' ? 'every node' : `${node} (${role})`;
    deps.log(`fault ${done.length + 1}: ${step.kind}${step.kind === 'disk' ? ` (${step.diskError})` : ''} on ${where} for ${step.holdMs} ms`);
    const record: FaultRecord = { kind: step.kind, node, role, atMs: Date.now(), holdMs: step.holdMs, recoveredMs: null };
    await inject(deps, step, node, record);
    const healedAt = Date.now();
    await healAll(deps.cluster);
    if (await waitForHealthy(deps.client, RECOVERY_TIMEOUT_MS)) record.recoveredMs = Date.now() - healedAt;
    else deps.finding(`after ${step.kind} on ${node} the cluster did not have every node answering and a leader within ${RECOVERY_TIMEOUT_MS} ms`);
    done.push(record);
  }
  return done;
}

async function inject(deps: NemesisDeps, step: FaultStep, node: string, record: FaultRecord): Promise<void> {
  const { cluster } = deps;
  switch (step.kind) {
    case 'kill':
      cluster.signal(node, 'SIGKILL', true);
      await cluster.exited(node);
      await sleep(step.holdMs);
      cluster.start(node);
      return;
    case 'killall':
      for (const id of cluster.ids) cluster.signal(id, 'SIGKILL', true);
      await Promise.all(cluster.ids.map((id) => cluster.exited(id)));
      await sleep(step.holdMs);
      for (const id of cluster.ids) cluster.start(id);
      return;
    case 'pause':
      cluster.signal(node, 'SIGSTOP', false);
      await sleep(step.holdMs);
      cluster.signal(node, 'SIGCONT', false);
      return;
    case 'netcut':
      cluster.proxy(node).cut();
      await sleep(step.holdMs);
      cluster.proxy(node).heal();
      return;
    case 'disk': {
      cluster.expectExit(node);
      await cluster.setDiskFailure(node, step.diskError);
      const code = await Promise.race([cluster.exited(node), sleep(DISK_EXIT_TIMEOUT_MS).then(() => 'running' as const)]);
      if (code === 'running') {
        deps.finding(`${node} kept running ${DISK_EXIT_TIMEOUT_MS} ms with a failing disk (${step.diskError}); killed it`);
        cluster.signal(node, 'SIGKILL', true);
        await cluster.exited(node);
      } else {
        record.exitCode = code;
        if (code === 0 || code === null) deps.finding(`${node} exited with code ${code} on a failing disk (expected non-zero)`);
      }
      await sleep(step.holdMs);
      await cluster.setDiskFailure(node, null);
      cluster.start(node);
      return;
    }
  }
}

/** Undoes whatever is still broken: disk failpoints, stopped processes, cut proxies, dead nodes. */
export async function healAll(cluster: ChaosCluster): Promise<void> {
  for (const id of cluster.ids) {
    await cluster.setDiskFailure(id, null);
    cluster.proxy(id).heal();
    if (cluster.isRunning(id)) cluster.signal(id, 'SIGCONT', false);
    else cluster.start(id);
  }
}

async function chooseTarget(deps: NemesisDeps, step: FaultStep): Promise<{ node: string; role: FaultRecord['role'] }> {
  const ids = deps.cluster.ids;
  const st = await deps.client.clusterStatus().catch(() => null);
  const leader = st?.members.find((m) => m.status?.role === 'leader')?.id;
  if (!leader) return { node: ids[step.pick % ids.length], role: 'unknown' };
  if (step.target === 'leader') return { node: leader, role: 'leader' };
  const followers = ids.filter((id) => id !== leader).sort();
  return { node: followers[step.pick % followers.length], role: 'follower' };
}

/** Every member answers its status and one is the leader. */
export async function waitForHealthy(client: KeelClient, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const st = await client.clusterStatus().catch(() => null);
    if (st && st.members.every((m) => m.status) && st.members.some((m) => m.status?.role === 'leader')) return true;
    await sleep(200);
  }
  return false;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
