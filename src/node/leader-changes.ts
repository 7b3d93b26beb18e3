// Waiting for leadership to move (a leadership transfer answers once another node leads): the node
// reports every change of role or known leader here, and waiters resolve on the first one that
// names another node as leader. Event-driven, no polling.
import { TimeoutError } from '../codec/errors.js';
import type { Role } from '../raft/types.js';

export class LeaderChanges {
  private readonly waiters = new Set<(role: Role, leader: string) => void>();

  /** The node's role or known leader changed. */
  notify(role: Role, leader: string): void {
    for (const waiter of [...this.waiters]) waiter(role, leader);
  }

  /** Resolves with the new leader once this node no longer leads and knows who does; TimeoutError after timeoutMs. */
  next(timeoutMs: number, what: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new TimeoutError(`${what} did not complete within ${timeoutMs} ms`));
      }, timeoutMs);
      const check = (role: Role, leader: string): void => {
        if (role === 'leader' || leader === '') return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(leader);
      };
      this.waiters.add(check);
    });
  }
}
