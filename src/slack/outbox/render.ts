import type { KnownBlock } from '@slack/types';
import { isAwaitingApproval } from '../../core/approval-service.js';
import { FINAL_STATES } from '../../core/attempt.js';
import { withDeadline } from '../../core/deadline.js';
import type { AttemptRecord, AuditStore, ChainHead } from '../../core/ports/audit.js';
import type { BatchStage } from '../../core/ports/notifier.js';
import type { OutboxItem } from '../../core/ports/outbox.js';
import type { Timers } from '../../core/ports/timers.js';
import type { WdtEnvironment } from '../../core/ports/wdt.js';
import { LIMITS, truncate } from '../block-kit-limits.js';
import { formatUtcAndShanghai } from '../format-time.js';
import { escapeMrkdwn, mentionUser } from '../mrkdwn.js';
import { pauseArgs } from '../pause-notice.js';
import type { Seals } from '../private-metadata.js';
import type { Texts } from '../texts/index.js';
import { buildBatchMessage } from '../views/batch-message.js';
import { buildOutcomeMessage } from '../views/outcome-message.js';
import { type StepCompletion, stepCompletion } from '../workflow-step-completer.js';

/** A final message shows the chain's head; a store that cannot say at once does not hold the message back. */
const CHAIN_HEAD_WAIT_MS = 2_000;

/** What an owed message comes to when it is delivered. */
export type Rendered =
  | {
      kind: 'message';
      channelId: string;
      threadTs?: string;
      text: string;
      blocks?: KnownBlock[];
      /**
       * The slot has one message, rewritten in place (a batch's message): its first delivery posts it, later
       * ones edit it. Otherwise each delivery is a post of its own.
       */
      inPlace: boolean;
      /** Who learns it privately if the channel can no longer be posted to. */
      privately?: { channelId: string; userId: string; text: string };
      /** What it is, in a few words (said in the audit channel if it is given up). */
      summary: string;
      /** The attempts whose records say where it went, after each delivery. */
      attemptIds: readonly string[];
      /** Also noted when the slot's message is first posted (a batch's message names its orders then). */
      firstPostAttemptIds?: readonly string[];
    }
  | { kind: 'call'; call: StepCompletion; records: AttemptRecord[]; summary: string }
  /** Nothing to send (yet): settled as delivered nowhere. `why` is for the logs. */
  | { kind: 'nothing'; why: string };

interface RenderDeps {
  audit: Pick<AuditStore, 'batchAttempts' | 'head'>;
  /** BOT_LOCALE's: the channel reads the bot's language. */
  texts: Texts;
  environment: WdtEnvironment;
  seals: Seals;
  approvalTtlMs: number;
  /** AUDIT_CHANNEL_ID: where messages with no channel of their own go. */
  auditChannelId: string | undefined;
  timers?: Pick<Timers, 'after'>;
}

/**
 * Renders an owed message as it should read now. An outcome says what its record said when it was owed; a
 * batch's message and a step's completion are built from the batch's records as they are now, so that the
 * latest delivery always says the latest truth.
 */
export function createRenderer(deps: RenderDeps) {
  const { texts } = deps;

  /** The audit channel gets a copy only of what happened elsewhere: a channel never reads the same twice. */
  const auditCopyIsRedundant = (item: OutboxItem, subjectChannelId: string) =>
    item.channelId === null && subjectChannelId === deps.auditChannelId;

  async function chainHead(): Promise<ChainHead | null> {
    return withDeadline(
      deps.audit.head().catch(() => null),
      CHAIN_HEAD_WAIT_MS,
      () => null,
      deps.timers,
    );
  }

  /** The orders of a batch (its refused clicks, recorded in the same batch, are no order of it). */
  async function batchRecords(batchId: string): Promise<AttemptRecord[]> {
    const all = await deps.audit.batchAttempts(batchId);
    const orders = all.filter((record) => record.batchSize !== undefined);
    if (orders.length > 0) return orders;
    const single = all.filter((record) => record.attemptId === batchId);
    return single.length > 0 ? single : all;
  }

  async function stageOf(records: readonly AttemptRecord[]): Promise<BatchStage> {
    const waiting = records.find(isAwaitingApproval);
    if (waiting) {
      const confirmedAt = Date.parse(waiting.stateTimes.confirmed ?? waiting.stateTimes.requested ?? '');
      return { kind: 'awaiting_approval', expiresAt: new Date(confirmedAt + deps.approvalTtlMs) };
    }
    if (!records.every((record) => FINAL_STATES.includes(record.state))) return { kind: 'running' };
    return { kind: 'done', chainHead: await chainHead() };
  }

  return async function render(item: OutboxItem): Promise<Rendered> {
    const { body } = item;
    const channelId = item.channelId ?? deps.auditChannelId;
    if (body.kind === 'step') {
      const records = (await deps.audit.batchAttempts(body.batchId)).filter(
        (record) => record.functionExecutionId === body.functionExecutionId,
      );
      if (records.some((record) => record.stepCompletedAt)) return { kind: 'nothing', why: 'step completed' };
      const call = stepCompletion(texts, records);
      if (!call) return { kind: 'nothing', why: 'not every order of the step is final' };
      return { kind: 'call', call, records, summary: texts.outbox.stepCompletion };
    }
    if (channelId === undefined) return { kind: 'nothing', why: 'no audit channel configured' };
    const thread = item.threadTs ? { threadTs: item.threadTs } : {};

    switch (body.kind) {
      case 'outcome': {
        const { record } = body;
        if (auditCopyIsRedundant(item, record.channelId))
          return { kind: 'nothing', why: 'posted in the audit channel itself' };
        const message = buildOutcomeMessage({
          texts,
          record,
          environment: deps.environment,
          chainHead: body.chainHead ?? null,
        });
        return {
          kind: 'message',
          channelId,
          ...thread,
          ...message,
          inPlace: item.mode === 'edit',
          ...(item.channelId === null
            ? {}
            : { privately: { channelId, userId: record.requesterId, text: message.text } }),
          summary: `${texts.stateHeadline[record.state]}: ${escapeMrkdwn(record.orderNo ?? '')}`,
          attemptIds: item.attemptIds,
        };
      }
      case 'batch': {
        const records = await batchRecords(body.batchId);
        const first = records[0];
        if (!first) return { kind: 'nothing', why: 'the batch has no records' };
        if (auditCopyIsRedundant(item, first.channelId))
          return { kind: 'nothing', why: 'posted in the audit channel itself' };
        const stage = await stageOf(records);
        // The audit channel keeps the outcome of a batch, not its progress.
        if (item.channelId === null && stage.kind !== 'done')
          return { kind: 'nothing', why: 'the batch is not done' };
        const message = buildBatchMessage({
          texts,
          records,
          stage,
          environment: deps.environment,
          sealedRef: deps.seals.seal('approval', { attemptIds: records.map((r) => r.attemptId) }),
          approvalTtlMinutes: Math.round(deps.approvalTtlMs / 60_000),
        });
        return {
          kind: 'message',
          channelId,
          ...thread,
          ...message,
          // One message per batch and channel: the audit copy, posted once done, is rewritten by a correction.
          inPlace: true,
          ...(item.channelId !== null && stage.kind === 'done'
            ? { privately: { channelId, userId: first.requesterId, text: message.text } }
            : {}),
          summary: texts.outbox.batchMessage(records.length),
          // Each order's record says where its batch's message went when it is posted and once it is final.
          ...(item.channelId === null
            ? { attemptIds: item.attemptIds }
            : batchNotes(records, stage.kind === 'done')),
        };
      }
      case 'control': {
        if (auditCopyIsRedundant(item, body.channelId))
          return { kind: 'nothing', why: 'announced in the audit channel itself' };
        const text =
          body.event === 'paused'
            ? texts.operator.pausedAnnouncement(
                ...pauseArgs({ by: body.by, since: body.at, reason: body.reason ?? '' }),
              )
            : texts.operator.resumedAnnouncement(mentionUser(body.by), formatUtcAndShanghai(body.at), null);
        return {
          kind: 'message',
          channelId,
          text: truncate(text, LIMITS.sectionText),
          inPlace: item.mode === 'edit',
          summary: texts.outbox.controlNotice,
          attemptIds: item.attemptIds,
        };
      }
    }
  };
}

function batchNotes(
  records: readonly AttemptRecord[],
  done: boolean,
): { attemptIds: readonly string[]; firstPostAttemptIds: readonly string[] } {
  const all = records.map((record) => record.attemptId);
  return { attemptIds: done ? all : [], firstPostAttemptIds: all };
}
