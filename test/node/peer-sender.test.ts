// PeerSender: one batch per peer per send; commit notices wait for the next reply (sendHeld) or the
// next turn, and travel in front of any later message to the same peer.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import pino from 'pino';
import { PeerSender } from '../../src/node/peer-sender.js';
import { raftBatchCodec } from '../../src/node/raft-codec.js';
import { COMMIT_ONLY } from '../../src/raft/replication.js';
import { blankMessage, type Message } from '../../src/raft/types.js';

function sender() {
  const sent: { to: string; messages: Message[] }[] = [];
  const s = new PeerSender('n1', {
    payloadLimit: 1024 * 1024,
    send: (to, payload) => sent.push({ to, messages: raftBatchCodec.decode(payload).messages }),
  }, pino({ level: 'silent' }));
  return { s, sent };
}
function commitNotice(to: string, commit: number): Message {
  const m = blankMessage('app', 'n1', to, 1);
  m.index = 5;
  m.logTerm = 1;
  m.commit = commit;
  m.context = COMMIT_ONLY;
  return m;
}
function append(to: string, index: number): Message {
  const m = blankMessage('app', 'n1', to, 1);
  m.index = index - 1;
  m.logTerm = 1;
  m.entries = [{ index, term: 1, type: 'normal', data: new Uint8Array([1]) }];
  return m;
}
const turn = () => new Promise((r) => setImmediate(r));
const summary = (sent: { to: string; messages: Message[] }[]) =>
  sent.map((b) => `${b.to}:${b.messages.map((m) => (m.entries.length ? `e${m.entries[0]!.index}` : `c${m.commit}`)).join(',')}`);

test('messages with entries leave at once, one batch per peer', () => {
  const { s, sent } = sender();
  s.send([append('n2', 6), append('n3', 6), blankMessage('heartbeat', 'n1', 'n2', 1)]);
  assert.equal(summary(sent), ['n2:e6,c0', 'n3:e6']);
});

test('commit notices wait for sendHeld, then leave together', async () => {
  const { s, sent } = sender();
  s.send([commitNotice('n2', 6), commitNotice('n3', 6)]);
  assert.equal(sent.length, 0);
  s.sendHeld();
  assert.equal(summary(sent), ['n2:c6', 'n3:c6']);
  s.sendHeld();
  await turn();
  assert.is(sent.length, 2, 'nothing is sent twice, and the fallback was cancelled');
});

test('commit notices no reply picks up leave on the next turn', async () => {
  const { s, sent } = sender();
  s.send([commitNotice('n2', 6)]);
  s.send([commitNotice('n2', 7)]);
  assert.equal(sent.length, 0);
  await turn();
  assert.equal(summary(sent), ['n2:c6,c7']);
});

test('held notices travel in front of a later append to the same peer', () => {
  const { s, sent } = sender();
  s.send([commitNotice('n2', 6), commitNotice('n3', 6)]);
  s.send([append('n2', 7)]);
  assert.equal(summary(sent), ['n2:c6,e7', 'n3:c6']);
});

test.run();
