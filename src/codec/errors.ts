// Typed errors shared by the server (which sends them as ErrorBody) and the client (which throws
// them). `instanceof KeelError` catches all; `err.code` or the subclass tells which.
import type { ErrorBody, ErrorCode } from './types.js';

export class KeelError extends Error {
  readonly code: ErrorCode;
  /** Compacted: the compact revision. Otherwise 0. */
  readonly revision: number;
  constructor(code: ErrorCode, message: string, revision = 0) {
    super(message);
    this.name = `Keel${code}Error`;
    this.code = code;
    this.revision = revision;
  }
  toBody(): ErrorBody {
    return { code: this.code, message: this.message, revision: this.revision };
  }
}

export class InvalidArgumentError extends KeelError {
  constructor(message: string) { super('InvalidArgument', message); }
}
export class KeyTooLargeError extends KeelError {
  constructor(size: number, limit: number) { super('KeyTooLarge', `key is ${size} bytes; the limit is ${limit}`); }
}
export class ValueTooLargeError extends KeelError {
  constructor(size: number, limit: number) { super('ValueTooLarge', `value is ${size} bytes; the limit is ${limit}`); }
}
export class TooManyOpsError extends KeelError {
  constructor(count: number, limit: number) { super('TooManyOps', `transaction has ${count} operations; the limit is ${limit}`); }
}
export class RequestTooLargeError extends KeelError {
  constructor(size: number, limit: number) { super('RequestTooLarge', `request is ${size} bytes; the limit is ${limit}`); }
}
export class UnimplementedError extends KeelError {
  constructor(what: string) { super('Unimplemented', `unknown operation: ${what}`); }
}
export class LeaseNotFoundError extends KeelError {
  constructor(id: number) { super('LeaseNotFound', `lease ${id} not found`); }
}
export class CompactedError extends KeelError {
  constructor(requested: number, compactRevision: number) {
    super('Compacted', `revision ${requested} has been compacted; the oldest retained is ${compactRevision}`, compactRevision);
  }
}
export class FutureRevisionError extends KeelError {
  constructor(requested: number, current: number) {
    super('FutureRevision', `revision ${requested} is newer than the current revision ${current}`);
  }
}
export class NoLeaderError extends KeelError {
  constructor(message = 'the cluster has no leader') { super('NoLeader', message); }
}
export class NotLeaderError extends KeelError {
  constructor(message = 'this node is not the leader') { super('NotLeader', message); }
}
export class TimeoutError extends KeelError {
  constructor(message = 'request timed out') { super('Timeout', message); }
}
export class UnavailableError extends KeelError {
  constructor(message: string) { super('Unavailable', message); }
}
export class CancelledError extends KeelError {
  constructor(message: string) { super('Cancelled', message); }
}
/** NATS refused to let this connection publish the request: connect as an identity allowed to (docs/security.md). */
export class PermissionDeniedError extends KeelError {
  constructor(message: string) { super('PermissionDenied', message); }
}
export class InternalError extends KeelError {
  constructor(message: string) { super('Internal', message); }
}
/** waitApplied ran out of time: `laggards` are the live brokers behind the revision, with what they reported. */
export class BarrierTimeoutError extends TimeoutError {
  readonly laggards: { id: string; applied: number }[];
  constructor(revision: number, laggards: { id: string; applied: number }[]) {
    super(`brokers behind revision ${revision}: ${laggards.map((l) => `${l.id} at ${l.applied}`).join(', ')}`);
    this.laggards = laggards;
  }
}
/** A session's lease is gone (expired, revoked, or unreachable past its TTL): what it held is lost. */
export class SessionLostError extends KeelError {
  constructor(message: string) { super('SessionLost', message); }
}
/** The storage quota is exceeded: writes that would grow the store are refused until an operator frees space and disarms. */
export class NoSpaceError extends KeelError {
  constructor(message: string) { super('NoSpace', message); }
}
/** The thing to create exists already (a topic, say). */
export class AlreadyExistsError extends KeelError {
  constructor(message: string) { super('AlreadyExists', message); }
}
/** The thing named does not exist (a topic, say). */
export class NotFoundError extends KeelError {
  constructor(message: string) { super('NotFound', message); }
}
/** A broker id is registered already (and the registration did not ask to replace it). */
export class AlreadyRegisteredError extends KeelError {
  readonly brokerId: string;
  readonly epoch: number;
  constructor(brokerId: string, epoch: number) {
    super('AlreadyRegistered', `broker ${brokerId} is registered already (epoch ${epoch}); pass replace to take it over`);
    this.brokerId = brokerId;
    this.epoch = epoch;
  }
}
/** A write's fencing condition failed: the writer's broker epoch (or other guard) is stale. Nothing was applied. */
export class FencedError extends KeelError {
  constructor(message: string) { super('Fenced', message); }
}

const byCode: Record<ErrorCode, (b: ErrorBody) => KeelError> = {
  InvalidArgument: (b) => new InvalidArgumentError(b.message),
  KeyTooLarge: (b) => new KeelError('KeyTooLarge', b.message),
  ValueTooLarge: (b) => new KeelError('ValueTooLarge', b.message),
  TooManyOps: (b) => new KeelError('TooManyOps', b.message),
  RequestTooLarge: (b) => new KeelError('RequestTooLarge', b.message),
  Unimplemented: (b) => new KeelError('Unimplemented', b.message),
  LeaseNotFound: (b) => new KeelError('LeaseNotFound', b.message),
  Compacted: (b) => new KeelError('Compacted', b.message, b.revision),
  FutureRevision: (b) => new KeelError('FutureRevision', b.message),
  NoLeader: (b) => new NoLeaderError(b.message),
  NotLeader: (b) => new NotLeaderError(b.message),
  Timeout: (b) => new TimeoutError(b.message),
  Unavailable: (b) => new UnavailableError(b.message),
  Cancelled: (b) => new CancelledError(b.message),
  Internal: (b) => new InternalError(b.message),
  Fenced: (b) => new FencedError(b.message),
  AlreadyRegistered: (b) => new KeelError('AlreadyRegistered', b.message),
  AlreadyExists: (b) => new AlreadyExistsError(b.message),
  NotFound: (b) => new NotFoundError(b.message),
  SessionLost: (b) => new SessionLostError(b.message),
  NoSpace: (b) => new NoSpaceError(b.message),
  PermissionDenied: (b) => new PermissionDeniedError(b.message),
};

/** Rebuilds the typed error a server sent. */
export function errorFromBody(body: ErrorBody): KeelError {
  const make = byCode[body.code];
  return make ? make(body) : new KeelError('Internal', `${body.code}: ${body.message}`);
}
