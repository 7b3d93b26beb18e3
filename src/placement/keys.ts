// The placement center's key layout (docs/placement.md). Brokers watch /keel/partitions/ to learn
// their work; everything is an ordinary key, so reads, txns and watches apply unchanged.
//   /keel/topics/<topic>                      TopicSpec (JSON), written by clients
//   /keel/partitions/<topic>/<partition>      PartitionState (JSON), written by the controller only
//   /keel/offsets/<group>/<topic>/<partition> committed offset (decimal), written by consumers
//   /keel/placement/rebalance                 an explicit rebalance request and its result
// (/keel/brokers/<id> and /keel/applied/<id> belong to the registry: src/client/broker-keys.ts.)
import { InvalidArgumentError } from '../codec/errors.js';

export const TOPICS_PREFIX = '/keel/topics/';
export const PARTITIONS_PREFIX = '/keel/partitions/';
export const OFFSETS_PREFIX = '/keel/offsets/';
export const REBALANCE_KEY = '/keel/placement/rebalance';

export const MAX_PARTITIONS = 10_000;
export const MAX_REPLICATION_FACTOR = 16;

export function topicKey(topic: string): string {
  return TOPICS_PREFIX + topic;
}

export function topicPartitionsPrefix(topic: string): string {
  return `${PARTITIONS_PREFIX}${topic}/`;
}

export function partitionKey(topic: string, partition: number): string {
  return `${PARTITIONS_PREFIX}${topic}/${partition}`;
}

export function offsetKey(group: string, topic: string, partition: number): string {
  return `${OFFSETS_PREFIX}${group}/${topic}/${partition}`;
}

export function offsetsPrefix(group: string, topic?: string): string {
  return topic === undefined ? `${OFFSETS_PREFIX}${group}/` : `${OFFSETS_PREFIX}${group}/${topic}/`;
}

/** Kafka's rule: 1–249 characters of [A-Za-z0-9._-], and not "." or "..". */
export function checkTopicName(name: unknown): string {
  if (typeof name !== 'string' || !/^[A-Za-z0-9._-]{1,249}$/.test(name) || name === '.' || name === '..') {
    throw new InvalidArgumentError(`a topic name is 1-249 characters of letters, digits, '.', '_' and '-' (not "." or ".."), got ${JSON.stringify(name)}`);
  }
  return name;
}

/** A consumer group id: 1–249 characters, no '/' and no control characters. */
export function checkGroupId(group: unknown): string {
  // eslint-disable-next-line no-control-regex
  if (typeof group !== 'string' || group.length === 0 || group.length > 249 || /[/\u0000-\u001f]/.test(group)) {
    throw new InvalidArgumentError(`a consumer group id is 1-249 characters without '/' or control characters, got ${JSON.stringify(group)}`);
  }
  return group;
}

export function checkPartitionCount(n: unknown): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_PARTITIONS) {
    throw new InvalidArgumentError(`partitions must be an integer from 1 to ${MAX_PARTITIONS}, got ${String(n)}`);
  }
  return n;
}

export function checkReplicationFactor(n: unknown): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_REPLICATION_FACTOR) {
    throw new InvalidArgumentError(`replicationFactor must be an integer from 1 to ${MAX_REPLICATION_FACTOR}, got ${String(n)}`);
  }
  return n;
}

export function checkPartitionIndex(n: unknown): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n >= MAX_PARTITIONS) {
    throw new InvalidArgumentError(`a partition is an integer from 0 to ${MAX_PARTITIONS - 1}, got ${String(n)}`);
  }
  return n;
}
