// PeerSender: one batch per peer per send; commit notices wait for the next reply (sendHeld) or the
// next turn, and travel in front of any later message to the same peer; acks prepared during a
// fsync leave only at send().
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import pino from 'pino';
import { PeerSender } from '../../src/node/peer-sender.js';
import { raftBatchCodec } from '../../src/node/raft-codec.js';
import { COMMIT_ONLY } from '../../src/raft/replication.js';
import { blankMessage, type Message } from '../../src/raft/types.js';

function sender() {
  const sent: { to: string; messages: Message[] }[] = [];
  let framed = 0;
  const s = new PeerSender('n1', {
    payloadLimit: 1024 * 1024,
    frame: (to, payload) => {
      framed++;
      return Buffer.concat([Buffer.from(`${to}|`), payload]);
    },
    publish: (to, frame) => {
      const bar = frame.indexOf(0x7c);
      assert.is(Buffer.from(frame.subarray(0, bar)).toString(), to, 'a frame goes to the peer it was made for');
      sent.push({ to, messages: raftBatchCodec.decode(frame.subarray(bar + 1)).messages });
    },
  }, pino({ level: 'silent' }));
  return { s, sent, framed: () => framed };
}
function ack(to: string, index: number): Message {
  const m = blankMessage('appResp', 'n1', to, 1);
  m.index = index;
  return m;
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

test('prepared acks are framed on the next turn and leave only at send, unchanged', async () => {
  const { s, sent, framed } = sender();
  const acks = [ack('n2', 6), ack('n3', 6)];
  s.prepare(acks);
  assert.is(framed(), 0, 'nothing is framed before the fsync has started');
  await turn();
  assert.is(sent.length, 0, 'prepare publishes nothing');
  assert.is(framed(), 2);
  s.send(acks);
  assert.is(framed(), 2, 'send publishes the frames made by prepare');
  assert.equal(sent.map((b) => `${b.to}:${b.messages[0]!.type}@${b.messages[0]!.index}`), ['n2:appResp@6', 'n3:appResp@6']);
});

test('acks sent before their turn to be prepared are framed once, at send', async () => {
  const { s, sent, framed } = sender();
  const acks = [ack('n2', 6)];
  s.prepare(acks);
  s.send(acks);
  await turn();
  assert.is(framed(), 1);
  assert.is(sent.length, 1);
});

test('a send of other messages than those prepared frames them anew', async () => {
  const { s, sent, framed } = sender();
  s.prepare([ack('n2', 6)]);
  await turn();
  s.send([ack('n2', 7)]);
  assert.is(framed(), 2);
  assert.equal(sent.map((b) => b.messages[0]!.index), [7]);
  s.send([ack('n2', 8)]);
  assert.equal(sent.map((b) => b.messages[0]!.index), [7, 8], 'a prepared batch is used at most once');
});

test('commit notices are not prepared, and notices held before a prepared send still go first', async () => {
  const { s, sent } = sender();
  s.send([commitNotice('n2', 6)]); // held
  const msgs = [append('n2', 7)];
  s.prepare(msgs); // not prepared: a notice is held
  s.send(msgs);
  assert.equal(summary(sent), ['n2:c6,e7']);
  const notices = [commitNotice('n3', 7)];
  s.prepare(notices);
  await turn();
  s.send(notices);
  assert.equal(sent.length, 1, 'a commit notice given to prepare is still held for the next reply');
});

test.run();
