// A distributed lock (etcd's Mutex, Curator's InterProcessMutex): waiters queue in FIFO order under
// /keel/locks/<name>/, each waiting only for its predecessor. The holder's `fencingToken` (its key's
// createRevision) strictly increases from one holder to the next, so a resource that remembers the
// largest token it saw can reject a stale holder — one paused past its session's TTL, say.
import { InvalidArgumentError } from '../../codec/errors.js';
import type { KeyValueApi } from '../kv-api.js';
import { enqueue, waitForTurn } from './queue.js';
import { Session, type SessionOptions } from './session.js';

export const LOCKS_PREFIX = '/keel/locks/';

export interface LockOptions extends SessionOptions {
  /** Hold the lock on this session (it stays open after unlock); default: a session of the lock's own. */
  session?: Session;
  /** Stop waiting: the key is removed and the call rejects with CancelledError. */
  signal?: AbortSignal;
}

export interface LockHandle {
  readonly name: string;
  readonly key: string;
  /** Strictly increasing across holders of this lock (the key's createRevision). */
  readonly fencingToken: number;
  readonly session: Session;
  /** Settles when the session is lost: the lock is no longer held (another waiter may have it). */
  readonly lost: Promise<Error>;
  /** Releases the lock (and closes the session if the lock opened it). */
  unlock(): Promise<void>;
}

/** Waits until the lock is held. */
export async function lock(kv: KeyValueApi, name: string, o: LockOptions = {}): Promise<LockHandle> {
  const prefix = lockPrefix(name);
  const owned = o.session === undefined;
  const session = o.session ?? (await Session.create(kv, o));
  let entry: { key: string; revision: number } | null = null;
  try {
    entry = await enqueue(kv, prefix, session, '');
    await waitForTurn(kv, prefix, entry, session, o.signal);
  } catch (err) {
    if (entry) await kv.delete(entry.key).catch(() => undefined);
    if (owned) await session.close();
    throw err;
  }
  const key = entry.key;
  let released = false;
  return {
    name, key, fencingToken: entry.revision, session, lost: session.lost,
    async unlock() {
      if (released) return;
      released = true;
      if (owned) await session.close(); // revoking the lease deletes the key
      else await kv.delete(key);
    },
  };
}

/** Like lock(), but gives up after `timeoutMs` and answers null (its place in the queue is removed). */
export async function tryLock(kv: KeyValueApi, name: string, o: LockOptions & { timeoutMs?: number } = {}): Promise<LockHandle | null> {
  const timeout = AbortSignal.timeout(o.timeoutMs ?? 0);
  const signal = o.signal ? AbortSignal.any([o.signal, timeout]) : timeout;
  try {
    return await lock(kv, name, { ...o, signal });
  } catch (err) {
    if (timeout.aborted && !o.signal?.aborted) return null;
    throw err;
  }
}

function lockPrefix(name: string): string {
  if (typeof name !== 'string' || name.length === 0 || name.includes('/')) {
    throw new InvalidArgumentError(`a lock name is a non-empty string without '/', got ${JSON.stringify(name)}`);
  }
  return `${LOCKS_PREFIX}${name}/`;
}
