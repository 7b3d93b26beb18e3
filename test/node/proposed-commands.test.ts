import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Command } from '../../src/codec/types.js';
import { ProposedCommands } from '../../src/node/proposed-commands.js';

const cmd = (seq: number): Command => ({ requestId: { clientId: 'c', seq }, op: { type: 'noop' } } as Command);

test('a proposed command is found by the very bytes it was proposed as, once', () => {
  const p = new ProposedCommands();
  const data = new Uint8Array([1, 2, 3]);
  const cs = [cmd(1), cmd(2)];
  p.remember(data, cs);
  assert.is(p.take(new Uint8Array([1, 2, 3])), undefined, 'equal bytes in another array (an entry from the wire) are not ours');
  assert.is(p.take(data), cs);
  assert.is(p.take(data), undefined, 'taken at apply: not held any longer');
  assert.is(p.size, 0);
});

test('past its bound the oldest are forgotten (their entries are then decoded), and clear forgets all', () => {
  const p = new ProposedCommands(3);
  const datas = [0, 1, 2, 3, 4].map((i) => new Uint8Array([i]));
  datas.forEach((d, i) => p.remember(d, [cmd(i)]));
  assert.is(p.size, 3);
  assert.is(p.take(datas[0]!), undefined);
  assert.is(p.take(datas[1]!), undefined);
  assert.equal(p.take(datas[4]!), [cmd(4)]);
  p.clear();
  assert.is(p.size, 0);
  assert.is(p.take(datas[3]!), undefined);
});

test.run();
