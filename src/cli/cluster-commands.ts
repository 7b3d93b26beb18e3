// keel status | member list
import type { Argv } from 'yargs';
import { membersTable, statusJson, statusTable } from './format.js';
import { print, withClient, type GlobalArgs } from './connection.js';
import { memberChangeCommands } from './member-commands.js';

export function clusterCommands<T>(y: Argv<T>): Argv<T> {
  return y
    .command('status', 'every node: id, pid, role, term, commit, applied, last index, log size, lag', (c) => c,
      (a) => status(a as GlobalArgs))
    .command('member <command>', 'member list | add | promote | remove', (c) => memberChangeCommands(c
      .command('list', 'list the cluster members (* marks the leader)', (l) => l, (a) => memberList(a as GlobalArgs)))
      .demandCommand(1, 'member needs a subcommand'),
    () => undefined);
}

async function status(a: GlobalArgs): Promise<void> {
  const cs = await withClient(a, (c) => c.clusterStatus());
  print(a, statusTable(cs), statusJson(cs));
  // Unreachable members are reported, not failed on: the command answers "what does the cluster look like".
}

async function memberList(a: GlobalArgs): Promise<void> {
  const m = await withClient(a, (c) => c.members());
  print(a, membersTable(m), { header: m.header, leader: m.leader || null, members: m.members });
}
