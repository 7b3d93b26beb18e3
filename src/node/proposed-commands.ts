// The commands this leader proposed, by the encoded bytes of the entry it proposed them in, so that applying its
// own entries does not decode them again. A Map, not a WeakMap: the bytes stay in the Raft log
// until a snapshot compacts it, so a WeakMap held an ephemeron per entry for that long, which every
// garbage collection walks. An entry leaves when it is applied; the oldest leave past a bound (the
// node then decodes them, as a follower does), and all leave when the node stops leading (entries
// that commit under another leader arrive as other bytes).
import type { Command } from '../codec/types.js';

const DEFAULT_MAX_ENTRIES = 65_536;

export class ProposedCommands {
  private readonly byData = new Map<Uint8Array, readonly Command[]>();

  constructor(private readonly maxEntries = DEFAULT_MAX_ENTRIES) {}

  get size(): number {
    return this.byData.size;
  }

  remember(data: Uint8Array, cmds: readonly Command[]): void {
    this.byData.set(data, cmds);
    if (this.byData.size > this.maxEntries) this.byData.delete(this.byData.keys().next().value!);
  }

  /** The commands proposed as exactly these bytes (same object), forgotten once taken. */
  take(data: Uint8Array): readonly Command[] | undefined {
    const cmds = this.byData.get(data);
    if (cmds !== undefined) this.byData.delete(data);
    return cmds;
  }

  clear(): void {
    this.byData.clear();
  }
}
