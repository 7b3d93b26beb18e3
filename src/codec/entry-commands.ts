// The data of a normal log entry: one keel.Command, or several as one Command whose op is a
// keel.Batch. A leader proposes the commands of one event-loop turn as one batch entry, so Raft,
// the log and every replica handle one entry where they would handle dozens (each command still
// gets its own revision and outcome when the entry applies).
//
// A batch is built from the commands' own encodings, which the leader has already made: in Avro a
// Batch command is its header (requestId null, the Batch branch of the op union, the array's item
// count), the items' bytes one after the other, and the array's end. Nothing is encoded twice.
import { commandCodec } from './codecs.js';
import { avroLengthBytes } from './avro-long.js';
import { asBuffer, invalid } from './codec.js';
import { branchOf, commandFromAvro } from './map-command.js';
import type { Command } from './types.js';

const BATCH = 'keel.Batch';

/** The index of the Batch branch in Command's op union (read from the schema, not assumed). */
const batchBranch = (() => {
  const op = (commandCodec.type as unknown as { fields: { name: string; type: { types: { name?: string }[] } }[] })
    .fields.find((f) => f.name === 'op')!;
  const index = op.type.types.findIndex((t) => t.name === BATCH);
  if (index < 0) throw new Error(`schemas/command.avsc: the Command op union has no ${BATCH}`);
  return index;
})();

/**
 * The entry data for commands already encoded one by one (encodeCommand): a single command's own
 * bytes, several as one Batch command. The bytes are exactly what avsc would encode for the Batch.
 */
export function encodeEntryCommands(encoded: readonly Uint8Array[]): Uint8Array {
  if (encoded.length === 1) return encoded[0]!;
  if (encoded.length === 0) throw new Error('an entry holds at least one command');
  // requestId: the null branch (0); op: the Batch branch; the array's one block: its item count.
  const header = Buffer.from([0x00, ...avroLengthBytes(batchBranch), ...avroLengthBytes(encoded.length)]);
  let size = header.length + 1;
  for (const e of encoded) size += e.length;
  const out = Buffer.allocUnsafe(size);
  header.copy(out, 0);
  let at = header.length;
  for (const e of encoded) {
    out.set(e, at);
    at += e.length;
  }
  out[at] = 0x00; // the array's end: a block of zero items
  return out;
}

/**
 * The commands of an entry's data, in the order they apply. Throws InvalidArgumentError on bytes
 * that are not a Command, and on a batch inside a batch (no leader proposes one).
 */
export function decodeEntryCommands(data: Uint8Array): Command[] {
  let decoded: { requestId: unknown; op: Record<string, { commands: unknown[] }> };
  try {
    decoded = commandCodec.type.fromBuffer(asBuffer(data));
  } catch (err) {
    throw invalid(`malformed keel.Command (${data.length} bytes)`, err);
  }
  try {
    if (branchOf(decoded.op) !== BATCH) return [commandFromAvro(decoded)];
    if (decoded.requestId !== null) throw new Error('a batch carries no request id');
    return decoded.op[BATCH]!.commands.map(commandFromAvro);
  } catch (err) {
    throw invalid('malformed keel.Command', err);
  }
}
