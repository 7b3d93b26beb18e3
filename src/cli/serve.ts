// keel serve: runs one node until SIGINT/SIGTERM.
import type { Argv } from 'yargs';
import type { NodeFlags } from '../node/config.js';

export function serveCommand<T>(y: Argv<T>): Argv<T> {
  return y.command('serve', 'run one Keel node (flags > KEEL_* env > --config file > defaults)', (c) => c
    .option('id', { type: 'string', group: 'Node:', describe: 'this node\'s id (KEEL_ID)' })
    .option('peers', { type: 'string', group: 'Node:', describe: 'every initial voter, comma-separated, this node included (KEEL_PEERS)' })
    .option('data', { type: 'string', group: 'Node:', describe: 'data root; files go under <data>/<cluster>/<id> (KEEL_DATA) [default: segments]' })
    .option('config', { type: 'string', group: 'Node:', describe: 'JSON config file with these settings in camelCase (KEEL_CONFIG)' })
    .option('log-level', { type: 'string', group: 'Node:', describe: 'fatal|error|warn|info|debug|trace|silent (KEEL_LOG_LEVEL) [default: info]' })
    .option('election-tick-ms', { type: 'number', group: 'Tuning:', describe: 'one Raft tick [default: 100]' })
    .option('election-ticks', { type: 'number', group: 'Tuning:', describe: 'ticks before an election [default: 10]' })
    .option('heartbeat-ticks', { type: 'number', group: 'Tuning:', describe: 'ticks between heartbeats [default: 1]' })
    .option('segment-bytes', { type: 'number', group: 'Tuning:', describe: 'log segment size [default: 64 MiB]' })
    .option('snapshot-every-entries', { type: 'number', group: 'Tuning:', describe: 'snapshot after this many applied log entries (a batch entry counts once per write in it) [default: 100000]' })
    .option('retain-entries', { type: 'number', group: 'Tuning:', describe: 'log entries kept below a snapshot for lagging followers, counted the same way [default: 5000]' })
    .option('snapshot-log-bytes', { type: 'number', group: 'Tuning:', describe: 'also snapshot when the log grew by this many bytes [default: 64 MiB]' })
    .option('cluster-key-file', { type: 'string', group: 'Node:', describe: 'file holding the cluster secret that authenticates Raft traffic; the same on every node (KEEL_CLUSTER_KEY_FILE; keel nats-config writes one)' })
    .option('join', { type: 'boolean', group: 'Node:', describe: 'join an existing cluster after `keel member add <id>`: start with no voters and learn the membership from the leader (KEEL_JOIN)' })
    .option('metrics-addr', { type: 'string', group: 'Node:', describe: 'serve /metrics, /livez, /readyz and the status page at host:port (port 0 = any free port; KEEL_METRICS_ADDR) [default: off]' })
    .option('auto-compact-retention', { type: 'string', group: 'Tuning:', describe: 'the leader compacts the revision history: keep the last N revisions ("10000") or a period ("30m", "1h") (KEEL_AUTO_COMPACT_RETENTION) [default: off]' })
    .option('quota-bytes', { type: 'number', group: 'Tuning:', describe: 'storage quota: bytes of live keys and values; past it writes that grow the store get NoSpace until `keel alarm disarm` (KEEL_QUOTA_BYTES; 0 = none) [default: 2 GiB]' })
    .option('max-key-bytes', { type: 'number', group: 'Tuning:', describe: '[default: 4096]' })
    .option('max-value-bytes', { type: 'number', group: 'Tuning:', describe: '[default: 786432]' })
    .option('max-txn-ops', { type: 'number', group: 'Tuning:', describe: '[default: 128]' })
    .option('min-lease-ttl-ms', { type: 'number', group: 'Limits:', describe: 'shortest lease TTL granted, at least two election timeouts (KEEL_MIN_LEASE_TTL_MS) [default: 2 election timeouts = 2000]' })
    .option('history-revisions', { type: 'number', group: 'Limits:', describe: 'watch history / reads at a revision keep at least this many revisions (KEEL_HISTORY_REVISIONS) [default: 100000]' })
    .option('history-bytes', { type: 'number', group: 'Limits:', describe: '...but at most about this many bytes of keys and values; older revisions answer Compacted (KEEL_HISTORY_BYTES) [default: 256 MiB]' })
    .option('dedup-max-bytes', { type: 'number', group: 'Limits:', describe: 'exactly-once table size; least recently seen clients are forgotten first (KEEL_DEDUP_MAX_BYTES) [default: 64 MiB]' })
    .option('dedup-idle-entries', { type: 'number', group: 'Limits:', describe: 'forget a client with no write for this many applied log entries (KEEL_DEDUP_IDLE_ENTRIES) [default: 1000000]' })
    .option('range-page-bytes', { type: 'number', group: 'Limits:', describe: 'byte budget of one range page; clients follow the pages (KEEL_RANGE_PAGE_BYTES) [default: 512 KiB, never above max_payload]' })
    .option('heap-growth-percent', { type: 'number', group: 'Tuning:', describe: 'how far V8 lets the heap grow past what its last full GC kept before the next one, in percent: more memory, fewer full GCs (KEEL_HEAP_GROWTH_PERCENT; 0 = V8\'s own choice) [default: 200]' })
    .option('parent-pid', { type: 'number', hidden: true, describe: 'stop when this process is gone (used by keel dev)' }),
  (a) => serve(a as unknown as NodeFlags & { parentPid?: number }));
}

async function serve(flags: NodeFlags & { parentPid?: number }): Promise<void> {
  // The node's modules load here, not with the CLI: other commands start without them.
  const { loadNodeConfig, NODE_FLAG_NAMES } = await import('../node/config.js');
  const config = loadNodeConfig(flagsOnly(flags, NODE_FLAG_NAMES), process.env);
  const { applyServeV8Flags, setHeapGrowth } = await import('../node/serve-v8-flags.js');
  setHeapGrowth(config.heapGrowthPercent);
  applyServeV8Flags();
  // Signals are handled from the start: one that arrives while the node is still starting (it may
  // already serve requests and watches) stops it as soon as it runs, never by the default exit.
  let stopRequested: string | null = null;
  let stop = (why: string): void => {
    if (stopRequested) process.exit(1); // a second signal while starting: give up at once
    stopRequested = why;
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  const { startNode } = await import('../node/index.js');
  const running = await startNode(config);
  const { attachPlacementController } = await import('./placement-controller.js');
  const { default: pino } = await import('pino');
  const log = pino({ level: config.logLevel }).child({ node: config.id });
  let placement: { stop(): Promise<void> } | null = null;

  let stopping = false;
  stop = (why: string): void => {
    if (stopping) {
      process.stderr.write(`keel serve ${config.id}: ${why} again, exiting now\n`);
      process.exit(1);
    }
    stopping = true;
    // Watchers resume on another node now, not after the leadership hand-over (up to two election timeouts).
    running.node.watches.stop();
    handOverLeadership(running.node, config.electionTickMs * config.electionTicks * 2, log)
      // A pass in flight may wait on requests to the new leader: do not let it hold the stop up
      // (its writes are guarded; the next leader's controller redoes what it did not finish).
      .then(() => Promise.race([placement?.stop().catch(() => undefined), new Promise((r) => setTimeout(r, PLACEMENT_STOP_MS))]))
      .then(() => running.stop())
      .then(
      () => process.exit(0),
      (err: Error) => {
        process.stderr.write(`keel serve ${config.id}: error while stopping: ${err.message}\n`);
        process.exit(1);
      },
    );
  };
  if (stopRequested) stop(stopRequested);
  const controller = await attachPlacementController(running, config.cluster, log);
  if (stopping) void controller.stop();
  else placement = controller;
  if (flags.parentPid !== undefined) {
    // Orphaned (the parent died without stopping us): stop like on SIGTERM.
    setInterval(() => {
      if (process.ppid !== flags.parentPid) stop('parent gone');
    }, 1000).unref();
  }
}

/** How long a stopping node waits for its placement controller's pass in flight. */
const PLACEMENT_STOP_MS = 300;

/**
 * A leader that is asked to stop first hands leadership to the most caught-up voter (a rolling
 * restart then costs the cluster no election timeout); when that does not happen within `timeoutMs`
 * it stops anyway and the others elect a leader as after a crash.
 */
async function handOverLeadership(
  node: { isLeader: boolean; transferLeadership(to: string, timeoutMs: number): Promise<string> },
  timeoutMs: number,
  log: { info(o: object, msg: string): void; warn(o: object, msg: string): void },
): Promise<void> {
  if (!node.isLeader) return;
  try {
    const to = await node.transferLeadership('', timeoutMs);
    log.info({ to }, 'handed leadership over before stopping');
  } catch (err) {
    log.warn({ err: (err as Error).message }, 'could not hand leadership over before stopping');
  }
}

/** yargs adds aliases and positional bookkeeping; keep only the settings loadNodeConfig knows (`names`). */
function flagsOnly(flags: NodeFlags, names: readonly (keyof NodeFlags)[]): NodeFlags {
  const a = flags as Record<string, unknown>;
  return Object.fromEntries(names.filter((k) => a[k] !== undefined).map((k) => [k, a[k]])) as NodeFlags;
}
