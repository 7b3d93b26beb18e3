// When and how long a client waits before trying a request again.
import { ErrorCode as NatsErrorCode, NatsError } from 'nats';
import { KeelError } from '../codec/errors.js';

const BACKOFF_START_MS = 25;
export const BACKOFF_CAP_MS = 1000;

/** Exponential backoff with full jitter: uniform in [0, min(cap, start * 2^attempt)). */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_START_MS * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}

/** Error responses that mean "try again, maybe elsewhere": a leader is being elected or moved. */
const RETRYABLE_CODES = new Set(['NoLeader', 'NotLeader', 'Unavailable']);

/** NATS failures a retry can get past: nobody subscribed yet, no answer in time, a lost connection. */
const RETRYABLE_NATS = new Set<string>([
  NatsErrorCode.NoResponders,
  NatsErrorCode.Timeout,
  NatsErrorCode.Disconnect,
  NatsErrorCode.ConnectionRefused,
  NatsErrorCode.ConnectionTimeout,
  NatsErrorCode.ConnectionClosed,
  NatsErrorCode.ConnectionDraining,
]);

export function isRetryable(err: unknown): boolean {
  if (err instanceof KeelError) return RETRYABLE_CODES.has(err.code);
  if (err instanceof NatsError) return RETRYABLE_NATS.has(err.code);
  return false;
}

export function isNoResponders(err: unknown): boolean {
  return err instanceof NatsError && err.code === NatsErrorCode.NoResponders;
}

export function isPermissionViolation(err: unknown): boolean {
  return err instanceof NatsError && err.code === NatsErrorCode.PermissionsViolation;
}

export function isNatsTimeout(err: unknown): boolean {
  return err instanceof NatsError && err.code === NatsErrorCode.Timeout;
}

export function isConnectionClosed(err: unknown): boolean {
  return err instanceof NatsError
    && (err.code === NatsErrorCode.ConnectionClosed || err.code === NatsErrorCode.ConnectionDraining);
}

/** One line saying what went wrong on an attempt, for the final error message. */
export function describeFailure(err: unknown): string {
  if (isNoResponders(err)) return 'no responders';
  if (isNatsTimeout(err)) return 'no answer in time';
  if (err instanceof KeelError) return `${err.code}: ${err.message}`;
  if (err instanceof Error) return err.message;
  return String(err);
}
