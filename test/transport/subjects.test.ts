// Subjects follow the one table of request types (src/codec/request-types.ts).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { REQUEST_TYPES, isBatchable, isWrite, requestTypeInfo } from '../../src/codec/request-types.js';
import type { RequestType } from '../../src/codec/types.js';
import { batchSubject, isTypeAllowed, leaderSubjectFor, parseApiSubject, subjectFor } from '../../src/transport/subjects.js';

const TYPES = Object.keys(REQUEST_TYPES) as RequestType[];

test('writes and lease calls go to the leader, operator actions to admin subjects, reads and status to any node, watchCancel only to one node', () => {
  assert.is(subjectFor('c1', 'put'), 'keel.c1.leader.put');
  assert.is(subjectFor('c1', 'leaseKeepAlive'), 'keel.c1.leader.leaseKeepAlive');
  assert.is(subjectFor('c1', 'memberAdd'), 'keel.c1.admin.memberAdd');
  assert.is(subjectFor('c1', 'compact'), 'keel.c1.admin.compact');
  assert.is(subjectFor('c1', 'snapshotSave'), 'keel.c1.admin.snapshotSave');
  assert.is(subjectFor('c1', 'snapshotSave', 'n2'), 'keel.c1.admin.node.n2.snapshotSave');
  assert.equal(parseApiSubject('keel.c1.admin.node.n2.snapshotSave'), { cluster: 'c1', scope: 'adminNode', nodeId: 'n2', type: 'snapshotSave', batch: false });
  assert.equal(parseApiSubject('keel.c1.admin.compact'), { cluster: 'c1', scope: 'admin', type: 'compact', batch: false });
  assert.throws(() => subjectFor('c1', 'memberAdd', 'n2'), /cannot be sent to one node/);
  assert.not.ok(isTypeAllowed('leader', 'compact'));
  assert.not.ok(isTypeAllowed('api', 'snapshotSave'));
  assert.is(subjectFor('c1', 'range'), 'keel.c1.api.range');
  assert.is(subjectFor('c1', 'memberList'), 'keel.c1.api.memberList');
  assert.is(subjectFor('c1', 'watchCancel', 'n2'), 'keel.c1.node.n2.watchCancel');
  assert.is(subjectFor('c1', 'status', 'n2'), 'keel.c1.node.n2.status');
  assert.throws(() => subjectFor('c1', 'put', 'n2'), /cannot be sent to one node/);
});

test('a server accepts on each subject exactly the types the client sends there', () => {
  for (const type of TYPES) {
    const anyNode = parseApiSubject(subjectFor('c1', type))!;
    if (requestTypeInfo(type)!.scopes.some((s) => s !== 'node')) assert.ok(isTypeAllowed(anyNode.scope, type), type);
    const oneNode = requestTypeInfo(type)!.scopes.includes('node');
    assert.is(isTypeAllowed('node', type), oneNode, type);
    if (oneNode) assert.equal(parseApiSubject(subjectFor('c1', type, 'n1')), { cluster: 'c1', scope: 'node', nodeId: 'n1', type, batch: false });
  }
  assert.not.ok(isTypeAllowed('api', 'put'));
  assert.not.ok(isTypeAllowed('leader', 'status'));
  // A range may also go to the leader (linearizable reads, by default), but without that choice to any node.
  assert.ok(isTypeAllowed('leader', 'range'));
  assert.equal(parseApiSubject(subjectFor('c1', 'range')), { cluster: 'c1', scope: 'api', type: 'range', batch: false });
  assert.equal(parseApiSubject(leaderSubjectFor('c1', 'range')), { cluster: 'c1', scope: 'leader', type: 'range', batch: false });
  assert.throws(() => leaderSubjectFor('c1', 'status'), /cannot be sent to the leader/);
  for (const bogus of ['toString', '__proto__', 'constructor', 'nope']) assert.not.ok(isTypeAllowed('api', bogus), bogus);
});

test('the replicated writes are exactly the six that carry a requestId', () => {
  assert.equal(TYPES.filter(isWrite).sort(), ['compact', 'deleteRange', 'leaseGrant', 'leaseRevoke', 'put', 'txn']);
});

test('batches: the client scopes take the .batch suffix, operator subjects never do; only KV reads and writes batch', () => {
  assert.equal(parseApiSubject(batchSubject(subjectFor('c1', 'put'))), { cluster: 'c1', scope: 'leader', type: 'put', batch: true });
  assert.equal(parseApiSubject(batchSubject(subjectFor('c1', 'range'))), { cluster: 'c1', scope: 'api', type: 'range', batch: true });
  assert.equal(parseApiSubject(batchSubject(subjectFor('c1', 'range', 'n2'))), { cluster: 'c1', scope: 'node', nodeId: 'n2', type: 'range', batch: true });
  assert.is(parseApiSubject('keel.c1.admin.compact.batch'), null);
  assert.equal(parseApiSubject('keel.c1.admin.node.n2.snapshotSave')?.batch, false);
  assert.is(parseApiSubject('keel.c1.api.batch'), null);
  assert.is(parseApiSubject('keel.c1.api.range.batch.batch'), null);
  assert.equal(TYPES.filter(isBatchable).sort(), ['deleteRange', 'put', 'range', 'txn']);
});

test.run();
