// An explicit rebalance goes through the controller (the one writer of partition records): a client
// writes { id, state: 'requested' } to /keel/placement/rebalance, the controller's next pass runs in
// rebalance mode and answers { id, state: 'done', moves, leaderChanges } in the same key.

export interface RebalanceRecord {
  id: string;
  state: 'requested' | 'done';
  moves?: number;
  leaderChanges?: number;
}

export function encodeRebalance(r: RebalanceRecord): string {
  return JSON.stringify(r);
}

export function decodeRebalance(text: string): RebalanceRecord | null {
  try {
    const v = JSON.parse(text) as Partial<RebalanceRecord>;
    if (typeof v.id !== 'string' || (v.state !== 'requested' && v.state !== 'done')) return null;
    return { id: v.id, state: v.state, moves: Number(v.moves ?? 0), leaderChanges: Number(v.leaderChanges ?? 0) };
  } catch {
    return null;
  }
}
