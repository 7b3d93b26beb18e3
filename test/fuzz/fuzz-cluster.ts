// Runs the hostile payloads of hostile.ts against a real 3-node cluster (nats-server + `keel serve`
// processes) and checks that it survived: every node still answers, the cluster still commits
// writes, and each node's memory (RSS) stayed within a bound. Used by the short profile in
// `npm test` and by `npm run fuzz` (the full run).
import { readFile, rm } from 'node:fs/promises';
import { connect as natsConnect } from 'nats';
import { connect } from '../../src/client/index.js';
import { encodeRequest, decodeResponse } from '../../src/codec/index.js';
import { startLocalCluster } from '../../src/node/local-cluster.js';
import { natsConnectionOptions } from '../../src/transport/api-connect.js';
import { RaftAuth, readClusterKey } from '../../src/transport/raft-auth.js';
import { subjectFor } from '../../src/transport/subjects.js';
import { HostilePayloads, type Payload } from './hostile.js';

export interface FuzzOptions {
  seed: number;
  payloads: number;
  /** Every node is asked for its status after this many payloads (keeps the backlog bounded). */
  probeEvery?: number;
  /** Allowed RSS growth per node, bytes. */
  rssBoundBytes?: number;
  log?: (line: string) => void;
  /**
   * Run the cluster secured (NATS permissions, Raft MACs): the fuzz connects as the node and admin
   * identities and seals most Raft payloads with the cluster key, so they pass the MAC and reach
   * the decoder and Raft's step; the rest go unsealed and must be rejected by the MAC check.
   */
  secure?: boolean;
}

export interface FuzzReport {
  seed: number;
  sent: number;
  byKind: Record<Payload['kind'], number>;
  byForm: Record<Payload['form'], number>;
  /** Payloads the NATS client refused to publish (above max_payload). */
  unsendable: number;
  /** Secure runs: Raft payloads sealed with the cluster key (the rest were sent unsealed). */
  sealed: number;
  /** Answers received to fuzzed requests. */
  answers: number;
  probes: number;
  writesAfter: number;
  rssBefore: Record<string, number>;
  rssAfter: Record<string, number>;
  /** Each node's input-drop counters, from the summary it logs when it stops. */
  drops: Record<string, Record<string, number>>;
  failures: string[];
}

const CLUSTER = 'fuzz';
const SETTLE_MS = 7000; // past the watch ack timeout (5 s): watches the fuzz created are freed

export async function fuzzCluster(o: FuzzOptions): Promise<FuzzReport> {
  const log = o.log ?? (() => {});
  const probeEvery = o.probeEvery ?? 200;
  const rssBound = o.rssBoundBytes ?? 256 * 1024 * 1024;
  const cluster = await startLocalCluster({ size: 3, cluster: CLUSTER, logLevel: 'info', secure: o.secure });
  const report: FuzzReport = {
    seed: o.seed, sent: 0, byKind: { raft: 0, api: 0, watchAck: 0, junkSubject: 0 }, byForm: { hostile: 0, mutated: 0, random: 0 },
    unsendable: 0, sealed: 0, answers: 0, probes: 0, writesAfter: 0, rssBefore: {}, rssAfter: {}, drops: {}, failures: [],
  };
  const sec = cluster.security;
  // Secure: the node identity may publish on Raft and client subjects, the admin one on admin subjects.
  const nc = await natsConnect({ ...(await natsConnectionOptions({ servers: cluster.nats.url, nkeyFile: sec?.seeds.node })), name: 'keel-fuzz' });
  const adminNc = sec ? await natsConnect(await natsConnectionOptions({ servers: cluster.nats.url, nkeyFile: sec.seeds.admin })) : nc;
  const auth = sec ? new RaftAuth(await readClusterKey(sec.clusterKey), CLUSTER) : null;
  const client = await connect({ servers: cluster.nats.url, cluster: CLUSTER, deadlineMs: 30_000 });
  try {
    await waitForAllNodes(client, cluster.ids, 30_000);
    await client.put('fuzz/before', 'x');
    for (const id of cluster.ids) report.rssBefore[id] = await rssOf(cluster.nodes.get(id)!.child.pid!);

    const replyPrefix = `_INBOX.fuzz${o.seed}`;
    const answers = nc.subscribe(`${replyPrefix}.>`, { callback: () => { report.answers++; } });
    const gen = new HostilePayloads(o.seed, CLUSTER, cluster.ids, replyPrefix);
    const started = Date.now();
    for (let i = 0; i < o.payloads; i++) {
      const p = gen.next();
      let data = p.data;
      if (auth && p.raft && i % 10 < 7) {
        data = auth.seal(p.raft.from, p.raft.to, p.data);
        report.sealed++;
      }
      try {
        const via = p.subject.startsWith(`keel.${CLUSTER}.admin.`) ? adminNc : nc;
        via.publish(p.subject, data, p.reply ? { reply: p.reply } : undefined);
        report.sent++;
        report.byKind[p.kind]++;
        report.byForm[p.form]++;
      } catch {
        report.unsendable++;
      }
      if ((i + 1) % probeEvery === 0) {
        await nc.flush();
        await probeAll(nc, cluster.ids, report, `after payload ${i + 1}`);
        if ((i + 1) % (probeEvery * 25) === 0) log(`${i + 1} payloads, ${report.answers} answers, ${Math.round((Date.now() - started) / 1000)} s`);
      }
    }
    await nc.flush();
    answers.unsubscribe();

    // The cluster still commits writes and every node still answers.
    log('fuzz sent; checking the cluster');
    await waitForAllNodes(client, cluster.ids, 60_000).catch((err: Error) => report.failures.push(`after the fuzz: ${err.message}`));
    for (let i = 0; i < 10 && report.writesAfter === i; i++) {
      try {
        await client.put(`fuzz/after/${i}`, String(i));
        report.writesAfter++;
      } catch (err) {
        report.failures.push(`write ${i} after the fuzz failed: ${(err as Error).message}`);
        log(`write ${i} after the fuzz failed: ${(err as Error).message}`);
      }
    }
    const read = await client.get('fuzz/after/9').catch(() => null);
    if (read?.value.toString() !== '9') report.failures.push('a linearizable read after the fuzz did not return the last write');
    await probeAll(nc, cluster.ids, report, 'after the writes');

    await new Promise((r) => setTimeout(r, SETTLE_MS));
    for (const id of cluster.ids) {
      const pid = cluster.nodes.get(id)!.child.pid!;
      report.rssAfter[id] = await rssOf(pid);
      const grew = report.rssAfter[id]! - report.rssBefore[id]!;
      if (grew > rssBound) report.failures.push(`node ${id} RSS grew by ${mib(grew)} MiB (bound ${mib(rssBound)} MiB)`);
    }
  } finally {
    await client.close().catch(() => {});
    await nc.close().catch(() => {});
    if (adminNc !== nc) await adminNc.close().catch(() => {});
    await cluster.stop({ keepData: true });
    for (const id of cluster.ids) report.drops[id] = dropSummary(await cluster.nodeLog(id));
    if (report.failures.length > 0) log(`node logs kept in ${cluster.dataDir}`);
    else await rm(cluster.dataDir, { recursive: true, force: true });
  }
  return report;
}

/** Asks every node for its status on its own subject; a node that does not answer is a failure. */
async function probeAll(nc: import('nats').NatsConnection, ids: string[], report: FuzzReport, when: string): Promise<void> {
  await Promise.all(ids.map(async (id) => {
    try {
      const msg = await nc.request(subjectFor(CLUSTER, 'status', id), encodeRequest({ requestId: null, body: { type: 'status' } }), { timeout: 20_000 });
      const res = decodeResponse(msg.data);
      if (res.error) throw new Error(res.error.message);
      report.probes++;
    } catch (err) {
      report.failures.push(`node ${id} did not answer its status ${when}: ${(err as Error).message}`);
    }
  }));
}

async function waitForAllNodes(client: Awaited<ReturnType<typeof connect>>, ids: string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const st = await client.clusterStatus().catch(() => null);
    const answering = st?.members.filter((m) => m.status).length ?? 0;
    if (st && answering === ids.length && st.members.some((m) => m.status?.role === 'leader')) return;
    if (Date.now() > deadline) throw new Error(`${answering} of ${ids.length} nodes answer, leader ${st?.leader || 'none'}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  return Number(kb) * 1024;
}

/** The counters a node logs when it stops ("input dropped while running"). */
function dropSummary(nodeLog: string): Record<string, number> {
  const lines = nodeLog.split('\n').filter((l) => l.includes('input dropped while running'));
  const last = lines.at(-1);
  if (!last) return {};
  try {
    const parsed = JSON.parse(last) as { drops: Record<string, number>; raftRejects?: Record<string, number> };
    const rejects = Object.fromEntries(Object.entries(parsed.raftRejects ?? {}).map(([k, v]) => [`mac.${k}`, v]));
    return { ...parsed.drops, ...rejects };
  } catch {
    return {};
  }
}

export function mib(bytes: number): number {
  return Math.round(bytes / (1024 * 1024));
}

export function describe(r: FuzzReport): string {
  return [
    `seed ${r.seed}: sent ${r.sent} payloads (${r.sealed} raft payloads sealed with the cluster key) (${JSON.stringify(r.byKind)}, ${JSON.stringify(r.byForm)}), ${r.unsendable} unsendable`,
    `answers to fuzzed requests ${r.answers}, status probes answered ${r.probes}, writes committed after ${r.writesAfter}/10`,
    `RSS MiB before ${JSON.stringify(mapValues(r.rssBefore, mib))} after ${JSON.stringify(mapValues(r.rssAfter, mib))}`,
    `drops per node ${JSON.stringify(r.drops)}`,
    r.failures.length === 0 ? 'no failures' : `FAILURES (replay with --seed ${r.seed}):\n  ${r.failures.join('\n  ')}`,
  ].join('\n');
}

function mapValues(o: Record<string, number>, f: (n: number) => number): Record<string, number> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v)]));
}
