// The commands a leader proposes during one turn of the event loop, grouped into as few log entries
// as a size bound allows (src/codec/entry-commands.ts). Each entry is encoded, written, replicated,
// decoded and applied as one unit on every node, which is where batching saves its work; the bound
// keeps an entry, and the append message that carries it, small.
import { encodeEntryCommands } from '../codec/index.js';
import type { Command } from '../codec/types.js';

/** Commands are grouped into one entry up to this many encoded bytes (a larger command goes alone). */
export const MAX_BATCH_ENTRY_BYTES = 64 * 1024;

export interface ProposedEntry {
  data: Uint8Array;
  /** The commands `data` encodes, in order: the leader applies these without decoding `data`. */
  commands: Command[];
}

export class TurnProposals {
  private encoded: Uint8Array[] = [];
  private commands: Command[] = [];

  constructor(private readonly maxEntryBytes = MAX_BATCH_ENTRY_BYTES) {}

  get size(): number {
    return this.commands.length;
  }

  /** `encoded` is `cmd` as encodeCommand encodes it. */
  add(cmd: Command, encoded: Uint8Array): void {
    this.commands.push(cmd);
    this.encoded.push(encoded);
  }

  /** Everything added since the last take, as entries (in order). */
  take(): ProposedEntry[] {
    const { encoded, commands } = this;
    this.encoded = [];
    this.commands = [];
    const entries: ProposedEntry[] = [];
    let start = 0;
    let bytes = 0;
    for (let i = 0; i < commands.length; i++) {
      const size = encoded[i]!.length;
      if (i > start && bytes + size > this.maxEntryBytes) {
        entries.push(entry(encoded, commands, start, i));
        start = i;
        bytes = 0;
      }
      bytes += size;
    }
    if (commands.length > start) entries.push(entry(encoded, commands, start, commands.length));
    return entries;
  }
}

function entry(encoded: Uint8Array[], commands: Command[], from: number, to: number): ProposedEntry {
  return { data: encodeEntryCommands(encoded.slice(from, to)), commands: commands.slice(from, to) };
}
