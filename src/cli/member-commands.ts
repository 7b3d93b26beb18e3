// keel member add <id> [--learner] | promote <id> | remove <id> | transfer-leader [id]: one change at a time,
// answered once it has applied on the leader (see src/node/membership.ts).
import type { Argv } from 'yargs';
import type { ClusterAdmin } from './admin.js';
import { print, withClient, type GlobalArgs } from './connection.js';
import { membersTable } from './format.js';
import type { MembersResponse } from '../client/index.js';

type MemberArgs = GlobalArgs & { id: string; learner?: boolean };

/** The change subcommands, added beside `member list` (src/cli/cluster-commands.ts). */
export function memberChangeCommands<T>(y: Argv<T>): Argv<T> {
  return y
    .command('add <id>', 'add a node: as a learner with --learner, else as a voter once it has caught up (start it with `keel serve --id <id> --join`)',
      (c) => c.positional('id', { type: 'string', demandOption: true })
        .option('learner', { type: 'boolean', default: false, describe: 'stay a non-voting learner (promote it later)' }),
      (a) => change(a as unknown as MemberArgs, (admin, m) => admin.memberAdd(m.id, m.learner ?? false)))
    .command('promote <id>', 'make a caught-up learner a voter', (c) => c.positional('id', { type: 'string', demandOption: true }),
      (a) => change(a as unknown as MemberArgs, (admin, m) => admin.memberPromote(m.id)))
    .command('remove <id>', 'remove a node (the leader included: it steps down); stop the node afterwards',
      (c) => c.positional('id', { type: 'string', demandOption: true }),
      (a) => change(a as unknown as MemberArgs, (admin, m) => admin.memberRemove(m.id)))
    .command('transfer-leader [id]', 'hand leadership to voter <id> (default: the most caught-up one), e.g. before restarting the leader',
      (c) => c.positional('id', { type: 'string' }),
      (a) => change(a as unknown as MemberArgs, (admin, m) => admin.memberTransferLeader(m.id ?? '')));
}

async function change(a: MemberArgs, run: (admin: ClusterAdmin, a: MemberArgs) => Promise<MembersResponse>): Promise<void> {
  const { ClusterAdmin } = await import('./admin.js'); // loaded by the commands that use it: keeps `keel get` quick to start
  const m = await withClient({ ...a, timeout: a.timeout ?? 60_000 }, (client) => run(new ClusterAdmin(client), a));
  print(a, membersTable(m), { header: m.header, leader: m.leader || null, members: m.members });
}
