import type { Logger } from 'pino';
import type { OperatorControl, OperatorStatus } from '../core/operator-control.js';
import { LIMITS, truncate } from './block-kit-limits.js';
import { formatUtcAndShanghai } from './format-time.js';
import type { OperatorActions } from './handlers/operator-command.js';
import type { OperatorCommandArgs } from './handlers/slash-command.js';
import { escapeMrkdwn, mentionUser } from './mrkdwn.js';
import { pauseArgs } from './pause-notice.js';
import type { Texts } from './texts/index.js';
import { userMessageFor } from './user-message.js';

/** At most this many calls in flight are listed one by one in `status`; the count is always exact. */
const MAX_CALLS_LISTED = 15;

export interface OperatorActionDeps {
  control: OperatorControl;
  logger: Logger;
}

/**
 * Pause, resume and status, once the admin gate has let the person through. A pause or resume is announced
 * in the channel where it was typed (through the command's response URL, which works wherever the command
 * does); its notice to the audit channel is owed with the write itself and delivered by the outbox. A failed
 * write changes nothing and says so.
 */
export function makeOperatorActions(deps: OperatorActionDeps): Omit<OperatorActions, 'unlock'> {
  const { control, logger } = deps;
  const input = ({ command }: OperatorCommandArgs) => ({
    adminId: command.user_id,
    teamId: command.team_id ?? null,
    channelId: command.channel_id,
  });
  const ephemeral = (args: OperatorCommandArgs, text: string) =>
    args.respond({ response_type: 'ephemeral', text: truncate(text, LIMITS.sectionText) });

  /** Runs the store-backed part; a store failure is told to the admin (nothing changed) and logged. */
  async function guarded<T>(args: OperatorCommandArgs, work: () => Promise<T>): Promise<T | null> {
    try {
      return await work();
    } catch (error) {
      logger.error(
        { err: error, command: args.parsed.kind, userId: args.command.user_id },
        'operator command failed',
      );
      await ephemeral(args, userMessageFor(error, args.texts));
      return null;
    }
  }

  async function announce(args: OperatorCommandArgs, text: (texts: Texts) => string): Promise<void> {
    await args.respond({ response_type: 'in_channel', text: truncate(text(args.texts), LIMITS.sectionText) });
  }

  return {
    async pause(args) {
      const result = await guarded(args, () => control.pause({ ...input(args), reason: args.parsed.reason }));
      if (!result) return;
      if (result.kind === 'already_paused') {
        const { view } = result;
        await ephemeral(
          args,
          view.kind === 'paused'
            ? args.texts.operator.alreadyPaused(...pauseArgs(view))
            : args.texts.operator.pauseUnknown,
        );
        return;
      }
      const { entry } = result;
      logger.warn({ adminId: entry.record.requesterId, seq: entry.seq }, 'cancels paused by an operator');
      const at = pauseArgs({
        by: entry.record.requesterId,
        since: entry.at,
        reason: entry.record.reason ?? '',
      });
      await announce(args, (texts) => texts.operator.pausedAnnouncement(...at));
    },
    async resume(args) {
      const result = await guarded(args, () => control.resume(input(args)));
      if (!result) return;
      if (result.kind === 'not_paused') {
        await ephemeral(args, args.texts.operator.notPaused);
        return;
      }
      const { entry, pausedSince } = result;
      logger.warn({ adminId: entry.record.requesterId, seq: entry.seq }, 'cancels resumed by an operator');
      const who = mentionUser(entry.record.requesterId);
      const at = formatUtcAndShanghai(entry.at);
      const since = pausedSince ? formatUtcAndShanghai(pausedSince) : null;
      await announce(args, (texts) => texts.operator.resumedAnnouncement(who, at, since));
    },
    async status(args) {
      const status = await guarded(args, () => control.status());
      if (status) await ephemeral(args, statusText(args.texts, status));
    },
  };
}

/** The `status` answer: the pause, calls in flight (each holds its order's lock), pending approvals. */
export function statusText(texts: Texts, status: OperatorStatus): string {
  const t = texts.operator;
  const { pause } = status;
  const lines = [
    `*${t.statusTitle}*`,
    pause.kind === 'running'
      ? t.statusRunning
      : pause.kind === 'paused'
        ? t.statusPaused(...pauseArgs(pause))
        : t.statusUnknown,
    t.statusCalling(status.calling.length),
  ];
  for (const record of status.calling.slice(0, MAX_CALLS_LISTED)) {
    const since = record.stateTimes.calling ?? record.stateTimes.requested ?? '';
    lines.push(
      t.statusCallingLine(
        escapeMrkdwn(record.orderNo ?? ''),
        mentionUser(record.requesterId),
        since ? formatUtcAndShanghai(since) : '?',
      ),
    );
  }
  if (status.calling.length > MAX_CALLS_LISTED) lines.push(`… +${status.calling.length - MAX_CALLS_LISTED}`);
  const locked = [...new Set(status.calling.map((r) => r.orderNo).filter((o): o is string => Boolean(o)))];
  lines.push(
    t.statusLocked(
      locked.length === 0 ? '0' : `${locked.length} (${locked.slice(0, 40).map(escapeMrkdwn).join(', ')})`,
    ),
  );
  lines.push(t.statusPendingApprovals(status.pendingApprovals));
  return lines.join('\n');
}
