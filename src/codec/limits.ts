// Request limits (DESIGN.md "Data model"), checked before anything is proposed: by the client to
// fail fast, and again by the server, which never trusts a client.
import {
  InvalidArgumentError, KeyTooLargeError, RequestTooLargeError, TooManyOpsError, UnimplementedError,
  ValueTooLargeError,
} from './errors.js';
import { isWrite } from './request-types.js';
import type { ApiRequest, Bytes, Compare, TxnOp } from './types.js';

export interface Limits {
  maxKeyBytes: number;
  maxValueBytes: number;
  /** Per list: compares, success ops and failure ops are each limited (as etcd). */
  maxTxnOps: number;
  /** Encoded request size; the server derives it from NATS `max_payload` (see requestBytesFor). */
  maxRequestBytes: number;
}

/** Room kept below NATS `max_payload` for the reply subject, headers and protocol framing. */
const PAYLOAD_HEADROOM_BYTES = 8 * 1024;

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxKeyBytes: 4096,
  maxValueBytes: 768 * 1024,
  maxTxnOps: 128,
  maxRequestBytes: 1024 * 1024 - PAYLOAD_HEADROOM_BYTES,
});

/** The largest request a connection whose server announces `maxPayload` can carry. */
export function requestBytesFor(maxPayload: number): number {
  return Math.max(0, maxPayload - PAYLOAD_HEADROOM_BYTES);
}

/** Defaults overridden by whatever `overrides` sets; throws on a limit that is not a positive integer. */
export function makeLimits(overrides: Partial<Limits> = {}): Limits {
  const limits = { ...DEFAULT_LIMITS };
  for (const [name, value] of Object.entries(overrides) as [keyof Limits, number | undefined][]) {
    if (value === undefined) continue;
    if (!(name in DEFAULT_LIMITS)) throw new InvalidArgumentError(`unknown limit "${name}"`);
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new InvalidArgumentError(`limit ${name} must be a positive integer, got ${value}`);
    }
    limits[name] = value;
  }
  return limits;
}

export function checkRequestSize(size: number, limits: Limits): void {
  if (size > limits.maxRequestBytes) throw new RequestTooLargeError(size, limits.maxRequestBytes);
}

/** Throws the precise typed error for the first thing wrong with `req`; returns quietly if it is valid. */
export function validateRequest(req: ApiRequest, limits: Limits): void {
  const body = req.body;
  if (isWrite(body.type)) checkRequestId(req);
  switch (body.type) {
    case 'put':
    case 'deleteRange':
      checkKvOp(body, limits);
      return;
    case 'range':
      checkKvOp(body, limits);
      if (body.revision !== undefined) checkNonNegative('revision', body.revision);
      return;
    case 'txn':
      checkListLength(body.compare.length, limits);
      checkListLength(body.guard?.length ?? 0, limits);
      body.guard?.forEach((c) => checkCompare(c, limits));
      checkListLength(body.success.length, limits);
      checkListLength(body.failure.length, limits);
      body.compare.forEach((c) => checkCompare(c, limits));
      body.success.forEach((op) => checkKvOp(op, limits));
      body.failure.forEach((op) => checkKvOp(op, limits));
      return;
    case 'compact':
      checkPositive('compact revision', body.revision);
      return;
    case 'leaseGrant':
      checkNonNegative('lease id', body.id);
      checkPositive('lease ttlMs', body.ttlMs);
      return;
    case 'leaseRevoke':
    case 'leaseKeepAlive':
    case 'leaseTimeToLive':
      checkPositive('lease id', body.id);
      return;
    case 'leaseList':
    case 'status':
    case 'memberList':
      return;
    case 'watchCreate':
      checkWatchId(body.watchId);
      checkRange(body.key, body.rangeEnd, limits);
      checkNonNegative('startRevision', body.startRevision);
      if (!isPublishSubject(body.deliverTo)) throw new InvalidArgumentError(`deliverTo "${body.deliverTo}" is not a NATS subject one can publish to`);
      // The node publishes the watch there with its own identity: never onto Keel's subjects.
      if (body.deliverTo.startsWith('keel.')) throw new InvalidArgumentError(`deliverTo "${body.deliverTo}" is a Keel subject; use an inbox`);
      return;
    case 'watchCancel':
      checkWatchId(body.watchId);
      return;
    case 'memberAdd':
    case 'memberPromote':
    case 'memberRemove':
      if (!/^[A-Za-z0-9_-]+$/.test(body.id)) throw new InvalidArgumentError(`member id "${body.id}" must be non-empty and use only letters, digits, '_' and '-'`);
      return;
    case 'alarmDisarm':
      return;
    case 'memberTransferLeader':
      if (!/^[A-Za-z0-9_-]*$/.test(body.id)) throw new InvalidArgumentError(`member id "${body.id}" must use only letters, digits, '_' and '-'`);
      return;
    case 'snapshotSave':
      checkNonNegative('snapshot offset', body.offset);
      return;
    default: {
      // Every type of the table in request-types.ts has its case above (the compiler checks it).
      const unknownType: never = body;
      throw new UnimplementedError(String((unknownType as { type?: unknown }).type));
    }
  }
}

function checkRequestId(req: ApiRequest): void {
  const id = req.requestId;
  if (id === null || id === undefined) {
    throw new InvalidArgumentError(`a ${req.body.type} request needs a requestId (clientId, seq)`);
  }
  if (typeof id.clientId !== 'string' || id.clientId.length === 0) {
    throw new InvalidArgumentError('requestId.clientId must be a non-empty string');
  }
  checkNonNegative('requestId.seq', id.seq);
}

function checkKey(key: Bytes, limits: Limits, what = 'key'): void {
  if (key.length === 0) throw new InvalidArgumentError(`${what} must not be empty`);
  if (key.length > limits.maxKeyBytes) throw new KeyTooLargeError(key.length, limits.maxKeyBytes);
}

function checkValue(value: Bytes, limits: Limits): void {
  if (value.length > limits.maxValueBytes) throw new ValueTooLargeError(value.length, limits.maxValueBytes);
}

/** rangeEnd: empty = the single key; [0x00] = every key >= key; otherwise must sort after key. */
function checkRange(key: Bytes, rangeEnd: Bytes, limits: Limits): void {
  checkKey(key, limits);
  if (rangeEnd.length === 0 || (rangeEnd.length === 1 && rangeEnd[0] === 0)) return;
  if (rangeEnd.length > limits.maxKeyBytes) throw new KeyTooLargeError(rangeEnd.length, limits.maxKeyBytes);
  if (Buffer.compare(rangeEnd, key) <= 0) {
    throw new InvalidArgumentError('rangeEnd must sort after key (or be empty for one key, or \\x00 for all keys from key)');
  }
}

function checkListLength(count: number, limits: Limits): void {
  if (count > limits.maxTxnOps) throw new TooManyOpsError(count, limits.maxTxnOps);
}

const COMPARE_TARGETS = ['value', 'version', 'createRevision', 'modRevision', 'lease'];
const COMPARE_RESULTS = ['equal', 'notEqual', 'greater', 'less'];

function checkCompare(c: Compare, limits: Limits): void {
  if (c.rangeEnd.length === 0) checkKey(c.key, limits, 'compare key');
  else checkRange(c.key, c.rangeEnd, limits);
  if (!COMPARE_TARGETS.includes(c.target)) throw new InvalidArgumentError(`unknown compare target "${c.target}"`);
  if (!COMPARE_RESULTS.includes(c.result)) throw new InvalidArgumentError(`unknown compare result "${c.result}"`);
  if (c.target === 'value') checkValue(c.value, limits);
  else checkNonNegative(`compare ${c.target}`, c.number);
}

/** A put, deleteRange or range, alone or inside a transaction. */
function checkKvOp(op: TxnOp, limits: Limits): void {
  switch (op.type) {
    case 'put':
      checkKey(op.key, limits);
      checkValue(op.value, limits);
      checkNonNegative('lease', op.lease);
      return;
    case 'deleteRange':
      checkRange(op.key, op.rangeEnd, limits);
      return;
    case 'range':
      checkRange(op.key, op.rangeEnd, limits);
      checkNonNegative('limit', op.limit);
      return;
    default:
      throw new InvalidArgumentError(`a transaction cannot contain a ${(op as { type?: unknown }).type} operation`);
  }
}

function checkWatchId(id: string): void {
  if (typeof id !== 'string' || id.length === 0 || id.length > 128) throw new InvalidArgumentError('watchId must be 1 to 128 characters');
}

/** Dot-separated non-empty tokens without wildcards or whitespace, at most 256 characters. */
function isPublishSubject(s: string): boolean {
  return typeof s === 'string' && s.length <= 256 && s.split('.').every((t) => t.length > 0 && !/[\s*>]/.test(t));
}

function checkNonNegative(what: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError(`${what} must be a non-negative integer, got ${n}`);
}

function checkPositive(what: string, n: number): void {
  if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError(`${what} must be a positive integer, got ${n}`);
}
