// Typed errors shared by the server (which sends them as ErrorBody) and the client (which throws
// them). `instanceof KeelError` catches all; `err.code` or the subclass tells which.
import type { ErrorBody, ErrorCode } from './types.js';

export class KeelError extends Error {
  readonly code: ErrorCode;
  /** Compacted: the compact revision (the oldest retained is the one after it). FutureRevision: the
   *  current revision. Otherwise 0. Travels on the wire with the code and the message. */
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
    super('FutureRevision', `revision ${requested} is newer than the current revision ${current}`, current);
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

/**
 * The class of each code: the one table a client rebuilds a server's error from. PermissionDenied
 * (NATS refused the publish) and AlreadyRegistered (registration.ts) are raised by the client
 * itself; AlreadyRegistered's brokerId and epoch do not travel on the wire.
 */
const CLASS_OF: Record<ErrorCode, new (...args: never[]) => KeelError> = {
  InvalidArgument: InvalidArgumentError,
  KeyTooLarge: KeyTooLargeError,
  ValueTooLarge: ValueTooLargeError,
  TooManyOps: TooManyOpsError,
  RequestTooLarge: RequestTooLargeError,
  Unimplemented: UnimplementedError,
  LeaseNotFound: LeaseNotFoundError,
  Compacted: CompactedError,
  FutureRevision: FutureRevisionError,
  NoLeader: NoLeaderError,
  NotLeader: NotLeaderError,
  Timeout: TimeoutError,
  Unavailable: UnavailableError,
  Cancelled: CancelledError,
  Internal: InternalError,
  Fenced: FencedError,
  AlreadyRegistered: AlreadyRegisteredError,
  AlreadyExists: AlreadyExistsError,
  NotFound: NotFoundError,
  SessionLost: SessionLostError,
  NoSpace: NoSpaceError,
  PermissionDenied: PermissionDeniedError,
};

/**
 * Rebuilds the typed error a server sent: an instance of the code's class (so `instanceof
 * CompactedError` works) carrying the server's message and `revision`. The subclass constructors
 * take what the server knew (sizes, ids); the wire carries their result, so the instance is built
 * through KeelError's constructor with the subclass's prototype.
 */
export function errorFromBody(body: ErrorBody): KeelError {
  const cls = Object.hasOwn(CLASS_OF, body.code) ? CLASS_OF[body.code] : undefined;
  if (!cls) return new InternalError(`${body.code}: ${body.message}`);
  return Reflect.construct(KeelError, [body.code, body.message, body.revision], cls) as KeelError;
}
