import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { kvJson, statusJson, statusTable, table, formatBytes } from '../../src/cli/format.js';
import { compactLogLine } from '../../src/cli/dev.js';
import type { ClusterStatus } from '../../src/client/index.js';
import type { StatusResult } from '../../src/codec/types.js';

const status = (nodeId: string, role: StatusResult['role'], lastIndex: number, appliedIndex: number): StatusResult => ({
  type: 'status', nodeId, pid: 100, role, leader: 'n1', term: 2, commitIndex: appliedIndex, appliedIndex,
  firstIndex: 1, lastIndex, logBytes: 3 * 1024 * 1024, revision: 9, compactRevision: 0, members: [], metricsUrl: '', alarms: [],
});

test('lag is the leader\'s last index minus each node\'s applied index', () => {
  const cs: ClusterStatus = {
    leader: 'n1',
    members: [
      { id: 'n1', role: 'voter', status: status('n1', 'leader', 50, 50), error: null },
      { id: 'n2', role: 'voter', status: status('n2', 'follower', 45, 42), error: null },
      { id: 'n3', role: 'voter', status: null, error: 'no responders' },
    ],
  };
  const lines = statusTable(cs).split('\n');
  assert.match(lines[1], /^n1\s+100\s+leader\s+2\s+50\s+50\s+50\s+3\.0 MiB\s+0$/);
  assert.match(lines[2], /^n2\s+100\s+follower\s+2\s+42\s+42\s+45\s+3\.0 MiB\s+8$/);
  assert.match(lines[3], /^n3\s+-\s+unreachable.*no responders$/);
  const json = statusJson(cs) as { members: { status: { lag: number } | null; reachable: boolean }[] };
  assert.equal(json.members.map((m) => m.status?.lag ?? null), [0, 8, null]);
  assert.is(json.members[2].reachable, false);
});

test('lag is unknown (?) when the leader does not answer', () => {
  const cs: ClusterStatus = {
    leader: 'n1',
    members: [
      { id: 'n1', role: 'voter', status: null, error: 'no answer' },
      { id: 'n2', role: 'voter', status: status('n2', 'follower', 45, 42), error: null },
    ],
  };
  assert.match(statusTable(cs).split('\n')[2], /\s\?$/);
});

test('the ERROR column shows only when a member is unreachable', () => {
  const cs: ClusterStatus = { leader: 'n1', members: [{ id: 'n1', role: 'voter', status: status('n1', 'leader', 5, 5), error: null }] };
  assert.match(statusTable(cs).split('\n')[0], /LAG$/);
});

test('JSON key-values: UTF-8 as strings, anything else as base64', () => {
  const kv = { key: Buffer.from('k'), value: Uint8Array.of(0xff, 0xfe), createRevision: 1, modRevision: 2, version: 1, lease: 0 };
  assert.equal(kvJson(kv), { key: 'k', valueBase64: '//4=', createRevision: 1, modRevision: 2, version: 1, lease: 0 });
});

test('table, bytes and log lines', () => {
  assert.is(table(['A', 'LONG'], [['xyz', '1']]), 'A    LONG\nxyz  1');
  assert.is(formatBytes(512), '512 B');
  assert.is(formatBytes(1536), '1.5 KiB');
  assert.is(compactLogLine('{"level":40,"time":1,"pid":2,"hostname":"h","node":"n1","msg":"slow fsync","ms":120}'), 'WARN slow fsync ms=120');
  assert.is(compactLogLine('not json'), 'not json');
});

test.run();
