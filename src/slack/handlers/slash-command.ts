import type { SlackCommandMiddlewareArgs } from '@slack/bolt';
import type { Logger } from 'pino';
import type { InFlight } from '../../core/in-flight.js';
import { type OperatorCommand, parseCommandText } from '../../core/order-number.js';
import type { CancelPolicy } from '../../core/policy.js';
import type { CommandAdmission } from '../command-admission.js';
import type { CommandResult } from '../command-result.js';
import { COMMAND } from '../ids.js';
import { quoteUserText } from '../mrkdwn.js';
import type { OpenConfirmation } from '../open-confirmation.js';
import type { ReaderTexts } from '../reader-locales.js';
import type { Texts } from '../texts/index.js';
import type { PreviewSettings } from '../views/confirmation-dialog.js';
import { buildHelpReply } from '../views/help-reply.js';
import { buildUsageReply } from '../views/usage.js';

export interface SlashCommandDeps {
  openConfirmation: OpenConfirmation;
  policy: CancelPolicy;
  /** The reader's language: from the cache only, never a lookup before the ack. */
  readers: ReaderTexts;
  maxOrders: number;
  askWhom: string;
  preview: PreviewSettings;
  inFlight: InFlight;
  /** Back-pressure at ack time: a command beyond the admitted rate is turned away in the ack. */
  admission: CommandAdmission;
  /** A command whose dialog could not open this long after it arrived is shed (its trigger id dies at 3 s). */
  triggerBudgetMs: number;
  /** `pause`, `resume`, `status`, `unlock` (issue 18): the ack is already sent when it is called. */
  operatorCommand?: (args: OperatorCommandArgs) => Promise<void>;
  /** Counts what became of each command (cancel_stockin_commands_total). */
  countCommand: (result: CommandResult) => void;
  logger: Logger;
}

const ephemeralReply = (text: string) => ({ response_type: 'ephemeral' as const, text });

type SlashCommandArgs = Pick<SlackCommandMiddlewareArgs, 'command' | 'ack' | 'respond'>;

export interface OperatorCommandArgs {
  parsed: OperatorCommand;
  command: SlackCommandMiddlewareArgs['command'];
  respond: SlackCommandMiddlewareArgs['respond'];
  texts: Texts;
}

/**
 * Parsing and admission are synchronous and answered in the ack; everything that talks to the world (user
 * groups, the audit store, views.open) happens after it, inside the trigger id's 3 seconds. The dialog opens
 * at once with "Looking up…", and is updated (with the view's hash) once WDT has shown each order.
 */
export function makeSlashCommandHandler(deps: SlashCommandDeps) {
  const { logger, countCommand } = deps;
  // Dialogs being prepared: the admission cap counts these, not cancels (a slow WDT call may run for minutes).
  let preparing = 0;
  return async ({ command, ack, respond }: SlashCommandArgs): Promise<void> => {
    const texts = deps.readers.for(command.user_id);
    const parsed = parseCommandText(command.text ?? '', deps.maxOrders);
    if (parsed.kind === 'help') {
      countCommand('help');
      await ack(await helpFor(texts, command.user_id, command.channel_id));
      deps.readers.warm(command.user_id);
      return;
    }
    if (parsed.kind === 'invalid') {
      const problem = texts.invalid[parsed.problem](quoteUserText(parsed.sample ?? ''), deps.maxOrders);
      countCommand('bad_input');
      await ack(buildUsageReply(texts, COMMAND, problem));
      deps.readers.warm(command.user_id);
      return;
    }
    if (parsed.kind !== 'orders') {
      countCommand('operator');
      await ack();
      if (deps.operatorCommand) await deps.operatorCommand({ parsed, command, respond, texts });
      else await respond(await helpFor(texts, command.user_id, command.channel_id));
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
      await deps.inFlight.track(openConfirmation({ command, respond }, texts, parsed.orderNos, receivedAt));
    } finally {
      preparing--;
    }
    // After the dialog opened: the next reply to this person is in their own language.
    deps.readers.warm(command.user_id);
  };

  async function helpFor(texts: Texts, userId: string, channelId: string) {
    const [request, approve, admin] = await Promise.all([
      deps.policy.canRequest(userId, channelId),
      deps.policy.canApprove(userId),
      deps.policy.isAdmin(userId),
    ]);
    return buildHelpReply(texts, {
      command: COMMAND,
      mayRequest: request.allowed,
      mayApprove: approve.allowed,
      mayOperate: admin.allowed,
      approvalMode: deps.preview.approvalMode,
      approvalTtlMinutes: deps.preview.approvalTtlMinutes,
      maxBatch: deps.maxOrders,
      askWhom: deps.askWhom,
    });
  }

  async function openConfirmation(
    { command, respond }: Omit<SlashCommandArgs, 'ack'>,
    texts: Texts,
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
    await deps.openConfirmation({
      texts,
      dialog: { kind: 'trigger', triggerId: command.trigger_id },
      teamId: command.team_id ?? null,
      channelId: command.channel_id,
      userId: command.user_id,
      orderNos,
      tell: ephemeral,
      onResult: countCommand,
    });
  }
}
