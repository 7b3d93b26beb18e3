// The configuration of one node (`keel serve`). Sources, lowest to highest precedence:
//   defaults < config file (JSON, --config or KEEL_CONFIG) < KEEL_* environment variables < flags.
// Reading the config file is synchronous: it happens once, at start, before anything serves.
import { readFileSync } from 'node:fs';
import { InvalidArgumentError } from '../codec/errors.js';
import { DEFAULT_LIMITS, makeLimits, type Limits } from '../codec/limits.js';
import { normalizeServers } from '../transport/api-connect.js';
import { applyAuthFlags, NATS_AUTH_ENV, type NatsAuthFlags, type NatsAuthOptions } from '../transport/nats-auth-flags.js';
import { assertSubjectToken } from '../transport/subjects.js';
import { parseRetention, type Retention } from './auto-compactor.js';
import { parseListenAddr } from './node-http.js';
import { STORE_DEFAULTS } from '../store/kv-store.js';
import { DEFAULT_SNAPSHOT_POLICY } from './snapshotter.js';
import { DEFAULT_RANGE_PAGE_BYTES } from './reply-budget.js';

export interface NodeConfig {
  /** This node's id (a subject token). */
  id: string;
  /** Every voter of the initial cluster, this node included. */
  peers: string[];
  cluster: string;
  /** Data root; the node keeps its files under <dataDir>/<cluster>/<id>/. */
  dataDir: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** NATS servers, auth and TLS. `servers` is always a non-empty list here. */
  nats: NatsAuthOptions & { servers: string[] };
  /** One Raft tick. */
  electionTickMs: number;
  /** Ticks without a leader before an election (randomized in [n, 2n) by the Raft core). */
  electionTicks: number;
  /** Ticks between leader heartbeats. */
  heartbeatTicks: number;
  /** A segment rolls when it reaches this size. */
  segmentBytes: number;
  /** Take a snapshot after this many applied entries (a batch entry counts once per command: entry-weights.ts). */
  snapshotEveryEntries: number;
  /** Entries kept below a snapshot's index (lagging followers catch up from them, not a snapshot). */
  retainEntries: number;
  /** Also snapshot once the log has grown by this many bytes since the last compaction. */
  snapshotLogBytes: number;
  /** Join an existing cluster (after `keel member add <id>`): start with no voters, learn them from the leader. */
  join: boolean;
  /** Where to serve /metrics, /livez, /readyz and the status page (host:port; port 0 = any free port); '' = not at all. */
  metricsAddr: string;
  /** Request limits; maxRequestBytes is replaced by what the NATS server's max_payload allows. */
  limits: Limits;
  /** Automatic compaction of the revision history by the leader (auto-compactor.ts); null = off. */
  autoCompactRetention: Retention | null;
  /** Storage quota: bytes of live keys and values (quota.ts); 0 = none. */
  quotaBytes: number;
  /** The file holding the cluster secret that authenticates Raft batches (docs/security.md). */
  clusterKeyFile?: string;
  /** Byte budget of one range page (never above what max_payload allows); clients follow the pages. */
  rangePageBytes: number;
  /** Shortest lease TTL granted; at least two election timeouts (the default). */
  minLeaseTtlMs: number;
  /** Watch history / reads at a revision: at least this many recent revisions are kept... */
  historyRevisions: number;
  /** ...unless they hold more than about this many bytes of keys and values (older ones answer Compacted). */
  historyBytes: number;
  /** Exactly-once table: at most about this many bytes (least recently seen clients are forgotten first). */
  dedupMaxBytes: number;
  /** Exactly-once table: a client with no write for this many applied log entries is forgotten. */
  dedupIdleEntries: number;
  /**
   * How far V8 lets the old generation grow past what the last full collection kept, in percent
   * (200 = to three times that); 0 = V8's own heuristic. Applied by `keel serve` (src/node/serve-v8-flags.ts).
   */
  heapGrowthPercent: number;
}

export const DEFAULT_NODE_CONFIG: Omit<NodeConfig, 'id' | 'peers' | 'minLeaseTtlMs'> = {
  cluster: 'default',
  dataDir: 'segments',
  logLevel: 'info',
  nats: { servers: ['nats://127.0.0.1:4222'] },
  electionTickMs: 100,
  electionTicks: 10,
  heartbeatTicks: 1,
  segmentBytes: 64 * 1024 * 1024,
  snapshotEveryEntries: DEFAULT_SNAPSHOT_POLICY.everyEntries,
  retainEntries: DEFAULT_SNAPSHOT_POLICY.retainEntries,
  snapshotLogBytes: DEFAULT_SNAPSHOT_POLICY.logBytes,
  join: false,
  metricsAddr: '',
  autoCompactRetention: null,
  quotaBytes: 2 * 1024 * 1024 * 1024,
  limits: { ...DEFAULT_LIMITS },
  rangePageBytes: DEFAULT_RANGE_PAGE_BYTES,
  historyRevisions: STORE_DEFAULTS.historyRevisions,
  historyBytes: STORE_DEFAULTS.historyBytes,
  dedupMaxBytes: STORE_DEFAULTS.dedupMaxBytes,
  dedupIdleEntries: STORE_DEFAULTS.dedupIdleEntries,
  heapGrowthPercent: 200,
};

/** The flags of `keel serve` (yargs camel-cases them); every one optional. */
export interface NodeFlags extends NatsAuthFlags {
  id?: string;
  peers?: string | string[];
  cluster?: string;
  servers?: string | string[];
  data?: string;
  config?: string;
  logLevel?: string;
  electionTickMs?: number;
  electionTicks?: number;
  heartbeatTicks?: number;
  segmentBytes?: number;
  snapshotEveryEntries?: number;
  retainEntries?: number;
  snapshotLogBytes?: number;
  join?: boolean | string;
  clusterKeyFile?: string;
  maxKeyBytes?: number;
  maxValueBytes?: number;
  maxTxnOps?: number;
  metricsAddr?: string;
  /** "<revisions>" or "<n>s|m|h"; '' or '0' = off. */
  autoCompactRetention?: string | number;
  quotaBytes?: number;
  rangePageBytes?: number;
  minLeaseTtlMs?: number;
  historyRevisions?: number;
  historyBytes?: number;
  dedupMaxBytes?: number;
  dedupIdleEntries?: number;
  heapGrowthPercent?: number;
}

/** Environment variable → flag name. */
const ENV_VARS: Record<string, keyof NodeFlags> = {
  ...NATS_AUTH_ENV,
  KEEL_ID: 'id',
  KEEL_PEERS: 'peers',
  KEEL_CLUSTER: 'cluster',
  KEEL_SERVERS: 'servers',
  KEEL_DATA: 'data',
  KEEL_CONFIG: 'config',
  KEEL_LOG_LEVEL: 'logLevel',
  KEEL_CLUSTER_KEY_FILE: 'clusterKeyFile',
  KEEL_ELECTION_TICK_MS: 'electionTickMs',
  KEEL_ELECTION_TICKS: 'electionTicks',
  KEEL_HEARTBEAT_TICKS: 'heartbeatTicks',
  KEEL_SEGMENT_BYTES: 'segmentBytes',
  KEEL_SNAPSHOT_EVERY_ENTRIES: 'snapshotEveryEntries',
  KEEL_RETAIN_ENTRIES: 'retainEntries',
  KEEL_SNAPSHOT_LOG_BYTES: 'snapshotLogBytes',
  KEEL_JOIN: 'join',
  KEEL_MAX_KEY_BYTES: 'maxKeyBytes',
  KEEL_MAX_VALUE_BYTES: 'maxValueBytes',
  KEEL_MAX_TXN_OPS: 'maxTxnOps',
  KEEL_METRICS_ADDR: 'metricsAddr',
  KEEL_AUTO_COMPACT_RETENTION: 'autoCompactRetention',
  KEEL_QUOTA_BYTES: 'quotaBytes',
  KEEL_RANGE_PAGE_BYTES: 'rangePageBytes',
  KEEL_MIN_LEASE_TTL_MS: 'minLeaseTtlMs',
  KEEL_HISTORY_REVISIONS: 'historyRevisions',
  KEEL_HISTORY_BYTES: 'historyBytes',
  KEEL_DEDUP_MAX_BYTES: 'dedupMaxBytes',
  KEEL_DEDUP_IDLE_ENTRIES: 'dedupIdleEntries',
  KEEL_HEAP_GROWTH_PERCENT: 'heapGrowthPercent',
};

/** Every setting of a node, by its flag name (camelCase): each has a KEEL_* variable. */
export const NODE_FLAG_NAMES: readonly (keyof NodeFlags)[] = [...new Set(Object.values(ENV_VARS))];

const NUMERIC: (keyof NodeFlags)[] = [
  'electionTickMs', 'electionTicks', 'heartbeatTicks', 'segmentBytes', 'snapshotEveryEntries', 'retainEntries',
  'snapshotLogBytes', 'maxKeyBytes', 'maxValueBytes', 'maxTxnOps', 'rangePageBytes', 'minLeaseTtlMs', 'historyRevisions', 'historyBytes', 'dedupMaxBytes', 'dedupIdleEntries',
];
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * Builds and checks the configuration. `flags` are the parsed command-line flags; `env` is usually
 * process.env. The config file is a JSON object with the flag names as keys (camelCase), e.g.
 * `{ "id": "n1", "peers": ["n1","n2","n3"], "servers": "nats://10.0.0.1:4222", "electionTickMs": 50 }`.
 */
export function loadNodeConfig(flags: NodeFlags, env: NodeJS.ProcessEnv = {}): NodeConfig {
  const fromEnv = flagsFromEnv(env);
  const configPath = flags.config ?? fromEnv.config;
  const fromFile = configPath === undefined ? {} : readConfigFile(configPath);
  const merged: NodeFlags = { ...fromFile, ...fromEnv, ...definedOnly(flags) };
  return buildConfig(merged);
}

function definedOnly(flags: NodeFlags): NodeFlags {
  return Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined)) as NodeFlags;
}

function flagsFromEnv(env: NodeJS.ProcessEnv): NodeFlags {
  const flags: Record<string, unknown> = {};
  for (const [name, flag] of Object.entries(ENV_VARS)) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    flags[flag] = NUMERIC.includes(flag) ? parseNumber(name, raw) : raw;
  }
  return flags as NodeFlags;
}

function readConfigFile(path: string): NodeFlags {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new InvalidArgumentError(`cannot read config file ${path}: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InvalidArgumentError(`config file ${path} must hold a JSON object`);
  }
  const known = new Set<string>([...Object.values(ENV_VARS)]);
  for (const key of Object.keys(parsed)) {
    if (!known.has(key)) throw new InvalidArgumentError(`config file ${path}: unknown setting "${key}"`);
  }
  return parsed as NodeFlags;
}

function parseNumber(what: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError(`${what} must be a positive integer, got "${raw}"`);
  return n;
}

function list(v: string | string[] | undefined): string[] | undefined {
  if (v === undefined) return undefined;
  return (Array.isArray(v) ? v : [v]).flatMap((s) => String(s).split(',')).map((s) => s.trim()).filter(Boolean);
}

function positive(what: string, v: number | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  if (!Number.isSafeInteger(v) || v <= 0) throw new InvalidArgumentError(`${what} must be a positive integer, got ${v}`);
  return v;
}

function buildConfig(f: NodeFlags): NodeConfig {
  const d = DEFAULT_NODE_CONFIG;
  if (!f.id) throw new InvalidArgumentError('a node id is required (--id or KEEL_ID)');
  const id = check('node id', f.id);
  const peers = (list(f.peers) ?? [id]).map((p) => check('peer id', p));
  if (new Set(peers).size !== peers.length) throw new InvalidArgumentError(`peers list a node twice: ${peers.join(',')}`);
  if (!peers.includes(id)) throw new InvalidArgumentError(`peers (${peers.join(',')}) must include this node's id ${id}`);
  const logLevel = f.logLevel ?? d.logLevel;
  if (!LOG_LEVELS.includes(logLevel)) throw new InvalidArgumentError(`log level must be one of ${LOG_LEVELS.join(', ')}`);

  const nats: NodeConfig['nats'] = { servers: normalizeServers(list(f.servers) ?? d.nats.servers), name: `keel-${id}` };
  applyAuthFlags(nats, f);

  const config: NodeConfig = {
    id,
    peers,
    cluster: check('cluster name', f.cluster ?? d.cluster),
    dataDir: f.data ?? d.dataDir,
    logLevel: logLevel as NodeConfig['logLevel'],
    nats,
    electionTickMs: positive('electionTickMs', f.electionTickMs, d.electionTickMs),
    electionTicks: positive('electionTicks', f.electionTicks, d.electionTicks),
    heartbeatTicks: positive('heartbeatTicks', f.heartbeatTicks, d.heartbeatTicks),
    segmentBytes: positive('segmentBytes', f.segmentBytes, d.segmentBytes),
    snapshotEveryEntries: positive('snapshotEveryEntries', f.snapshotEveryEntries, d.snapshotEveryEntries),
    retainEntries: positive('retainEntries', f.retainEntries, d.retainEntries),
    snapshotLogBytes: positive('snapshotLogBytes', f.snapshotLogBytes, d.snapshotLogBytes),
    join: f.join === undefined ? d.join : f.join === true || f.join === 'true' || f.join === '1',
    metricsAddr: f.metricsAddr === undefined ? d.metricsAddr : checkListenAddr(String(f.metricsAddr)),
    quotaBytes: f.quotaBytes === undefined ? d.quotaBytes : nonNegative('quotaBytes', Number(f.quotaBytes)),
    autoCompactRetention: f.autoCompactRetention === undefined ? d.autoCompactRetention : parseRetention(String(f.autoCompactRetention)),
    limits: makeLimits({ maxKeyBytes: f.maxKeyBytes, maxValueBytes: f.maxValueBytes, maxTxnOps: f.maxTxnOps }),
    rangePageBytes: positive('rangePageBytes', f.rangePageBytes, d.rangePageBytes),
    minLeaseTtlMs: 0,
    historyRevisions: positive('historyRevisions', f.historyRevisions, d.historyRevisions),
    historyBytes: positive('historyBytes', f.historyBytes, d.historyBytes),
    dedupMaxBytes: positive('dedupMaxBytes', f.dedupMaxBytes, d.dedupMaxBytes),
    dedupIdleEntries: positive('dedupIdleEntries', f.dedupIdleEntries, d.dedupIdleEntries),
    heapGrowthPercent: f.heapGrowthPercent === undefined ? d.heapGrowthPercent : nonNegative('heapGrowthPercent', Number(f.heapGrowthPercent)),
  };
  // A lease must outlive an ordinary leader change: at least two election timeouts.
  const twoElections = 2 * config.electionTickMs * config.electionTicks;
  config.minLeaseTtlMs = positive('minLeaseTtlMs', f.minLeaseTtlMs, twoElections);
  if (config.minLeaseTtlMs < twoElections) {
    throw new InvalidArgumentError(`minLeaseTtlMs (${config.minLeaseTtlMs}) must be at least two election timeouts (2 × ${config.electionTickMs} ms × ${config.electionTicks} = ${twoElections} ms)`);
  }
  if (f.clusterKeyFile !== undefined) config.clusterKeyFile = f.clusterKeyFile;
  if (config.heartbeatTicks >= config.electionTicks) {
    throw new InvalidArgumentError(`heartbeatTicks (${config.heartbeatTicks}) must be below electionTicks (${config.electionTicks})`);
  }
  return config;
}

function nonNegative(what: string, v: number): number {
  if (!Number.isSafeInteger(v) || v < 0) throw new InvalidArgumentError(`${what} must be a non-negative integer (0 = none), got ${v}`);
  return v;
}

function checkListenAddr(addr: string): string {
  if (addr !== '') parseListenAddr(addr);
  return addr;
}

function check(what: string, token: string): string {
  assertSubjectToken(what, token);
  return token;
}
