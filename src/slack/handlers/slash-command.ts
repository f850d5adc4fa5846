import type { SlackCommandMiddlewareArgs } from '@slack/bolt';
import type { Logger } from 'pino';
import type { CancelService } from '../../core/cancel-service.js';
import type { InFlight } from '../../core/in-flight.js';
import { parseCommandText } from '../../core/order-number.js';
import type { CancelPolicy } from '../../core/policy.js';
import type { WdtEnvironment } from '../../core/ports/wdt.js';
import type { CommandAdmission } from '../command-admission.js';
import type { CommandResult } from '../command-result.js';
import { slackErrorCode } from '../error-code.js';
import { COMMAND } from '../ids.js';
import { quoteUserText } from '../mrkdwn.js';
import type { Seals } from '../private-metadata.js';
import type { Texts } from '../texts/index.js';
import { userMessageFor } from '../user-message.js';
import {
  buildConfirmationDialog,
  buildLoadingModal,
  type PreviewSettings,
} from '../views/confirmation-dialog.js';
import { buildHelpReply } from '../views/help-reply.js';
import { buildStatusModal } from '../views/status-modal.js';
import { buildUsageReply } from '../views/usage.js';
import type { SlackViews } from '../views-client.js';

export interface SlashCommandDeps {
  cancel: CancelService;
  policy: CancelPolicy;
  texts: Texts;
  environment: WdtEnvironment;
  seals: Seals;
  maxOrders: number;
  askWhom: string;
  preview: PreviewSettings;
  views: SlackViews;
  inFlight: InFlight;
  /** Back-pressure at ack time: a command beyond the admitted rate is turned away in the ack. */
  admission: CommandAdmission;
  /** A command whose dialog could not open this long after it arrived is shed (its trigger id dies at 3 s). */
  triggerBudgetMs: number;
  /** Hears what became of each command, once (the metrics count them). */
  countCommand: (result: CommandResult) => void;
  logger: Logger;
}

const ephemeralReply = (text: string) => ({ response_type: 'ephemeral' as const, text });

type SlashCommandArgs = Pick<SlackCommandMiddlewareArgs, 'command' | 'ack' | 'respond'>;

/**
 * Parsing and admission are synchronous and answered in the ack; everything that talks to the world (user
 * groups, the audit store, views.open) happens after it, inside the trigger id's 3 seconds. The dialog opens
 * at once with "Looking up…", and is updated (with the view's hash) once WDT has shown each order.
 */
export function makeSlashCommandHandler(deps: SlashCommandDeps) {
  const { texts, logger, countCommand } = deps;
  // Dialogs being prepared: the admission cap counts these, not cancels (a slow WDT call may run for minutes).
  let preparing = 0;
  return async ({ command, ack, respond }: SlashCommandArgs): Promise<void> => {
    const parsed = parseCommandText(command.text ?? '', deps.maxOrders);
    if (parsed.kind === 'help') {
      countCommand('help');
      await ack(await helpFor(command.user_id, command.channel_id));
      return;
    }
    if (parsed.kind === 'invalid') {
      const problem = texts.invalid[parsed.problem](quoteUserText(parsed.sample ?? ''), deps.maxOrders);
      countCommand('bad_input');
      await ack(buildUsageReply(texts, COMMAND, problem));
      return;
    }
    const receivedAt = performance.now();
    if (!deps.inFlight.accepting) {
      countCommand('shed');
      await ack(ephemeralReply(texts.shuttingDown));
      return;
    }
    if (!deps.admission.admit(preparing)) {
      countCommand('shed');
      await ack(ephemeralReply(texts.tooBusy));
      return;
    }
    await ack();
    preparing++;
    try {
      await deps.inFlight.track(openConfirmation({ command, respond }, parsed.orderNos, receivedAt));
    } finally {
      preparing--;
    }
  };

  async function helpFor(userId: string, channelId: string) {
    const [request, approve] = await Promise.all([
      deps.policy.canRequest(userId, channelId),
      deps.policy.canApprove(userId),
    ]);
    return buildHelpReply(texts, {
      command: COMMAND,
      mayRequest: request.allowed,
      mayApprove: approve.allowed,
      approvalMode: deps.preview.approvalMode,
      approvalTtlMinutes: deps.preview.approvalTtlMinutes,
      maxBatch: deps.maxOrders,
      askWhom: deps.askWhom,
    });
  }

  /** Best effort: a dialog left saying "Looking up…" after a failure would mislead; say what happened. */
  async function showInDialog(
    opening: Promise<{ id: string; hash: string }> | undefined,
    text: string,
  ): Promise<void> {
    try {
      const opened = await opening;
      if (!opened) return;
      const view = buildStatusModal({ texts, title: texts.modalTitle, mrkdwn: text });
      await deps.views.update({ viewId: opened.id, hash: opened.hash, view });
    } catch (error) {
      logger.info({ slackError: slackErrorCode(error) }, 'could not show the problem in the dialog');
    }
  }

  async function openConfirmation(
    { command, respond }: Omit<SlashCommandArgs, 'ack'>,
    orderNos: string[],
    receivedAt: number,
  ): Promise<void> {
    const ephemeral = (text: string) => respond({ ...ephemeralReply(text), replace_original: false });
    // Slack's trigger id dies 3 s after the command: a dialog that cannot open in time is not worth opening.
    if (performance.now() - receivedAt > deps.triggerBudgetMs) {
      logger.warn({ pending: deps.inFlight.size, userId: command.user_id }, 'overloaded: command shed late');
      countCommand('shed');
      await ephemeral(texts.tooBusy);
      return;
    }

    // The "Looking up…" dialog offers no button, so it needs no record: it opens while the request is written.
    let opening: Promise<{ id: string; hash: string }> | undefined;
    const openLoading = () => {
      opening = deps.views.open(command.trigger_id, buildLoadingModal(texts, orderNos));
      opening.catch(() => {}); // handled below, once the request is recorded
    };
    let result: Awaited<ReturnType<CancelService['request']>>;
    try {
      result = await deps.cancel.request(
        { teamId: command.team_id ?? null, channelId: command.channel_id, userId: command.user_id, orderNos },
        { onAllowed: openLoading },
      );
    } catch (error) {
      logger.error({ err: error, userId: command.user_id }, 'cancel request failed before the dialog');
      countCommand('failed');
      const text = userMessageFor(error, texts);
      await ephemeral(text);
      await showInDialog(opening, text);
      return;
    }
    if (result.kind === 'denied') {
      countCommand('denied');
      await ephemeral(texts.denied[result.decision.reason](deps.askWhom));
      return;
    }

    const { attempts } = result;
    let opened: { id: string; hash: string };
    try {
      opened = await opening!;
    } catch (error) {
      const code = slackErrorCode(error);
      logger.warn({ slackError: code, batchId: attempts[0]?.batchId }, 'views.open failed');
      countCommand('failed');
      await ephemeral(texts.modalFailed(code));
      for (const attempt of attempts) {
        await deps.cancel.abandon(attempt, `confirmation dialog could not open: ${code}`);
      }
      return;
    }

    let items: Awaited<ReturnType<CancelService['preview']>>;
    try {
      items = await deps.cancel.preview(attempts);
    } catch (error) {
      logger.error({ err: error, batchId: attempts[0]?.batchId }, 'preview failed');
      countCommand('failed');
      const text = userMessageFor(error, texts);
      await ephemeral(text);
      await showInDialog(opening, text);
      return;
    }
    countCommand('admitted');
    const view = buildConfirmationDialog({
      texts,
      items,
      environment: deps.environment,
      channelId: command.channel_id,
      privateMetadata: deps.seals.seal('confirm', { attemptIds: attempts.map((a) => a.attemptId) }),
      settings: deps.preview,
    });
    try {
      await deps.views.update({ viewId: opened.id, hash: opened.hash, view });
    } catch (error) {
      // Closed by the person, or a newer view already replaced it (hash_conflict): nothing to overwrite.
      logger.info({ slackError: slackErrorCode(error), viewId: opened.id }, 'could not show the preview');
    }
  }
}
