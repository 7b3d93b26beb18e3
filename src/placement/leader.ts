// Which replica leads a partition. A live current leader keeps leading (a needless change costs the
// message queue a leader epoch and a round of client redirects); otherwise the first live replica in
// preference order, so the preferred leader is taken back whenever it is live and leadership must
// move anyway. An explicit preferred-leader election passes `preferPreferred`.

export interface LeaderChoice {
  /** '' when no replica is live (the partition is offline). */
  readonly leader: string;
  readonly changed: boolean;
}

export function electLeader(
  replicas: readonly string[],
  isLive: (id: string) => boolean,
  currentLeader: string,
  preferPreferred = false,
): LeaderChoice {
  const firstLive = replicas.find(isLive) ?? '';
  const keep = currentLeader !== '' && replicas.includes(currentLeader) && isLive(currentLeader);
  const leader = keep && !preferPreferred ? currentLeader : firstLive;
  return { leader, changed: leader !== currentLeader };
}
