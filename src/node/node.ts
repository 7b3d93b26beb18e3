// One running Keel node: the Raft core driven by a timer and by messages from NATS, its log on the
// segmented log, its hard state in raft-state, and the KV projection applied from committed entries.
// The ready loop itself (persist, send, apply, advance and its ordering rules) is ready-loop.ts;
// this file gives it the node's storage, transport and state machine.
import { trace, traceAs, tracing } from '../trace.js';
import type { NatsConnection } from 'nats';
import type { Logger } from 'pino';
import { decodeEntryCommands, encodeCommand, entryCodec, entryCodecFor } from '../codec/index.js';
import { CompactedError, InvalidArgumentError, NotLeaderError, UnavailableError } from '../codec/errors.js';
import type { ApplyOutcome, Command, RangeOp, RangeResult, RequestId } from '../codec/types.js';
import { SegmentedLog } from '../log/index.js';
import { ProposalDroppedError } from '../raft/errors.js';
import { RaftNode } from '../raft/node.js';
import type { ConfChange, ConfState, Entry, Message, Role } from '../raft/types.js';
import { KvStore, type KvStoreOptions } from '../store/kv-store.js';
import { RaftTransport, type RaftRejectCounters } from '../transport/raft-transport.js';
import { DiskFailpoint } from './disk-failpoint.js';
import { HardStateFile } from './hard-state.js';
import { AutoCompactor, type Retention } from './auto-compactor.js';
import { LeaderChanges } from './leader-changes.js';
import { startingMembership } from './starting-membership.js';
import { LeaseKeeper } from './lease-keeper.js';
import { StorageQuota } from './quota.js';
import { NodeStats } from './node-stats.js';
import { PendingWrites } from './pending-writes.js';
import { InputDrops } from './input-drops.js';
import { LeaderContact } from './leader-contact.js';
import { raftBatchCodec, type RaftBatch } from './raft-codec.js';
import { raftMessageProblem } from './raft-message-check.js';
import { ReadBatcher } from './read-batcher.js';
import { ProposedCommands } from './proposed-commands.js';
import { TurnProposals } from './turn-proposals.js';
import { ReadyLoop } from './ready-loop.js';
import { PeerSender } from './peer-sender.js';
import { AppliedWaiters } from './applied-waiters.js';
import type { ApiNode, NodeStatus } from './node-api.js';
import { WatchService } from './watch-service.js';
import { restoreFromDisk } from './snapshot-restore.js';
import { checkReceivedSnapshot, DEFAULT_SNAPSHOT_POLICY, Snapshotter, type SnapshotPolicy } from './snapshotter.js';
import type { DecodedSnapshot } from '../store/snapshot-codec.js';

/** Log space kept zero-filled ahead of the last record (at most this much disk beyond the records). */
const LOG_PREALLOCATE_BYTES = 1024 * 1024;

export interface NodeOptions {
  id: string;
  peers: string[];
  cluster: string;
  /** The node's own directory: <data>/<cluster>/<id>. */
  dir: string;
  nc: NatsConnection;
  logger: Logger;
  tickMs: number;
  electionTicks: number;
  heartbeatTicks: number;
  segmentBytes: number;
  /** How long a linearizable read may wait for its read index. */
  readTimeoutMs?: number;
  /** When to snapshot and how much log to keep (defaults: DEFAULT_SNAPSHOT_POLICY). */
  snapshot?: Partial<SnapshotPolicy>;
  /** Join an existing cluster: start with no voters and learn the membership from the leader. */
  join?: boolean;
  /** The cluster secret that authenticates Raft batches (raft-auth.ts); none: unauthenticated. */
  clusterKey?: Uint8Array;
  /** Automatic compaction of the revision history (leader only); null/undefined = off. */
  autoCompact?: Retention | null;
  /** Storage quota in bytes of live keys and values (quota.ts); 0/undefined = none. */
  quotaBytes?: number;
  /** Byte budget of one range page (default DEFAULT_RANGE_PAGE_BYTES; never above max_payload). */
  rangePageBytes?: number;
  /** Shortest lease TTL a grant may ask for (default: two election timeouts). */
  minLeaseTtlMs?: number;
  /** Bounds of the projection's history (and exactly-once table); defaults: STORE_DEFAULTS. */
  store?: KvStoreOptions;
}

export class KeelNode implements ApiNode {
  /** Replaced (never mutated in place) when a snapshot from the leader is installed. */
  private store: KvStore;
  readonly snapshots: Snapshotter;
  readonly pending = new PendingWrites();
  readonly reads: ReadBatcher;
  readonly leases: LeaseKeeper;
  private readonly autoCompactor: AutoCompactor | null;
  private readonly quota: StorageQuota;
  readonly watches: WatchService;
  /** Counts for metrics and the status page (node-stats.ts). */
  readonly stats: NodeStats;
  role: Role = 'follower';
  leader = '';
  term = 0;
  /** Input dropped or refused, by kind (counters for metrics; see input-drops.ts). */
  readonly drops: InputDrops;
  private readonly transport: RaftTransport;
  private readonly peerSender: PeerSender;
  private readonly loop: ReadyLoop<DecodedSnapshot>;
  private readonly appliedWaiters = new AppliedWaiters();
  private readonly leaderChanges = new LeaderChanges();
  private tickTimer: NodeJS.Timeout | null = null;
  private loopScheduled = false;
  private loopRunning: Promise<void> | null = null;
  private stopped = false;
  private failed: Error | null = null;
  /** The decoded form of a received snapshot Raft's checkSnapshot accepted (so it is decoded once). */
  private takeCheckedSnapshot: (bytes: Uint8Array) => DecodedSnapshot | undefined = () => undefined;
  /** Called once when persisting fails (the node serves no more; the process should leave and exit). */
  onFailure: (err: Error) => void = () => {};
  /** When the leader was last heard from (serializable reads and watches need a live leader). */
  private readonly leaderContact: LeaderContact;
  /** Called when this node gains or loses leadership (the API server follows it). */
  onLeaderChange: (isLeader: boolean) => void = () => {};

  private constructor(
    private readonly opts: NodeOptions,
    private readonly log: SegmentedLog<Entry>,
    private readonly hardState: HardStateFile,
    private readonly raft: RaftNode,
    store: KvStore,
    snapshotIndex: number,
    stats: NodeStats,
  ) {
    this.store = store;
    this.stats = stats;
    this.term = hardState.value.term;
    this.drops = new InputDrops(opts.logger);
    traceAs(opts.id);
    this.leaderContact = new LeaderContact(opts.tickMs * opts.electionTicks);
    this.snapshots = new Snapshotter({
      nodeDir: opts.dir,
      logger: opts.logger,
      log,
      raft,
      store: () => this.store,
      policy: { ...DEFAULT_SNAPSHOT_POLICY, ...opts.snapshot },
      startIndex: snapshotIndex,
    });
    this.transport = new RaftTransport(opts.nc, {
      cluster: opts.cluster,
      nodeId: opts.id,
      logger: opts.logger,
      clusterKey: opts.clusterKey,
      onBatch: (payload, from) => this.receive(payload, from),
      onError: (kind, err) => this.drops.drop(kind === 'subscription' ? 'subscriptionErrors' : 'handlerErrors', err, { subject: 'raft' }),
    });
    this.peerSender = new PeerSender(opts.id, this.transport, opts.logger);
    this.reads = new ReadBatcher({
      nodeId: opts.id,
      timeoutMs: opts.readTimeoutMs ?? 3000,
      appliedIndex: () => this.store.appliedIndex,
      requestReadIndex: (context) => {
        this.raft.readIndex(context);
        this.kick();
      },
    });
    const node = this;
    this.leases = new LeaseKeeper({ get store() { return node.store; }, propose: (cmd) => this.proposeInternal(cmd) });
    this.quota = new StorageQuota(opts.quotaBytes ?? 0, (alarm, bytes) => {
      opts.logger.warn({ alarm, bytes, quotaBytes: opts.quotaBytes }, 'alarm raised: the storage quota is exceeded; writes that grow the store are refused');
    });
    this.autoCompactor = opts.autoCompact ? new AutoCompactor({
      retention: opts.autoCompact,
      revision: () => this.store.revision,
      compactRevision: () => this.store.compactRevision,
      propose: (cmd) => this.proposeInternal(cmd),
    }) : null;
    this.watches = new WatchService({
      nc: opts.nc, cluster: opts.cluster, nodeId: opts.id, store: () => this.store, logger: opts.logger,
      hasLeader: () => this.hasLiveLeader(),
      leaderlessMs: 0, // hasLiveLeader already waits an election timeout
      onDropped: (kind, err) => this.drops.drop(kind, err, { subject: 'watch ack' }),
    });
    this.loop = this.makeReadyLoop();
    this.appliedWaiters.notify(store.appliedIndex);
  }

  /**
   * Opens the log and hard state; rebuilds the projection from the newest usable snapshot and Raft
   * from the snapshot's metadata plus the log after it (the log tail replays as entries commit).
   */
  static async open(opts: NodeOptions): Promise<KeelNode> {
    const stats = new NodeStats();
    const failpoint = DiskFailpoint.fromEnv(opts.dir);
    const log = await SegmentedLog.open<Entry>(opts.dir, {
      // Appends are written through (O_DSYNC): one system call per group commit; the metric times it.
      writeThrough: true,
      // ...into space zero-filled ahead, so that the write commits no new file size (segmented-log.ts).
      preallocateBytes: LOG_PREALLOCATE_BYTES,
      aroundDurableWrite: async (write) => {
        await failpoint?.check();
        const started = performance.now();
        await write();
        stats.onFsync((performance.now() - started) / 1000);
      },
      fsync: async (handle) => {
        await failpoint?.check();
        await handle.datasync();
      },
      codec: entryCodec,
      resolveCodec: (fp) => entryCodecFor(fp),
      segmentBytes: opts.segmentBytes,
      logger: opts.logger,
    });
    try {
      const hardState = await HardStateFile.open(opts.dir, failpoint ? () => failpoint.check() : undefined);
      const { snapshot, entries } = await restoreFromDisk(opts.dir, log, opts.logger);
      const stored = await startingMembership({
        log, hardState, snapshot: snapshot?.meta ?? null, entries, peers: opts.peers, join: opts.join ?? false, logger: opts.logger,
      });
      const hs = hardState.value;
      const commit = Math.min(hs.commit, log.lastIndex());
      let checked: { bytes: Uint8Array; decoded: DecodedSnapshot } | null = null; // the last snapshot Raft accepted
      const raft = new RaftNode(
        {
          id: opts.id,
          voters: stored ? stored.voters : opts.join ? [] : opts.peers,
          learners: stored?.learners ?? [],
          electionTick: opts.electionTicks,
          heartbeatTick: opts.heartbeatTicks,
          random: Math.random,
          maxMsgBytes: Math.min(900 * 1024, (opts.nc.info?.max_payload ?? 1024 * 1024) - 64 * 1024),
          checkSnapshot: (meta, data) => checkReceivedSnapshot(meta, data, (bytes, decoded) => { checked = { bytes, decoded }; }),
        },
        { hardState: { term: hs.term, vote: hs.vote, commit }, snapshot: snapshot?.meta ?? null, entries },
      );
      const retain = opts.snapshot?.retainEntries ?? DEFAULT_SNAPSHOT_POLICY.retainEntries;
      if (snapshot) raft.setSnapshot(snapshot.meta, null, retain); // bytes read from the file when a follower needs them
      const store = snapshot ? KvStore.fromSnapshot(snapshot.store, opts.store) : new KvStore(opts.store);
      opts.logger.info({ snapshotIndex: snapshot?.meta.index ?? 0, entries: entries.length, term: hs.term, commit: hs.commit }, 'node restored');
      const node = new KeelNode(opts, log, hardState, raft, store, snapshot?.meta.index ?? 0, stats);
      node.takeCheckedSnapshot = (bytes) => (checked?.bytes === bytes ? checked.decoded : undefined);
      return node;
    } catch (err) {
      await log.close();
      throw err;
    }
  }

  start(): void {
    this.transport.start();
    this.watches.start();
    this.tickTimer = setInterval(() => this.tick(), this.opts.tickMs);
    this.kick();
  }

  get isLeader(): boolean {
    return this.role === 'leader';
  }

  /** Set once persisting failed: the node serves no more. */
  get failure(): Error | null {
    return this.failed;
  }

  get id(): string { return this.opts.id; }
  get logger(): Logger { return this.opts.logger; }
  get cluster(): string { return this.opts.cluster; }
  get revision(): number { return this.store.revision; }
  range(op: RangeOp, at?: { revision?: number; maxBytes?: number }): RangeResult { return this.store.range(op, at); }
  get maxPayload(): number { return this.opts.nc.info?.max_payload ?? 1024 * 1024; }
  get rangePageBytes(): number | undefined { return this.opts.rangePageBytes; }
  get minLeaseTtlMs(): number { return this.opts.minLeaseTtlMs ?? 2 * this.opts.tickMs * this.opts.electionTicks; }
  leaseIds(): number[] { return this.store.leaseIds(); }
  conf(): ConfState { return this.raft.status().conf; }
  logTerm(index: number): number | undefined { return this.raft.logTerm(index); }
  waitApplied(index: number, timeoutMs: number, what: string): Promise<void> { return this.appliedWaiters.wait(index, timeoutMs, what); }

  /** True when this node leads, or heard from a leader within an election timeout, and its disk works. */
  hasLiveLeader(): boolean {
    return this.failed === null && this.leaderContact.live(this.role);
  }

  status(): NodeStatus {
    const st = this.raft.status();
    return {
      id: st.id, role: this.failed ? 'follower' : st.role, leader: this.hasLiveLeader() ? st.leader : '', term: st.term, conf: st.conf, commitIndex: st.commit,
      appliedIndex: this.store.appliedIndex, firstIndex: this.log.firstIndex(), lastIndex: this.log.lastIndex(),
      logBytes: this.log.sizeBytes(), revision: this.store.revision, compactRevision: this.store.compactRevision,
      keys: this.store.size, leases: this.store.leaseIds().length, dedupClients: this.store.dedupClientCount,
    };
  }

  /** Key and value bytes of the live keys (what the quota counts). */
  get storeBytes(): number { return this.store.bytes; }
  /** Active alarms of this node (quota.ts). */
  alarms(): string[] { return this.quota.alarms(); }
  disarmAlarms(): void {
    this.opts.logger.info({ alarms: this.quota.alarms() }, 'alarms disarmed');
    this.quota.disarm();
  }

  /** See MembershipNode.transferLeadership. The target defaults to the voter with the highest match index. */
  async transferLeadership(to: string, timeoutMs: number): Promise<string> {
    const st = this.raft.status();
    if (st.role !== 'leader') throw new NotLeaderError(`not the leader; leader is ${st.leader || 'unknown'}`);
    const target = to || st.conf.voters.filter((v) => v !== st.id).sort((a, b) => (st.progress[b]?.match ?? 0) - (st.progress[a]?.match ?? 0))[0];
    if (!target) throw new InvalidArgumentError('no other voter to hand leadership to');
    const steppedDown = this.leaderChanges.next(timeoutMs, `leadership transfer to ${target}`);
    this.raft.transferLeadership(target);
    this.kick();
    return steppedDown;
  }

  /** Proposes a membership change (leader only); see MembershipNode.proposeConfChange. */
  proposeConfChange(cc: ConfChange): { index: number; term: number } {
    try {
      this.raft.proposeConfChange(cc);
    } catch (err) {
      throw err instanceof ProposalDroppedError ? notLeader(err) : err;
    }
    this.kick();
    const st = this.raft.status();
    return { index: st.lastIndex, term: st.term };
  }

  /** Proposes a write and waits for its outcome (entries apply on a later turn, so nothing is missed). */
  write(cmd: Command, timeoutMs: number): Promise<ApplyOutcome> {
    if (!cmd.requestId) throw new Error('a write needs a request id');
    this.quota.check(cmd.op, this.store.bytes);
    this.propose(cmd);
    return this.pending.wait(cmd.requestId, timeoutMs);
  }

  /**
   * Proposes a command; throws NotLeaderError when this node is not the leader. The commands
   * proposed in one turn of the event loop reach Raft together, as few batch entries
   * (turn-proposals.ts) sent in one append message per follower; the decoded commands are
   * remembered so the leader does not decode them again to apply them.
   */
  private propose(cmd: Command): void {
    if (this.role !== 'leader') throw notLeader(new ProposalDroppedError('not the leader', this.leader));
    this.proposals.add(cmd, encodeCommand(cmd));
    this.stats.proposals++;
    this.kick();
  }

  private readonly proposals = new TurnProposals();
  private readonly proposedCommands = new ProposedCommands();

  private flushProposals(): void {
    const count = this.proposals.size;
    if (count === 0) return;
    const entries = this.proposals.take();
    try {
      this.raft.proposeBatch(entries.map((e) => e.data));
      for (const e of entries) this.proposedCommands.remember(e.data, e.commands);
      if (tracing) trace('proposed', this.raft.status().lastIndex, `n=${count}`);
    } catch (err) {
      this.stats.proposalsFailed += count;
      if (!(err instanceof ProposalDroppedError)) throw err;
      const refusal = notLeader(err);
      for (const e of entries) for (const cmd of e.commands) if (cmd.requestId) this.pending.fail(cmd.requestId, refusal);
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.watches.stop();
    if (this.tickTimer) clearInterval(this.tickTimer);
    await this.transport.stop();
    while (this.loopRunning) await this.loopRunning;
    await this.snapshots.idle();
    const err = new UnavailableError(`node ${this.opts.id} is stopping; ask another node`);
    this.pending.failAll(err);
    this.reads.failAll(err);
    this.appliedWaiters.failAll(err);
    await this.log.close();
    await this.hardState.close();
    const drops = this.drops.counters;
    const raftRejects = this.transport.rejected;
    if ([...Object.values(drops), ...Object.values(raftRejects)].some((n) => n > 0)) {
      this.opts.logger.info({ drops, raftRejects }, 'input dropped while running');
    }
  }

  private proposeInternal(cmd: Command): boolean {
    try {
      this.propose(cmd);
      return true;
    } catch {
      return false;
    }
  }

  private tick(): void {
    this.raft.tick();
    this.leases.tick();
    this.autoCompactor?.tick();
    this.kick();
  }

  /**
   * Sends the commit notices the ready loop held back (peer-sender.ts). Called right after a client
   * reply is published, so they leave in the same socket write, behind the reply.
   */
  afterReply(): void {
    this.peerSender.sendHeld();
  }

  /** Raft batches the transport dropped as unauthenticated, by reason. */
  get raftRejects(): Readonly<RaftRejectCounters> {
    return this.transport.rejected;
  }

  private receive(payload: Uint8Array, authenticatedFrom: string | null): void {
    if (this.stopped) return;
    let batch: RaftBatch;
    try {
      batch = raftBatchCodec.decode(payload);
    } catch (err) {
      this.drops.drop('raftMalformed', err, { bytes: payload.length });
      return;
    }
    // A node's key authenticates it, not the ids written inside its batches.
    if (authenticatedFrom !== null && (batch.from !== authenticatedFrom || batch.messages.some((m) => m.from !== authenticatedFrom))) {
      this.transport.reject('wrongSender', authenticatedFrom);
      return;
    }
    const { lastIndex, term } = this.raft.status();
    const check = { self: this.opts.id, batchFrom: batch.from, lastIndex, term };
    let fromLeaderish = '';
    for (const m of batch.messages) {
      if (tracing) trace('recv-' + m.type, m.entries.length ? m.entries[m.entries.length - 1]!.index : m.index, `from=${m.from} commit=${m.commit}`);
      const problem = raftMessageProblem(m, check);
      if (problem) {
        this.drops.drop('raftRejected', problem, { from: batch.from, type: m.type });
        continue;
      }
      if (m.type === 'app' || m.type === 'heartbeat' || m.type === 'snap') fromLeaderish = m.from;
      try {
        this.raft.step(m);
      } catch (err) {
        // A message the core cannot take (an append that leaves a gap, ...) is dropped, like a lost one.
        this.drops.drop('raftStepFailed', err, { from: m.from, type: m.type, term: m.term, index: m.index });
      }
    }
    if (fromLeaderish !== '' && this.raft.status().leader === fromLeaderish) this.leaderContact.heard();
    this.kick();
  }

  /** Schedules the ready loop for the next turn, so everything arriving in this turn is batched. */
  private kick(): void {
    if (this.loopScheduled || this.stopped || this.failed) return;
    this.loopScheduled = true;
    setImmediate(() => {
      this.loopScheduled = false;
      if (this.loopRunning || this.stopped) return;
      this.loopRunning = this.runLoop().finally(() => {
        this.loopRunning = null;
        if (this.proposals.size > 0 || this.raft.hasReady()) this.kick();
      });
    });
  }

  private async runLoop(): Promise<void> {
    try {
      await this.loop.run();
    } catch (err) {
      // A failed fsync or write leaves the disk state unknown: stop serving rather than guess.
      this.failed = err as Error;
      this.opts.logger.fatal({ err }, 'persisting the raft log failed; the node stops serving');
      if (this.tickTimer) clearInterval(this.tickTimer);
      this.role = 'follower'; // never shown as leader again
      this.leader = '';
      this.onLeaderChange(false);
      this.onFailure(this.failed);
    }
  }

  /** The ready loop over this node's log, raft-state file, NATS transport and KV projection. */
  private makeReadyLoop(): ReadyLoop<DecodedSnapshot> {
    return new ReadyLoop<DecodedSnapshot>({
      raft: this.raft,
      beforeReady: () => this.flushProposals(),
      storage: {
        persistedHardState: () => this.hardState.value,
        installSnapshot: (snapshot) => this.snapshots.install(snapshot, this.takeCheckedSnapshot(snapshot.data)),
        append: async (entries) => {
          const first = entries[0]!.index;
          if (first <= this.log.lastIndex()) await this.log.truncateSuffix(first);
          await this.log.append(entries);
        },
        saveHardState: async (hs) => {
          await this.hardState.save(hs);
          this.term = hs.term;
        },
      },
      transport: this.peerSender,
      stateMachine: {
        onSoftState: (soft) => this.changeRole(soft.role, soft.leader),
        restore: (installed) => this.replaceStore(KvStore.fromSnapshot(installed.store, this.opts.store)),
        apply: (entries) => this.apply(entries),
        onReadStates: (states) => { for (const rs of states) this.reads.onReadState(rs.context, rs.index); },
        afterReady: () => {
          this.appliedWaiters.notify(this.store.appliedIndex);
          this.snapshots.maybeSnapshot();
        },
      },
    });
  }

  /** The projection jumps to a snapshot: watches on the old one end (their clients resume elsewhere or re-watch). */
  private replaceStore(next: KvStore): void {
    const old = this.store;
    this.store = next;
    old.watches.closeAll(new CompactedError(old.revision + 1, next.revision));
    this.reads.onApplied(next.appliedIndex);
  }

  private apply(entries: Entry[]): void {
    if (entries.length === 0) return;
    for (const e of entries) {
      const cmds = this.commandsOf(e);
      this.snapshots.applied(e.index, cmds?.length ?? 0);
      if (!cmds) {
        this.store.skip(e.index);
        continue;
      }
      this.store.applyEntry(e.index, cmds, (cmd, outcome) => {
        if (cmd.requestId) this.pending.applied(cmd.requestId, outcome);
        this.leases.onApplied(cmd, outcome);
      });
    }
    this.quota.observe(this.store.bytes);
    this.reads.onApplied(this.store.appliedIndex);
  }

  /** The commands a committed entry carries; null for one without (a configuration change, or bytes that do not decode). */
  private commandsOf(e: Entry): readonly Command[] | null {
    if (e.type !== 'normal' || e.data.length === 0) return null;
    const proposed = this.proposedCommands.take(e.data);
    if (proposed) return proposed;
    try {
      return decodeEntryCommands(e.data);
    } catch (err) {
      // Committed bytes that do not decode: every replica skips them the same way.
      this.stats.undecodableEntries++;
      this.opts.logger.error({ err, index: e.index }, 'skipping an undecodable committed entry');
      return null;
    }
  }

  private changeRole(role: Role, leader: string): void {
    const wasLeader = this.role === 'leader';
    if (leader !== '' && leader !== this.leader) this.reads.retryInFlight();
    this.role = role;
    this.leader = leader;
    const isLeader = role === 'leader';
    const term = this.raft.status().term;
    this.stats.leaderSeen(leader, term);
    this.opts.logger.info({ role, leader, term }, 'raft role changed');
    this.leaderChanges.notify(role, leader);
    if (wasLeader !== isLeader) {
      this.proposedCommands.clear();
      this.leases.onLeaderChange(isLeader);
      this.autoCompactor?.onLeaderChange(isLeader);
      this.onLeaderChange(isLeader);
    }
  }
}

/** The one place a refused proposal becomes the client's NotLeaderError (with the leader to retry at). */
function notLeader(err: ProposalDroppedError): NotLeaderError {
  return new NotLeaderError(`not the leader (${err.message}); leader is ${err.leader || 'unknown'}`);
}
