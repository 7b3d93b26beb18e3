// One chaos run: start the cluster, run the clients and the nemesis for the duration, heal, read
// every key one last time, stop the cluster, and check the histories. Used by `npm run chaos`
// (tools/chaos.ts) and by the short profile in test/chaos/chaos.test.ts.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { connect, type KeelClient } from '../../src/client/index.js';
import { CHAOS_CLUSTER, startChaosCluster, type NodeExit } from './cluster.js';
import type { Operation } from './history.js';
import { checkLinearizable, describeViolation, type CheckResult } from './linearizability.js';
import { checkNoLostWrites, describeLostWrites, type LostWriteReport } from './lost-writes.js';
import { FAULT_KINDS, faultPlan, healAll, runNemesis, waitForHealthy, type FaultKind, type FaultRecord } from './nemesis.js';
import { checkWatch, recordWatch, type WatchCheck } from './watch-check.js';
import { doGet, KEY_PREFIX, runWorkload } from './workload.js';

export interface ChaosOptions {
  seed: number;
  durationMs: number;
  clients?: number;
  /**
   * Workers sharing each client (default 2). Requests that workers of one client make in the same
   * turn travel as one request batch, so the checks also cover batched requests under faults.
   */
  workersPerClient?: number;
  faults?: readonly FaultKind[];
  /** Quiet time between faults, [min, max] ms. */
  gapMs?: [number, number];
  /** Keep the cluster's data and logs (they are kept anyway when the run fails). */
  keepData?: boolean;
  log?: (line: string) => void;
}

export interface ChaosReport {
  seed: number;
  durationMs: number;
  faults: FaultRecord[];
  faultsByKind: Partial<Record<FaultKind, number>>;
  operations: { total: number; ok: number; fail: number; info: number; acknowledgedWrites: number };
  /** NATS messages the workers' clients published, and how many of those were request batches. */
  clientMessages: { total: number; batches: number };
  finalReads: number;
  linearizability: CheckResult;
  lostWrites: LostWriteReport;
  watch: WatchCheck;
  unexpectedExits: NodeExit[];
  findings: string[];
  ok: boolean;
  /** Where the cluster's data and node logs are, when kept. */
  dataDir: string | null;
}

const START_TIMEOUT_MS = 60_000;
const CLIENT_TIMEOUTS = { timeoutMs: 1000, deadlineMs: 5000 };
// Half the clients give up sooner than a fault lasts, so the histories hold writes of unknown outcome.
const IMPATIENT_DEADLINE_MS = 1500;
// Small snapshot intervals so restarted nodes also catch up from snapshots, not only from the log.
const NODE_ARGS = ['--snapshot-every-entries', '400', '--retain-entries', '100'];

export async function runChaos(o: ChaosOptions): Promise<ChaosReport> {
  const log = o.log ?? (() => undefined);
  const kinds = o.faults ?? FAULT_KINDS;
  const findings: string[] = [];
  const finding = (line: string): void => {
    findings.push(line);
    log(`FINDING: ${line}`);
  };
  const workersPerClient = o.workersPerClient ?? 2;
  log(`chaos: seed ${o.seed}, ${o.durationMs / 1000} s, ${o.clients ?? 4} clients × ${workersPerClient} workers, faults ${kinds.join(',')}`);
  const cluster = await startChaosCluster({ nodeArgs: NODE_ARGS });
  log(`cluster data and node logs: ${cluster.dataDir}`);
  const opened: KeelClient[] = [];
  const open = async (deadlineMs = CLIENT_TIMEOUTS.deadlineMs): Promise<KeelClient> => {
    const c = await connect({ servers: cluster.nats.url, cluster: CHAOS_CLUSTER, ...CLIENT_TIMEOUTS, deadlineMs });
    opened.push(c);
    return c;
  };
  let report: ChaosReport | null = null;
  let history: Operation[] = [];
  let thrown: unknown = null;
  try {
    const control = await open();
    if (!(await waitForHealthy(control, START_TIMEOUT_MS))) throw new Error(`the chaos cluster did not start within ${START_TIMEOUT_MS} ms`);
    const watcher = await recordWatch(await open(), KEY_PREFIX);
    const clients = await Promise.all(Array.from({ length: o.clients ?? 4 }, (_, i) => open(i % 2 ? IMPATIENT_DEADLINE_MS : undefined)));
    const untilMs = Date.now() + o.durationMs;
    const deps = { cluster, client: control, log, finding };
    const [{ ops, keys }, faults] = await Promise.all([
      runWorkload({ seed: o.seed, clients: clients.flatMap((c) => Array<KeelClient>(workersPerClient).fill(c)), untilMs }),
      runNemesis(faultPlan(o.seed, kinds, o.gapMs), deps, untilMs),
    ]);

    await healAll(cluster);
    if (!(await waitForHealthy(control, START_TIMEOUT_MS))) finding(`the cluster did not recover within ${START_TIMEOUT_MS} ms after the run`);
    const reader = await open(30_000);
    const finalReads = await readEveryKey(reader, [...keys].sort());
    log(`final reads: ${finalReads.filter((r) => r.outcome === 'ok').length} of ${keys.size} keys`);
    const lastRevision = (await reader.range({ prefix: KEY_PREFIX, countOnly: true })).header.revision;
    const watch = checkWatch(await watcher.finish(lastRevision, 30_000), ops, finalReads);

    history = [...ops, ...finalReads];
    const linearizability = checkLinearizable(history);
    const lostWrites = checkNoLostWrites(ops, finalReads);
    const unexpectedExits = cluster.exits.filter((e) => !e.expected);
    for (const e of unexpectedExits) {
      e.logTail = (await readFile(cluster.logPath(e.id), 'utf8').catch(() => '')).slice(-3000);
      finding(`${e.id} exited on its own (code ${e.code}, signal ${e.signal})`);
    }
    if (!ops.some((op) => op.outcome === 'ok' && op.kind !== 'get')) finding('no write was acknowledged during the run');
    const count = (pred: (op: Operation) => boolean): number => ops.filter(pred).length;
    const clientMessages = { total: 0, batches: 0 };
    for (const c of clients) {
      clientMessages.total += c.natsConnections.reduce((n, nc) => n + nc.stats().outMsgs, 0);
      clientMessages.batches += c.requestBatchesSent;
    }
    report = {
      seed: o.seed,
      durationMs: o.durationMs,
      faults,
      faultsByKind: faults.reduce<Partial<Record<FaultKind, number>>>((acc, f) => ({ ...acc, [f.kind]: (acc[f.kind] ?? 0) + 1 }), {}),
      operations: {
        total: ops.length,
        ok: count((op) => op.outcome === 'ok'),
        fail: count((op) => op.outcome === 'fail'),
        info: count((op) => op.outcome === 'info'),
        acknowledgedWrites: lostWrites.acknowledgedWrites,
      },
      clientMessages,
      finalReads: finalReads.filter((r) => r.outcome === 'ok').length,
      linearizability,
      lostWrites,
      watch,
      unexpectedExits,
      findings,
      ok: linearizability.ok && lostWrites.ok && watch.ok && findings.length === 0,
      dataDir: null,
    };
    return report;
  } catch (err) {
    thrown = err;
    throw err;
  } finally {
    await Promise.all(opened.map((c) => c.close().catch(() => undefined)));
    const keep = o.keepData === true || !report?.ok;
    await cluster.stop({ keepData: keep });
    if (keep) {
      // What went wrong stays next to the node logs: the report (or the error) and every operation.
      if (report) report.dataDir = cluster.dataDir;
      const text = report ? describeReport(report) : `chaos seed ${o.seed}: run failed: ${thrown instanceof Error ? thrown.stack : String(thrown)}`;
      await writeFile(path.join(cluster.dataDir, 'report.txt'), `${text}\n`).catch(() => undefined);
      await writeFile(path.join(cluster.dataDir, 'history.json'), JSON.stringify(history)).catch(() => undefined);
      log(`kept ${cluster.dataDir} (report.txt, history.json, node logs)`);
    }
  }
}

/** One linearizable read of every key, each retried a few times (the cluster has just healed). */
async function readEveryKey(client: KeelClient, keys: string[]): Promise<Operation[]> {
  const reads: Operation[] = [];
  for (const key of keys) {
    let r = await doGet(client, -1, key);
    for (let attempt = 1; r.outcome !== 'ok' && attempt < 3; attempt++) r = await doGet(client, -1, key);
    reads.push(r);
  }
  return reads;
}

/** The report as text: counts, then each problem in detail. */
export function describeReport(r: ChaosReport): string {
  const byKind = Object.entries(r.faultsByKind).map(([k, n]) => `${k} ${n}`).join(', ') || 'none';
  const recovered = r.faults.map((f) => f.recoveredMs).filter((ms): ms is number => ms !== null);
  const lines = [
    `chaos seed ${r.seed}: ${r.ok ? 'PASS' : 'FAIL'}`,
    `  faults: ${r.faults.length} (${byKind}); slowest recovery ${recovered.length ? Math.max(...recovered) : '-'} ms`,
    ...(r.faultsByKind.disk ? [`  disk faults: node exit codes ${r.faults.filter((f) => f.kind === 'disk').map((f) => f.exitCode ?? 'none').join(', ')}`] : []),
    `  operations: ${r.operations.total} (ok ${r.operations.ok}, info ${r.operations.info}, fail ${r.operations.fail}); acknowledged writes ${r.operations.acknowledgedWrites}`,
    `  client messages: ${r.clientMessages.total}, of them request batches ${r.clientMessages.batches}`,
    `  linearizability: ${r.linearizability.keys} key histories, ${r.linearizability.operations} operations checked: `
      + `${r.linearizability.violations.length} violations, ${r.linearizability.inconclusive.length} inconclusive`,
    `  acknowledged writes lost: ${r.lostWrites.lost.length} (${r.lostWrites.keysChecked} keys read at the end, ${r.finalReads} final reads)`,
    `  watch: ${r.watch.events} events, ${r.watch.problems.length} problems`,
  ];
  for (const v of r.linearizability.violations.slice(0, 5)) lines.push(describeViolation(v));
  for (const v of r.linearizability.inconclusive) lines.push(`  key ${v.key}: search budget exhausted (${v.operations} operations)`);
  if (!r.lostWrites.ok) lines.push(describeLostWrites(r.lostWrites));
  for (const p of r.watch.problems.slice(0, 20)) lines.push(`  watch: ${p}`);
  for (const f of r.findings) lines.push(`  finding: ${f}`);
  for (const e of r.unexpectedExits) lines.push(`  ${e.id} log tail:\n${(e.logTail ?? '').split('\n').slice(-15).map((l) => `    ${l}`).join('\n')}`);
  if (r.dataDir) lines.push(`  data and node logs kept in ${r.dataDir}`);
  return lines.join('\n');
}
