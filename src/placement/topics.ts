// Topics through the placement center: a client writes the topic's spec; the controller (on the
// Keel leader) places its partitions; create/addPartitions resolve once every partition is placed.
import { randomUUID } from 'node:crypto';
import { AlreadyExistsError, InvalidArgumentError, NotFoundError, TimeoutError } from '../codec/errors.js';
import type { KeyValueApi } from '../client/kv-api.js';
import { cmp, op } from '../client/txn.js';
import {
  REBALANCE_KEY, TOPICS_PREFIX, checkPartitionCount, checkReplicationFactor, checkTopicName, topicKey, topicPartitionsPrefix,
} from './keys.js';
import { decodeRebalance, encodeRebalance } from './rebalance-request.js';
import { decodeTopicSpec, encodeRecord, type PartitionState, type TopicSpec } from './records.js';
import { ChangeSignal, readPartitions, readTopics } from './view.js';

export interface CreateTopicOptions {
  name: string;
  partitions: number;
  replicationFactor: number;
  config?: Record<string, string>;
}

export interface WaitOptions {
  /** How long to wait for the controller to place the partitions. Default 15,000 ms; 0 = do not wait. */
  timeoutMs?: number;
}

export interface PartitionDescription extends PartitionState {
  underReplicated: boolean;
  offline: boolean;
}

export interface TopicDescription extends TopicSpec {
  /** Placed partitions by number; a partition not yet placed is missing here and counted in `pending`. */
  partitionStates: PartitionDescription[];
  pending: number;
  revision: number;
}

export interface RebalanceResult {
  moves: number;
  leaderChanges: number;
}

export class TopicsApi {
  constructor(private readonly kv: KeyValueApi) {}

  async create(o: CreateTopicOptions, w: WaitOptions = {}): Promise<TopicDescription> {
    const spec: TopicSpec = {
      name: checkTopicName(o.name),
      partitions: checkPartitionCount(o.partitions),
      replicationFactor: checkReplicationFactor(o.replicationFactor),
      config: checkConfig(o.config ?? {}),
    };
    const key = topicKey(spec.name);
    const r = await this.kv.txn({ compare: [cmp.createRevision(key, '=', 0)], success: [op.put(key, encodeRecord(spec))] });
    if (!r.succeeded) throw new AlreadyExistsError(`topic ${spec.name} exists already`);
    return this.waitPlaced(spec.name, w);
  }

  async describe(name: string): Promise<TopicDescription> {
    checkTopicName(name);
    const [topic, partitions] = await Promise.all([this.kv.get(topicKey(name)), readPartitions(this.kv, topicPartitionsPrefix(name))]);
    const spec = topic ? decodeTopicSpec(topic.valueString) : null;
    if (!topic || !spec) throw new NotFoundError(`topic ${name} does not exist`);
    const states = partitions.map((p) => p.state).filter((s) => s.partition < spec.partitions).sort((a, b) => a.partition - b.partition);
    return {
      ...spec,
      partitionStates: states.map((s) => ({ ...s, underReplicated: s.replicas.length < s.replicationFactor, offline: s.leader === '' })),
      pending: spec.partitions - states.length,
      revision: topic.header.revision,
    };
  }

  async list(): Promise<TopicSpec[]> {
    return (await readTopics(this.kv, TOPICS_PREFIX)).map((t) => t.spec);
  }

  /** Deletes the topic and its partition records in one txn. Offsets committed for it stay. */
  async delete(name: string): Promise<void> {
    const key = topicKey(checkTopicName(name));
    const r = await this.kv.txn({
      compare: [cmp.createRevision(key, '!=', 0)],
      success: [op.delete(key), op.delete({ prefix: topicPartitionsPrefix(name) })],
    });
    if (!r.succeeded) throw new NotFoundError(`topic ${name} does not exist`);
  }

  /** Grows the topic to `total` partitions (never shrinks, as Kafka). */
  async addPartitions(name: string, total: number, w: WaitOptions = {}): Promise<TopicDescription> {
    checkTopicName(name);
    checkPartitionCount(total);
    const key = topicKey(name);
    for (;;) {
      const current = await this.kv.get(key);
      const spec = current ? decodeTopicSpec(current.valueString) : null;
      if (!current || !spec) throw new NotFoundError(`topic ${name} does not exist`);
      if (total <= spec.partitions) throw new InvalidArgumentError(`topic ${name} has ${spec.partitions} partitions; the new count must be larger, got ${total}`);
      const r = await this.kv.txn({
        compare: [cmp.modRevision(key, '=', current.modRevision)],
        success: [op.put(key, encodeRecord({ ...spec, partitions: total }))],
      });
      if (r.succeeded) return this.waitPlaced(name, w);
    }
  }

  /** Asks the controller to even out replicas and leaders; resolves with what it moved. */
  async rebalance(w: WaitOptions = {}): Promise<RebalanceResult> {
    const id = randomUUID();
    const signal = new ChangeSignal(this.kv, [REBALANCE_KEY]);
    try {
      await signal.ready;
      await this.kv.put(REBALANCE_KEY, encodeRebalance({ id, state: 'requested' }));
      const deadline = Date.now() + (w.timeoutMs ?? 15_000);
      for (;;) {
        const now = await this.kv.get(REBALANCE_KEY);
        const record = now ? decodeRebalance(now.valueString) : null;
        if (record && record.id !== id) throw new AlreadyExistsError('another rebalance request replaced this one');
        if (record?.state === 'done') return { moves: record.moves ?? 0, leaderChanges: record.leaderChanges ?? 0 };
        const left = deadline - Date.now();
        if (left <= 0) throw new TimeoutError('no placement controller answered the rebalance request (is a Keel leader running keel serve?)');
        await signal.changed(left);
      }
    } finally {
      await signal.cancel();
    }
  }

  /** Waits until the controller has placed every partition of the topic. */
  private async waitPlaced(name: string, w: WaitOptions): Promise<TopicDescription> {
    const timeoutMs = w.timeoutMs ?? 15_000;
    if (timeoutMs === 0) return this.describe(name);
    const signal = new ChangeSignal(this.kv, [topicPartitionsPrefix(name)]);
    try {
      await signal.ready;
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const d = await this.describe(name);
        if (d.pending === 0) return d;
        const left = deadline - Date.now();
        if (left <= 0) throw new TimeoutError(`topic ${name}: ${d.pending} of ${d.partitions} partitions not placed within ${timeoutMs} ms (is a Keel leader running keel serve?)`);
        await signal.changed(left);
      }
    } finally {
      await signal.cancel();
    }
  }
}

function checkConfig(config: Record<string, string>): Record<string, string> {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) throw new InvalidArgumentError('config must be an object of strings');
  for (const [k, v] of Object.entries(config)) {
    if (typeof v !== 'string') throw new InvalidArgumentError(`config ${k} must be a string, got ${typeof v}`);
  }
  return { ...config };
}
