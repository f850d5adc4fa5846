import type { FunctionExecutedEvent } from '@slack/types';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { CancelService } from '../../core/cancel-service.js';
import type { InFlight } from '../../core/in-flight.js';
import { loadBatch } from '../../core/load-batch.js';
import { parseOrderList } from '../../core/order-number.js';
import type { AuditStore } from '../../core/ports/audit.js';
import { runCancelStep, type StepRun } from '../../core/workflow-step.js';
import { AuditUnavailableError, ShuttingDownError } from '../../errors.js';
import { REASON_MAX_LENGTH, WorkflowStep } from '../ids.js';
import { haltNotice } from '../pause-notice.js';
import type { Texts } from '../texts/index.js';
import type { WorkflowStepCompleter } from '../workflow-step-completer.js';

export interface WorkflowStepDeps {
  cancel: CancelService;
  audit: AuditStore;
  completer: WorkflowStepCompleter;
  /** BOT_LOCALE's: a step's error is read by whoever looks at the workflow's run. */
  texts: Texts;
  maxOrders: number;
  inFlight: InFlight;
  logger: Logger;
}

interface StepArgs {
  event: FunctionExecutedEvent;
  body: { team_id?: string };
  ack: () => Promise<void>;
}

const { inputs } = WorkflowStep;
const USER_ID = /^[UW][A-Z0-9]{2,}$/;
const CHANNEL_ID = /^[CG][A-Z0-9]{2,}$/;
const inputSchema = z.object({
  [inputs.orderNumbers]: z.string(),
  [inputs.reason]: z.string(),
  [inputs.requester]: z.string().regex(USER_ID),
  [inputs.outcomeChannel]: z.string().regex(CHANNEL_ID),
});

/**
 * The Workflow Builder step "Cancel a stock-in order". Its inputs are checked as strictly as a person's
 * (the command's parser, the dialog's reason rules); its `requester` is the person whose policy is checked
 * and who confirms, and the outcome goes to `outcome_channel`. In peer mode the step waits: it is completed
 * when the approval is decided or expires. Every failure completes the step with a human message.
 */
export function makeWorkflowStepHandler(deps: WorkflowStepDeps) {
  const { texts, logger } = deps;
  return async ({ event, body, ack }: StepArgs): Promise<void> => {
    await ack();
    const executionId = event.function_execution_id;
    const parsedInputs = inputSchema.safeParse(event.inputs);
    if (!parsedInputs.success) {
      logger.warn({ functionExecutionId: executionId }, 'workflow step started without valid inputs');
      await deps.completer.fail(executionId, texts.stepBadInput);
      return;
    }
    const given = parsedInputs.data;
    const parsed = parseOrderList(given[inputs.orderNumbers], deps.maxOrders);
    if (parsed.kind !== 'orders') {
      const message =
        parsed.kind === 'help'
          ? texts.stepNoOrders
          : texts.invalid[parsed.problem](parsed.sample ?? '', deps.maxOrders);
      await deps.completer.fail(executionId, message);
      return;
    }
    const reason = given[inputs.reason].trim();
    if (reason.length === 0 || Array.from(reason).length > REASON_MAX_LENGTH) {
      await deps.completer.fail(
        executionId,
        reason.length === 0 ? texts.reasonRequired : texts.reasonTooLong(REASON_MAX_LENGTH),
      );
      return;
    }
    if (!deps.inFlight.accepting) {
      await deps.completer.fail(executionId, texts.shuttingDown);
      return;
    }
    await deps.inFlight.track(
      run(executionId, {
        functionExecutionId: executionId,
        teamId: body.team_id ?? null,
        requesterId: given[inputs.requester],
        channelId: given[inputs.outcomeChannel],
        orderNos: parsed.orderNos,
        reason,
      }),
    );
  };

  async function run(executionId: string, input: Parameters<typeof runCancelStep>[1]): Promise<void> {
    let outcome: StepRun;
    try {
      outcome = await runCancelStep(deps.cancel, input);
    } catch (error) {
      logger.error({ err: error, functionExecutionId: executionId }, 'workflow step failed');
      // Records already written carry the execution id: the settlement sweep closes them and completes the
      // step if this message cannot.
      const message =
        error instanceof AuditUnavailableError
          ? texts.auditUnavailable
          : error instanceof ShuttingDownError
            ? texts.shuttingDown
            : texts.unexpected;
      await deps.completer.fail(executionId, message);
      return;
    }
    if (outcome.kind === 'paused') {
      await deps.completer.fail(executionId, haltNotice(texts, outcome.halt), [outcome.record]);
      return;
    }
    if (outcome.kind === 'denied') {
      await deps.completer.fail(executionId, texts.denied[outcome.decision.reason](texts.askWhomDefault), [
        outcome.record,
      ]);
      return;
    }
    const { result } = outcome;
    logger.info({ functionExecutionId: executionId, result: result.kind }, 'workflow step ran');
    // Waiting for a second person: the approval (or its expiry) completes the step.
    if (result.kind === 'awaiting_approval') return;
    await deps.completer.settle((await loadBatch(deps.audit, outcome.attemptIds)) ?? []);
  }
}
