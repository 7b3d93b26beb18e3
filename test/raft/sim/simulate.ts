// One deterministic simulation run: a 3- or 5-node cluster driven by a single seed through message
// loss, delay, reordering, duplication, partitions, crashes, restarts, membership changes,
// leadership transfers, snapshots and ReadIndex; then the faults stop and the cluster must make
// progress within a bounded number of ticks. Every node runs src/node's ready loop over a disk whose
// writes complete steps later; the run is async only so that the loop's awaits can resume, and
// stays a function of the seed (no real I/O or timers take part).
import { ProposalDroppedError, ConfChangeRejectedError, type RaftCoreClass, type NodeId } from '../../../src/raft/index.js';
import { ReadyLoop } from '../../../src/node/ready-loop.js';
import { Checker, SafetyViolation } from './checker.js';
import { SimNode, type ReadyLoopClass, type World } from './cluster.js';
import { Network } from './network.js';
import { Rng } from './rng.js';

export interface SimOptions {
  seed: number;
  steps?: number;
  /** 3 or 5; by default chosen by the seed. */
  size?: number;
  /** Substitute Raft core (tests plant bugs with it). */
  core?: RaftCoreClass;
  /** Chance per step that a node crashes (default 0.006). */
  crashRate?: number;
  /** Chance per step that the current leader crashes (default 0.002). */
  leaderCrashRate?: number;
  /** Substitute ready loop (tests plant bugs in a subclass of src/node's ReadyLoop). */
  loop?: ReadyLoopClass;
  /** Chance per step that a node with a disk write pending crashes before it completes (default 0.001). */
  tornWriteRate?: number;
  /** Most steps a disk write takes to become durable (default: 0 to 3, chosen by the seed). */
  diskDelay?: number;
  /** Chance per step that a partition starts (default 0.005). */
  partitionRate?: number;
  /** Override the per-message entry byte cap (default: chosen by the seed). */
  maxMsgBytes?: number;
  /** Ticks allowed, once faults stop, for a proposal to commit and then between steps of the members' catch-up. */
  livenessTicks?: number;
}

/** A harsher profile: frequent (leader) crashes and partitions, about one entry per append message. */
export const STRESS = { crashRate: 0.03, leaderCrashRate: 0.05, partitionRate: 0.03, maxMsgBytes: 30 } as const;

export interface SimResult {
  seed: number;
  ok: boolean;
  error?: string;
  step?: number;
  stats: {
    committed: number; messages: number; crashes: number; snapshots: number; confChanges: number; transfers: number; reads: number;
    leadersElected: number; snapshotsInstalled: number; readsAnswered: number; configsApplied: number;
  };
}

const encoder = new TextEncoder();

export async function simulate(opts: SimOptions): Promise<SimResult> {
  const rng = new Rng(opts.seed);
  const steps = opts.steps ?? 2000;
  const size = opts.size ?? (rng.chance(0.5) ? 3 : 5);
  const livenessTicks = opts.livenessTicks ?? 400;
  const initial = Array.from({ length: size }, (_, i) => `n${i + 1}`);
  const spares = [`n${size + 1}`, `n${size + 2}`];
  const net = new Network(rng, { loss: rng.next() * 0.1, duplicate: rng.next() * 0.05, maxDelay: rng.int(0, 4) });
  const diskDelay = opts.diskDelay ?? rng.int(0, 3);
  const checker = new Checker();
  const world: World = { now: 0, net, checker, reads: new Map(), removed: new Set() };
  const { reads, removed } = world;
  const nodes = new Map<NodeId, SimNode>();
  const stats: SimResult['stats'] = {
    committed: 0, messages: 0, crashes: 0, snapshots: 0, confChanges: 0, transfers: 0, reads: 0,
    leadersElected: 0, snapshotsInstalled: 0, readsAnswered: 0, configsApplied: 0,
  };
  const finishStats = () => {
    stats.committed = checker.maxCommitted;
    stats.messages = net.sent;
    stats.leadersElected = checker.leadersElected;
    Object.assign(stats, checker.seen);
  };
  const raftOptions = {
    electionTick: 10, heartbeatTick: 1, preVote: true, checkQuorum: true,
    maxMsgBytes: opts.maxMsgBytes ?? rng.pick([64, 256, 4096]), maxInflight: rng.pick([1, 4, 64]), snapshotChunkBytes: rng.pick([8, 32, 1024]),
  };
  const addNode = (id: NodeId, voters: NodeId[]) => {
    const n = new SimNode(id, { id, voters, ...raftOptions }, opts.core, world, opts.loop ?? ReadyLoop, rng, diskDelay);
    n.start(rng);
    nodes.set(id, n);
  };
  for (const id of initial) addNode(id, initial);

  let now = 0;
  let proposals = 0;
  let readSeq = 0;
  const live = () => [...nodes.values()].filter((n) => n.live);
  const leader = () => live().find((n) => n.role === 'leader');

  /** Lets every running loop resume until it waits for the disk or is done (a bounded number of microtask turns). */
  const settle = async () => {
    for (let turns = 0; !live().every((n) => n.settled); turns++) {
      if (turns > 10_000) throw new Error('a ready loop neither finished nor waited for the disk');
      await null;
    }
    for (const n of nodes.values()) n.throwIfFailed();
  };

  const runStep = async (readyChance: number) => {
    world.now = now;
    for (const n of live()) n.raft!.tick();
    for (const m of net.due(now)) {
      const to = nodes.get(m.to);
      if (to?.raft) to.raft.step(m);
    }
    // Writes due by now become durable; the loops waiting for them go on (and may take their next Ready).
    for (const n of live()) n.disk.complete(now);
    await settle();
    for (const n of live()) if (rng.chance(readyChance)) n.startReady();
    await settle();
    // A node may lose power while a write is pending (it may or may not have reached the disk).
    if (readyChance < 1) {
      for (const n of live()) {
        if (n.disk.busy && rng.chance(opts.tornWriteRate ?? 0.001)) { n.crash(); stats.crashes++; }
      }
    }
    // A node whose removal was applied somewhere is shut down for good (an operator would).
    for (const id of removed) {
      const n = nodes.get(id);
      if (n && !n.decommissioned) {
        n.decommissioned = true;
        n.crash();
      }
    }
    now++;
  };

  const faults = () => {
    const ld = leader();
    if (ld && rng.chance(0.3)) {
      try { ld.raft!.propose(encoder.encode(`v${++proposals}`)); } catch (e) { if (!(e instanceof ProposalDroppedError)) throw e; }
    }
    if (rng.chance(0.05)) {
      const n = rng.pick(live().length > 0 ? live() : [...nodes.values()]);
      if (n.raft) {
        const ctx = `r${++readSeq}`;
        let minIndex = 0;
        for (const m of nodes.values()) minIndex = Math.max(minIndex, m.storage.hardState.commit);
        reads.set(ctx, { minIndex });
        n.raft.readIndex(ctx);
        stats.reads++;
      }
    }
    const members = [...nodes.values()].filter((n) => !n.decommissioned);
    if (rng.chance(opts.crashRate ?? 0.006)) {
      const n = rng.pick(members);
      if (n.live) { n.crash(); stats.crashes++; }
    }
    const ldc = leader();
    if (ldc && rng.chance(opts.leaderCrashRate ?? 0.002)) { ldc.crash(); stats.crashes++; }
    if (rng.chance(0.05)) {
      const down = members.filter((n) => !n.live);
      if (down.length > 0) rng.pick(down).start(rng);
    }
    if (rng.chance(opts.partitionRate ?? 0.005)) {
      const ids = members.map((n) => n.id);
      const ld2 = leader();
      if (ld2 && rng.chance(0.5)) net.partition([[ld2.id], ids.filter((i) => i !== ld2.id)]); // isolate the leader
      else net.partition([ids.filter(() => rng.chance(0.5)), []].map((g, i) => (i === 0 ? g : ids.filter((x) => !g.includes(x)))));
    }
    if (net.partitioned() && rng.chance(0.02)) net.heal();
    const ld3 = leader();
    if (ld3 && rng.chance(0.01)) changeMembership(ld3);
    const ld4 = leader();
    if (ld4 && rng.chance(0.005)) {
      const ld = ld4;
      const to = rng.pick(ld.raft!.status().conf.voters);
      ld.raft!.transferLeadership(to);
      stats.transfers++;
    }
    if (rng.chance(0.03)) {
      const n = rng.pick(members);
      if (n.live && n.takeSnapshot(rng.int(0, 5))) stats.snapshots++;
    }
  };

  const changeMembership = (ld: SimNode) => {
    const conf = ld.raft!.status().conf;
    const spare = spares.find((s) => !nodes.has(s));
    const roll = rng.next();
    try {
      if (roll < 0.4 && spare) {
        ld.raft!.proposeConfChange({ type: 'addLearner', node: spare });
        addNode(spare, []);
      } else if (roll < 0.7 && conf.learners.length > 0) {
        ld.raft!.proposeConfChange({ type: 'promote', node: rng.pick(conf.learners) });
      } else if (conf.voters.length > 3 || conf.learners.length > 0) {
        const candidates = conf.voters.length > 3 ? [...conf.voters, ...conf.learners] : conf.learners;
        ld.raft!.proposeConfChange({ type: 'remove', node: rng.pick(candidates) });
      } else return;
      stats.confChanges++;
    } catch (e) {
      if (!(e instanceof ConfChangeRejectedError) && !(e instanceof ProposalDroppedError)) throw e;
    }
  };

  try {
    for (; now < steps; ) {
      faults();
      await runStep(0.85);
    }
    // Faults stop: heal, restart every member, deliver reliably. A fresh proposal must commit.
    net.heal();
    net.faults = { loss: 0, duplicate: 0, maxDelay: net.faults.maxDelay };
    for (const n of nodes.values()) if (!n.live && !n.decommissioned) n.start(rng);
    const marker = `final-${opts.seed}`;
    // A fresh proposal must commit within livenessTicks; then every member (per the leader's
    // configuration) must catch up to the leader, never going livenessTicks without progress (a
    // far-behind learner catches up at the pace of appends and fsyncs, so no fixed budget fits).
    const started = now;
    let deadline = now + livenessTicks;
    let committed = false;
    let converged = false;
    let appliedSum = -1;
    while (now < deadline && !converged) {
      const ld = leader();
      if (ld && !committed && now % 20 === 0) {
        try { ld.raft!.propose(encoder.encode(marker)); } catch (e) { if (!(e instanceof ProposalDroppedError)) throw e; }
      }
      await runStep(1);
      committed ||= checker.committedKeys.has(`normal:${marker}`);
      const ld2 = leader();
      if (committed && ld2) {
        const conf = ld2.raft!.status().conf;
        const members = [...conf.voters, ...conf.learners].map((id) => nodes.get(id)?.applied ?? -1);
        converged = members.every((applied) => applied >= ld2.applied);
        const sum = members.reduce((a, b) => a + b, 0);
        if (sum > appliedSum) {
          appliedSum = sum;
          deadline = Math.min(now + livenessTicks, started + 20 * livenessTicks);
        }
      }
    }
    finishStats();
    if (!committed || !converged) {
      const st = [...nodes.values()].map((n) => `${n.id}:${n.live ? n.role : 'down'}@${n.term}/applied ${n.applied}`).join(' ');
      const what = committed ? `members stopped catching up for ${livenessTicks} ticks` : `no proposal committed within ${livenessTicks} ticks`;
      return { seed: opts.seed, ok: false, step: now, error: `liveness: ${what} after faults stopped (${st})`, stats };
    }
    return { seed: opts.seed, ok: true, stats };
  } catch (e) {
    finishStats();
    if (e instanceof SafetyViolation) return { seed: opts.seed, ok: false, step: now, error: e.message, stats };
    const err = e as Error;
    return { seed: opts.seed, ok: false, step: now, error: `crash: ${err.stack ?? err.message}`, stats };
  }
}
