// Avro codec for the batches of Raft messages nodes publish to each other (schemas/raft-message.avsc).
// The Raft Message is one flat record, so it needs no mapping: avsc reads and writes it as is.
import { makeCodec, type Codec } from '../codec/codec.js';
import { typeNamed } from '../codec/schemas.js';
import type { Message } from '../raft/types.js';

export interface RaftBatch {
  from: string;
  messages: Message[];
}

export const raftBatchCodec: Codec<RaftBatch> = makeCodec<RaftBatch>(typeNamed('keel.RaftBatch'));
