import type { Config } from '../config/config.js';
import { type CheckResult, check } from './check.js';

const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

/** Who may cancel (nobody by default: a failure), who may operate, and where outcomes are copied. */
export function policyChecks(config: Config): CheckResult[] {
  const users = config.CANCEL_ALLOWED_USERS.length;
  const groups = config.CANCEL_ALLOWED_USERGROUPS.length;
  const channels = config.CANCEL_ALLOWED_CHANNELS.length;
  const where = channels === 0 ? 'in any channel' : `only in ${count(channels, 'channel')}`;
  const admins = config.CANCEL_ADMINS.length + config.CANCEL_ADMIN_USERGROUPS.length;
  return [
    users + groups === 0
      ? check(
          'fail',
          'Who may cancel',
          'nobody: set CANCEL_ALLOWED_USERS (user ids, U…) or CANCEL_ALLOWED_USERGROUPS (user group ids, S…)',
        )
      : check(
          'pass',
          'Who may cancel',
          `${count(users, 'user')} and ${count(groups, 'user group')}, ${where}`,
        ),
    admins === 0
      ? check(
          'warn',
          'Operators',
          'nobody may pause, resume or unlock: set CANCEL_ADMINS or CANCEL_ADMIN_USERGROUPS',
        )
      : check(
          'pass',
          'Operators',
          `${count(config.CANCEL_ADMINS.length, 'user')} and ${count(config.CANCEL_ADMIN_USERGROUPS.length, 'user group')}`,
        ),
    config.AUDIT_CHANNEL_ID === undefined
      ? check(
          'warn',
          'Audit channel',
          'AUDIT_CHANNEL_ID is not set: no copy of outcomes, pauses and chain heads in a channel of your own',
        )
      : check('pass', 'Audit channel', `${config.AUDIT_CHANNEL_ID} (invite the bot there)`),
  ];
}
