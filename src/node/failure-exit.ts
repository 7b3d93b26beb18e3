// What a node does when its disk fails (a write or fsync returned EIO, ENOSPC, ...): the state on
// disk is unknown, so it must not serve another request or vote. It logs, leaves every NATS
// subscription and queue group (so clients and peers move on to healthy nodes at once instead of
// timing out against it), and exits with EXIT_STORAGE_FAILED. A supervisor restarts it; recovery
// at open then trusts only what was durable.

/** The exit code of a node that stopped because its storage failed. */
export const EXIT_STORAGE_FAILED = 3;

export interface FailureExitOptions {
  logger: { fatal(obj: object, msg: string): void; error(obj: object, msg: string): void };
  /** Leaves subscriptions and closes resources, in order; each step may fail (it is logged). */
  leave: (() => Promise<unknown>)[];
  exit: (code: number) => void;
  /** Exit even if leaving hangs this long. */
  graceMs?: number;
}

export async function exitAfterStorageFailure(err: Error, o: FailureExitOptions): Promise<void> {
  o.logger.fatal({ err }, `storage failed; leaving every subscription and exiting with code ${EXIT_STORAGE_FAILED}`);
  const timer = setTimeout(() => o.exit(EXIT_STORAGE_FAILED), o.graceMs ?? 5000);
  for (const step of o.leave) {
    try {
      await step();
    } catch (stepErr) {
      o.logger.error({ err: stepErr }, 'while leaving after a storage failure');
    }
  }
  clearTimeout(timer);
  o.exit(EXIT_STORAGE_FAILED);
}
