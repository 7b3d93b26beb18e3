// The model the chaos histories are checked against: one register per key (a value or missing),
// with put, get and cas (a txn: if value = expected then put value). An operation whose outcome is
// unknown (info) is a write that may or may not have happened; when it is placed in the order it
// happened, so cas with an unknown result follows the register's own rule.
import type { Operation } from './history.js';

/** The register's state: its value, or null when the key is missing. */
export type RegisterState = string | null;

export const INITIAL_REGISTER: RegisterState = null;

/** The state after `op` is applied to `state`, or undefined when `op`'s result is impossible there. */
export function stepRegister(state: RegisterState, op: Operation): RegisterState | undefined {
  switch (op.kind) {
    case 'put':
      return op.value ?? null;
    case 'get':
      // Only reads that returned are checked (a failed read tells nothing).
      return op.read === state ? state : undefined;
    case 'cas': {
      const holds = state === op.expected;
      if (op.outcome === 'ok' && op.succeeded !== holds) return undefined;
      return holds ? (op.value ?? null) : state;
    }
  }
}
