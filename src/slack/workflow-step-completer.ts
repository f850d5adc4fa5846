import type { Logger } from 'pino';
import { FINAL_STATES } from '../core/attempt.js';
import type { AttemptRecord, AuditStore } from '../core/ports/audit.js';
import type { Clock } from '../core/ports/clock.js';
import type { StepCompleter } from '../core/ports/step-completer.js';
import type { SlackApiPoster } from './api-poster.js';
import { truncate } from './block-kit-limits.js';
import { slackErrorCode } from './error-code.js';
import { WorkflowStep } from './ids.js';
import type { Texts } from './texts/index.js';

/** What Slack says when the execution was completed already (by another replica, or before a crash). */
const ALREADY_COMPLETED = 'execution_not_in_running_state';
/** Slack shows the error to the workflow's people; keep it readable. */
const MAX_ERROR_LENGTH = 1_000;
const CANCELLED_STATES = new Set(['cancelled', 'reconciled_cancelled']);

export interface WorkflowStepCompleter extends StepCompleter {
  /** Ends a step with `message` and records that on `records` (none when nothing was recorded, e.g. bad input). */
  fail(functionExecutionId: string, message: string, records?: readonly AttemptRecord[]): Promise<void>;
}

/**
 * `functions.completeSuccess` / `functions.completeError` with the bot token (Slack accepts it for any of the
 * app's executions, so a replica or a restarted process can complete a step another one started). The texts
 * are BOT_LOCALE's: a workflow's outputs have many readers. Completion is recorded on each record of the batch
 * (`stepCompletedAt`), so it happens once; Slack's own "not running any more" answer counts as done.
 */
export function createWorkflowStepCompleter(deps: {
  api: SlackApiPoster;
  audit: AuditStore;
  texts: Texts;
  clock: Clock;
  logger: Logger;
}): WorkflowStepCompleter {
  const { texts, logger } = deps;

  async function complete(
    executionId: string,
    body: { outputs: Record<string, unknown> } | { error: string },
    records: readonly AttemptRecord[],
  ): Promise<void> {
    const method = 'outputs' in body ? 'functions.completeSuccess' : 'functions.completeError';
    try {
      await deps.api.post(method, { function_execution_id: executionId, ...body });
    } catch (error) {
      const code = slackErrorCode(error);
      if (code !== ALREADY_COMPLETED) {
        logger.error(
          { slackError: code, functionExecutionId: executionId, method },
          'could not complete the workflow step; the settlement sweep will try again',
        );
        return;
      }
    }
    const at = deps.clock.now();
    for (const record of records) {
      try {
        await deps.audit.append('notified', { ...record, stepCompletedAt: at.toISOString() }, at);
      } catch (error) {
        logger.error({ err: error, attemptId: record.attemptId }, 'could not record the step completion');
      }
    }
    logger.info({ functionExecutionId: executionId, method }, 'workflow step completed');
  }

  const line = (record: AttemptRecord) => `${record.orderNo ?? ''} — ${texts.stateHeadline[record.state]}`;

  return {
    async settle(records) {
      const first = records[0];
      const executionId = first?.functionExecutionId;
      if (!executionId || records.some((r) => r.stepCompletedAt)) return;
      if (!records.every((r) => FINAL_STATES.includes(r.state))) return;
      const cancelled = records.filter((r) => CANCELLED_STATES.has(r.state));
      const notCancelled = records.filter((r) => !CANCELLED_STATES.has(r.state));
      const lines = records.map(line).join('\n');
      if (cancelled.length === 0) {
        await complete(
          executionId,
          { error: truncate(texts.stepNothingCancelled(lines), MAX_ERROR_LENGTH) },
          records,
        );
        return;
      }
      const { outputs } = WorkflowStep;
      await complete(
        executionId,
        {
          outputs: {
            [outputs.outcome]: texts.stepOutcome(cancelled.length, records.length, lines),
            [outputs.cancelled]: cancelled.map((r) => r.orderNo ?? ''),
            [outputs.notCancelled]: notCancelled.map((r) => r.orderNo ?? ''),
            [outputs.auditRecordIds]: records.map((r) => r.attemptId),
          },
        },
        records,
      );
    },
    fail: (executionId, message, records = []) =>
      complete(executionId, { error: truncate(message, MAX_ERROR_LENGTH) }, records),
  };
}
