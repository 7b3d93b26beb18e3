// How the CLI prints results: short human-readable text by default, one JSON document with --json.
// JSON carries keys and values as UTF-8 strings, or as `keyBase64`/`valueBase64` when they are not
// valid UTF-8.
import type { ClusterStatus, KeyValueView, MembersResponse, TxnItem } from '../client/index.js';
import type { KeyValue } from '../codec/types.js';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function textOrBase64(name: string, bytes: Uint8Array): Record<string, string> {
  try {
    return { [name]: strictUtf8.decode(bytes) };
  } catch {
    return { [`${name}Base64`]: Buffer.from(bytes).toString('base64') };
  }
}

/** A key-value as a JSON object. */
export function kvJson(kv: KeyValue): Record<string, unknown> {
  return {
    ...textOrBase64('key', kv.key),
    ...textOrBase64('value', kv.value),
    createRevision: kv.createRevision,
    modRevision: kv.modRevision,
    version: kv.version,
    lease: kv.lease,
  };
}

/** etcdctl style: the key on one line, the value on the next (keysOnly: just the key). */
export function kvLines(kv: KeyValueView, keysOnly = false): string[] {
  return keysOnly ? [kv.keyString] : [kv.keyString, kv.valueString];
}

export function txnItemLines(item: TxnItem): string[] {
  switch (item.type) {
    case 'put':
      return ['OK', ...(item.prevKv ? kvLines(item.prevKv) : [])];
    case 'deleteRange':
      return [String(item.deleted), ...item.prevKvs.flatMap((kv) => kvLines(kv))];
    case 'range':
      return item.kvs.flatMap((kv) => kvLines(kv));
  }
}

export function txnItemJson(item: TxnItem): Record<string, unknown> {
  switch (item.type) {
    case 'put':
      return { type: 'put', prevKv: item.prevKv ? kvJson(item.prevKv) : null };
    case 'deleteRange':
      return { type: 'delete', deleted: item.deleted, prevKvs: item.prevKvs.map(kvJson) };
    case 'range':
      return { type: 'range', count: item.count, more: item.more, kvs: item.kvs.map(kvJson) };
  }
}

/** Left-aligned columns separated by two spaces. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 / 1024 / 1024).toFixed(2)} GiB`;
}

/** The leader's last index, from the leader's own status if it answered. */
function leaderLastIndex(cs: ClusterStatus): number | null {
  const leader = cs.members.find((m) => m.id === cs.leader)?.status;
  return leader ? leader.lastIndex : null;
}

/** lag = the leader's last index − the node's applied index ('?' when the leader did not answer). */
export function statusTable(cs: ClusterStatus): string {
  const last = leaderLastIndex(cs);
  const rows = cs.members.map((m) => {
    const s = m.status;
    if (!s) return [m.id, '-', 'unreachable', '-', '-', '-', '-', '-', '-', m.error ?? ''];
    const role = m.role === 'learner' && s.role !== 'learner' ? `${s.role} (learner)` : s.role;
    return [
      s.nodeId, String(s.pid), role, String(s.term), String(s.commitIndex), String(s.appliedIndex),
      String(s.lastIndex), formatBytes(s.logBytes), last === null ? '?' : String(Math.max(0, last - s.appliedIndex)), '',
    ];
  });
  const header = ['ID', 'PID', 'ROLE', 'TERM', 'COMMIT', 'APPLIED', 'LAST INDEX', 'LOG', 'LAG', 'ERROR'];
  const anyError = cs.members.some((m) => m.status === null);
  const body = anyError ? table(header, rows) : table(header.slice(0, -1), rows.map((r) => r.slice(0, -1)));
  return `${body}\nleader: ${cs.leader || '(none)'}`;
}

export function statusJson(cs: ClusterStatus): Record<string, unknown> {
  const last = leaderLastIndex(cs);
  return {
    leader: cs.leader || null,
    members: cs.members.map((m) => ({
      id: m.id,
      role: m.role,
      reachable: m.status !== null,
      url: m.status?.metricsUrl || null,
      error: m.error,
      status: m.status === null ? null : { ...m.status, type: undefined, lag: last === null ? null : Math.max(0, last - m.status.appliedIndex) },
    })),
  };
}

export function membersTable(m: MembersResponse): string {
  return table(['ID', 'ROLE', 'LEADER'], m.members.map((x) => [x.id, x.role, x.id === m.leader ? '*' : '']));
}
