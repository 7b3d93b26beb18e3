// The Raft core's public API.
export * from './types.js';
export * from './errors.js';
export { RaftNode, type RaftCoreClass } from './node.js';
export { Raft, DEFAULT_MAX_INFLIGHT, DEFAULT_MAX_MSG_BYTES } from './raft.js';
export { encodeConfChange, decodeConfChange, applyConfChange, type ConfChangeRecord } from './confchange.js';
