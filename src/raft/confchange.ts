// Configuration changes, one server at a time. A config entry carries the change AND the complete
// resulting configuration, so a node that joins with an empty configuration learns the whole
// membership from the first config entry it applies (entries are totally ordered, and a leader
// proposes a change only after applying every earlier one, so the resulting conf is well defined).
import type { ConfChange, ConfState, Entry, NodeId } from './types.js';
import { ConfChangeRejectedError } from './errors.js';

export interface ConfChangeRecord { change: ConfChange; conf: ConfState }

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeConfChange(record: ConfChangeRecord): Uint8Array {
  return encoder.encode(JSON.stringify(record));
}

export function decodeConfChange(data: Uint8Array): ConfChangeRecord {
  const parsed = JSON.parse(decoder.decode(data)) as ConfChangeRecord;
  if (!parsed || !parsed.change || !parsed.conf || !Array.isArray(parsed.conf.voters) || !Array.isArray(parsed.conf.learners)) {
    throw new ConfChangeRejectedError('malformed config entry');
  }
  return parsed;
}

export function copyConf(conf: ConfState): ConfState {
  return { voters: [...conf.voters], learners: [...conf.learners] };
}

export function isMember(conf: ConfState, id: NodeId): boolean {
  return conf.voters.includes(id) || conf.learners.includes(id);
}

/** The configuration after `cc`; throws ConfChangeRejectedError if `cc` makes no sense in `conf`. */
export function applyConfChange(conf: ConfState, cc: ConfChange): ConfState {
  const voters = conf.voters.filter((v) => v !== cc.node);
  const learners = conf.learners.filter((l) => l !== cc.node);
  switch (cc.type) {
    case 'addLearner':
      if (isMember(conf, cc.node)) throw new ConfChangeRejectedError(`${cc.node} is already a member`);
      return { voters, learners: [...learners, cc.node] };
    case 'promote':
      if (!conf.learners.includes(cc.node)) throw new ConfChangeRejectedError(`${cc.node} is not a learner`);
      return { voters: [...voters, cc.node], learners };
    case 'remove':
      if (!isMember(conf, cc.node)) throw new ConfChangeRejectedError(`${cc.node} is not a member`);
      if (voters.length === 0) throw new ConfChangeRejectedError(`removing ${cc.node} would leave no voters`);
      return { voters, learners };
    case 'bootstrap':
      throw new ConfChangeRejectedError('the initial configuration is written at bootstrap only, never proposed');
  }
}

/**
 * The first entry of a new cluster's log, as etcd writes it: the initial voters as a config entry at
 * index 1, term 1. Every founding member writes the same entry and starts with it committed, so the
 * membership lives in the log (and then in snapshots), not only in each node's flags.
 */
export function bootstrapEntry(voters: readonly NodeId[]): Entry {
  const conf: ConfState = { voters: [...voters], learners: [] };
  return { index: 1, term: 1, type: 'config', data: encodeConfChange({ change: { type: 'bootstrap', node: '' }, conf }) };
}

/** The membership as of `commit`: the snapshot's, then every config entry up to `commit`; null if none. */
export function membershipAt(snapshotConf: ConfState | null, entries: readonly Entry[], commit: number): ConfState | null {
  let conf = snapshotConf ? copyConf(snapshotConf) : null;
  for (const e of entries) {
    if (e.index > commit) break;
    if (e.type === 'config') conf = copyConf(decodeConfChange(e.data).conf);
  }
  return conf;
}
