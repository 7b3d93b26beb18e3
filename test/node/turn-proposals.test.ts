import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeEntryCommands, encodeCommand, type Command } from '../../src/codec/index.js';
import { TurnProposals } from '../../src/node/turn-proposals.js';

const put = (seq: number, valueBytes = 100): Command => ({
  requestId: { clientId: 'c', seq },
  op: { type: 'put', key: new TextEncoder().encode(`k${seq}`), value: new Uint8Array(valueBytes), lease: 0, prevKv: false },
});
const internal: Command = { requestId: null, op: { type: 'leaseExpire', ids: [7] } };

function add(t: TurnProposals, cmds: Command[]): void {
  for (const c of cmds) t.add(c, encodeCommand(c));
}

test('the commands of one turn become one entry that decodes to them, in order; take empties it', () => {
  const t = new TurnProposals();
  const cmds = [put(1), internal, put(2), put(3)];
  add(t, cmds);
  assert.is(t.size, 4);
  const entries = t.take();
  assert.is(entries.length, 1);
  assert.equal(entries[0]!.commands, cmds);
  assert.equal(decodeEntryCommands(entries[0]!.data).map((c) => c.requestId), cmds.map((c) => c.requestId));
  assert.is(t.size, 0);
  assert.equal(t.take(), []);
});

test('a single command is its own encoding (what a sequential client proposes)', () => {
  const t = new TurnProposals();
  const c = put(1);
  const encoded = encodeCommand(c);
  t.add(c, encoded);
  const entries = t.take();
  assert.is(entries[0]!.data, encoded);
});

test('entries are cut at the byte bound; a command larger than the bound goes alone', () => {
  const t = new TurnProposals(1000);
  const cmds = [put(1, 400), put(2, 400), put(3, 400), put(4, 5000), put(5, 10), put(6, 10)];
  add(t, cmds);
  const entries = t.take();
  assert.equal(entries.map((e) => e.commands.map((c) => c.requestId!.seq)), [[1, 2], [3], [4], [5, 6]]);
  for (const e of entries) {
    assert.equal(decodeEntryCommands(e.data).map((c) => c.requestId!.seq), e.commands.map((c) => c.requestId!.seq));
    if (e.commands.length > 1) assert.ok(e.data.length <= 1000 + 8, `${e.data.length} bytes`);
  }
});

test.run();
