// What the Raft core has to say since the last Ready: messages to peers and ReadIndex answers for
// the application. Shared by the core and the parts that send (replication, ReadIndex, snapshots).
import type { Message, MessageType, NodeId, ReadState } from './types.js';
import { blankMessage } from './types.js';

export class Outbox {
  private messages: Message[] = [];
  private readStates: ReadState[] = [];

  constructor(readonly id: NodeId, private readonly currentTerm: () => number) {}

  /** A blank message from this node in the current term. */
  message(type: MessageType, to: NodeId): Message { return blankMessage(type, this.id, to, this.currentTerm()); }
  send(m: Message): void { this.messages.push(m); }
  answerRead(index: number, context: string): void { this.readStates.push({ index, context }); }

  get isEmpty(): boolean { return this.messages.length === 0 && this.readStates.length === 0; }
  /** Hands everything queued to a Ready. */
  take(): { messages: Message[]; readStates: ReadState[] } {
    const out = { messages: this.messages, readStates: this.readStates };
    this.messages = [];
    this.readStates = [];
    return out;
  }

  /**
   * Our log lost its entries from `index` on (replaced by a new leader's, or by a snapshot) before
   * the queued acknowledgements of them went out: those acks would claim entries we will never
   * store, letting their old leader count us toward a commit. Drop them (as if lost).
   */
  dropAcksFrom(index: number): void {
    this.messages = this.messages.filter((m) => !(m.type === 'appResp' && !m.reject && m.index >= index));
  }
}
