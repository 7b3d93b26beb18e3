// A normal entry's data: one command, or a batch of commands built from their own encodings.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  commandCodec, decodeCommand, decodeEntryCommands, encodeCommand, encodeEntryCommands, InvalidArgumentError,
  type Command,
} from '../../src/codec/index.js';
import { commands, plain } from './samples.js';

const put = (seq: number, size = 10): Command => ({
  requestId: { clientId: `client-${seq % 3}`, seq },
  op: { type: 'put', key: new TextEncoder().encode(`k${seq}`), value: new Uint8Array(size).fill(seq), lease: 0, prevKv: false },
});

test('one command: the entry data is its own encoding, and decodes as a list of one', () => {
  const one = encodeCommand(commands[0]!);
  assert.is(encodeEntryCommands([one]), one);
  assert.equal(plain(decodeEntryCommands(one)), plain([commands[0]]));
});

test('a batch of every command variant decodes to the same commands, in order', () => {
  const data = encodeEntryCommands(commands.map(encodeCommand));
  assert.equal(plain(decodeEntryCommands(data)), plain(commands));
});

test('the hand-built batch is byte for byte what avsc encodes for the Batch command', () => {
  for (const n of [2, 63, 64, 65, 300]) {
    // 64 items need a two-byte count (zigzag 128): the varint's continuation is covered.
    const cmds = Array.from({ length: n }, (_, i) => put(i, i % 7 === 0 ? 300 : 10));
    const byAvsc = commandCodec.type.toBuffer({
      requestId: null,
      op: { 'keel.Batch': { commands: cmds.map((c) => ({ requestId: c.requestId, op: { 'keel.PutOp': c.op } })) } },
    });
    assert.equal(Buffer.from(encodeEntryCommands(cmds.map(encodeCommand))), byAvsc, `${n} commands`);
  }
});

test('decodeCommand refuses a batch: it is not one command', () => {
  const data = encodeEntryCommands([put(1), put(2)].map(encodeCommand));
  assert.throws(() => decodeCommand(data), (e: unknown) => e instanceof InvalidArgumentError && /Batch/.test((e as Error).message));
});

test('a batch inside a batch, a batch with a request id, and damaged bytes are InvalidArgument', () => {
  const inner = encodeEntryCommands([put(1), put(2)].map(encodeCommand));
  const nested = encodeEntryCommands([inner, encodeCommand(put(3))]);
  assert.throws(() => decodeEntryCommands(nested), (e: unknown) => e instanceof InvalidArgumentError);
  const withId = commandCodec.type.toBuffer({
    requestId: { clientId: 'c', seq: 1 },
    op: { 'keel.Batch': { commands: [{ requestId: null, op: { 'keel.Noop': {} } }] } },
  });
  assert.throws(() => decodeEntryCommands(withId), (e: unknown) => e instanceof InvalidArgumentError && /request id/.test((e as Error).message));
  const batch = encodeEntryCommands([put(1), put(2)].map(encodeCommand));
  assert.throws(() => decodeEntryCommands(batch.subarray(0, batch.length - 3)), (e: unknown) => e instanceof InvalidArgumentError);
});

test.run();
