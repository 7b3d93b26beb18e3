// keel alarm list | disarm: each member's alarms (NOSPACE: the storage quota was exceeded; see
// src/node/quota.ts). Disarming is an operator action (admin identity), asked of every member.
import type { Argv } from 'yargs';
import { print, withClient, type GlobalArgs } from './connection.js';
import { table } from './format.js';

export function alarmCommands<T>(y: Argv<T>): Argv<T> {
  return y.command('alarm <command>', 'alarm list | disarm (NOSPACE: the storage quota was exceeded)', (c) => c
    .command('list', 'every member\'s active alarms', (l) => l, (a) => alarmList(a as GlobalArgs))
    .command('disarm', 'clear every member\'s alarms after freeing space (raised again if the store is still over quota); needs the admin identity', (l) => l,
      (a) => alarmDisarm(a as GlobalArgs))
    .demandCommand(1, 'alarm needs a subcommand: list or disarm'),
  () => undefined);
}

async function alarmList(a: GlobalArgs): Promise<void> {
  const cs = await withClient(a, (c) => c.clusterStatus());
  const alarms = cs.members.flatMap((m) => (m.status?.alarms ?? []).map((alarm) => ({ member: m.id, alarm })));
  print(a, alarms.length === 0 ? 'no alarms' : table(['MEMBER', 'ALARM'], alarms.map((x) => [x.member, x.alarm])), { alarms });
}

async function alarmDisarm(a: GlobalArgs): Promise<void> {
  const result = await withClient(a, async (c) => {
    const { ClusterAdmin } = await import('./admin.js'); // loaded by the commands that use it
    const admin = new ClusterAdmin(c);
    const { members } = await c.members();
    return Promise.all(members.map(async (m) => {
      try {
        const st = await admin.alarmDisarm(m.id);
        return { member: m.id, disarmed: true, alarms: st.alarms, error: null };
      } catch (err) {
        return { member: m.id, disarmed: false, alarms: [], error: (err as Error).message };
      }
    }));
  });
  print(a, table(['MEMBER', 'RESULT'], result.map((r) => [r.member, r.disarmed ? (r.alarms.length ? `still ${r.alarms.join(',')}` : 'disarmed') : `failed: ${r.error}`])), { members: result });
  if (result.some((r) => !r.disarmed)) process.exitCode = 1;
}
