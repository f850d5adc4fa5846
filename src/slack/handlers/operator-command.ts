import type { Logger } from 'pino';
import type { OperatorCommand } from '../../core/order-number.js';
import type { CancelPolicy } from '../../core/policy.js';
import type { RefusedRequest } from '../../core/refused-request.js';
import type { OperatorCommandArgs } from './slash-command.js';

/** What an admin's `pause`, `resume`, `status` or `unlock` does, once the gate has let them through. */
export type OperatorActions = {
  [Kind in OperatorCommand['kind']]: (
    args: OperatorCommandArgs & { parsed: Extract<OperatorCommand, { kind: Kind }> },
  ) => Promise<void>;
};

/**
 * The one gate in front of every operator command: only CANCEL_ADMINS / CANCEL_ADMIN_USERGROUPS pass. Anyone
 * else is told so, nothing changes, and the attempt is recorded as a `denied` entry naming the command.
 */
export function makeOperatorCommandHandler(deps: {
  policy: Pick<CancelPolicy, 'isAdmin'>;
  recordRefusal: (request: RefusedRequest) => Promise<void>;
  actions: OperatorActions;
  logger: Logger;
}) {
  return async (args: OperatorCommandArgs): Promise<void> => {
    const { parsed, command, respond, texts } = args;
    const decision = await deps.policy.isAdmin(command.user_id);
    if (!decision.allowed) {
      const reason = decision.reason === 'channel_not_allowed' ? 'not_listed' : decision.reason;
      await deps
        .recordRefusal({
          teamId: command.team_id ?? null,
          channelId: command.channel_id,
          userId: command.user_id,
          orderNo: parsed.kind === 'unlock' ? parsed.orderNo : null,
          detail: `operator command \`${parsed.kind}\` refused: not an admin (${reason})`,
        })
        .catch((error: unknown) =>
          deps.logger.error(
            { err: error, userId: command.user_id },
            'could not audit a refused operator command',
          ),
        );
      deps.logger.warn({ userId: command.user_id, command: parsed.kind, reason }, 'operator command refused');
      await respond({ response_type: 'ephemeral', text: texts.notAdmin[reason](parsed.kind) });
      return;
    }
    // The mapped type pairs each kind with its own action; TypeScript cannot follow that through the index.
    const action = deps.actions[parsed.kind] as (args: OperatorCommandArgs) => Promise<void>;
    await action(args);
  };
}
