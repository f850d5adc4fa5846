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

/** One Slack call that completes a step execution. */
export interface StepCompletion {
  method: 'functions.completeSuccess' | 'functions.completeError';
  body: { function_execution_id: string } & ({ outputs: Record<string, unknown> } | { error: string });
}

/** Slack's answer when the execution was completed already (by another replica, or before a crash): done. */
export function isAlreadyCompleted(code: string): boolean {
  return code === ALREADY_COMPLETED;
}

/** The step's error, as its people read it. */
function stepError(executionId: string, message: string): StepCompletion {
  return {
    method: 'functions.completeError',
    body: { function_execution_id: executionId, error: truncate(message, MAX_ERROR_LENGTH) },
  };
}

/**
 * How a batch's step ends, once every order of it is final (null before, or when it came from elsewhere):
 * an error when nothing was cancelled, else the outcome, the orders cancelled and not, and the audit ids. The
 * texts are BOT_LOCALE's: a workflow's outputs have many readers.
 */
export function stepCompletion(texts: Texts, records: readonly AttemptRecord[]): StepCompletion | null {
  const executionId = records[0]?.functionExecutionId;
  if (!executionId || !records.every((r) => FINAL_STATES.includes(r.state))) return null;
  const line = (record: AttemptRecord) => `${record.orderNo ?? ''} — ${texts.stateHeadline[record.state]}`;
  const cancelled = records.filter((r) => CANCELLED_STATES.has(r.state));
  const notCancelled = records.filter((r) => !CANCELLED_STATES.has(r.state));
  const lines = records.map(line).join('\n');
  if (cancelled.length === 0) return stepError(executionId, texts.stepNothingCancelled(lines));
  const { outputs } = WorkflowStep;
  return {
    method: 'functions.completeSuccess',
    body: {
      function_execution_id: executionId,
      outputs: {
        [outputs.outcome]: texts.stepOutcome(cancelled.length, records.length, lines),
        [outputs.cancelled]: cancelled.map((r) => r.orderNo ?? ''),
        [outputs.notCancelled]: notCancelled.map((r) => r.orderNo ?? ''),
        [outputs.auditRecordIds]: records.map((r) => r.attemptId),
      },
    },
  };
}

/**
 * `functions.completeSuccess` / `functions.completeError` with the bot token (Slack accepts it for any of the
 * app's executions, so a replica or a restarted process can complete a step another one started).
 * Completion is recorded on each record of the batch (`stepCompletedAt`), so it happens once; Slack's own
 * "not running any more" answer counts as done.
 */
export function createWorkflowStepCompleter(deps: {
  api: SlackApiPoster;
  audit: AuditStore;
  texts: Texts;
  clock: Clock;
  logger: Logger;
}): WorkflowStepCompleter {
  const { logger } = deps;

  async function complete(call: StepCompletion, records: readonly AttemptRecord[]): Promise<void> {
    const executionId = call.body.function_execution_id;
    const { method } = call;
    try {
      await deps.api.post(method, call.body);
    } catch (error) {
      const code = slackErrorCode(error);
      if (!isAlreadyCompleted(code)) {
        logger.error(
          { slackError: code, functionExecutionId: executionId, method },
          'could not complete the workflow step; the settlement sweep will try again',
        );
        return;
      }
    }
    await noteStepCompleted(deps, records);
    logger.info({ functionExecutionId: executionId, method }, 'workflow step completed');
  }

  return {
    async settle(records) {
      if (records.some((r) => r.stepCompletedAt)) return;
      const call = stepCompletion(deps.texts, records);
      if (call) await complete(call, records);
    },
    fail: (executionId, message, records = []) => complete(stepError(executionId, message), records),
  };
}

/** Records on each record of the batch that its step was completed (each on its own; a failure is logged). */
export async function noteStepCompleted(
  deps: { audit: Pick<AuditStore, 'annotate'>; clock: Clock; logger: Logger },
  records: readonly AttemptRecord[],
): Promise<void> {
  const at = deps.clock.now();
  for (const record of records) {
    try {
      await deps.audit.annotate(record.attemptId, { stepCompletedAt: at.toISOString() }, at);
    } catch (error) {
      deps.logger.error({ err: error, attemptId: record.attemptId }, 'could not record the step completion');
    }
  }
}
