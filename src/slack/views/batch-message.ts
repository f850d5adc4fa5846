import type { KnownBlock } from '@slack/types';
import { isStoppedByPause } from '../../core/pause-state.js';
import type { AttemptRecord, AttemptState } from '../../core/ports/audit.js';
import type { BatchStage } from '../../core/ports/notifier.js';
import type { WdtEnvironment } from '../../core/ports/wdt.js';
import { statusLabelIn } from '../../core/purchase-stockin.js';
import { LIMITS, truncate } from '../block-kit-limits.js';
import { formatUtcAndShanghai } from '../format-time.js';
import { escapeMrkdwn, mentionUser, quoteUserText } from '../mrkdwn.js';
import type { Texts } from '../texts/index.js';
import { buildApprovalButtons } from './approval-buttons.js';
import { buildAuditFooter } from './audit-footer.js';
import { type OutcomeMessage, STATE_EMOJI } from './outcome-message.js';
import { environmentLabel } from './text-objects.js';

const LINES_PER_SECTION = 10;
const PENDING_EMOJI: Partial<Record<AttemptState, string>> = {
  requested: ':hourglass_flowing_sand:',
  confirmed: ':hourglass_flowing_sand:',
  approved: ':hourglass_flowing_sand:',
  calling: ':arrows_counterclockwise:',
  rejected: ':x:',
  expired: ':alarm_clock:',
};

/** One order's line: what happened to it, in a few words. */
export function orderLine(t: Texts, record: AttemptRecord): string {
  const emoji = STATE_EMOJI[record.state] ?? PENDING_EMOJI[record.state] ?? '•';
  const parts = [`${emoji} *${escapeMrkdwn(record.orderNo ?? '')}* — ${t.stateHeadline[record.state]}`];
  const left = record.statusBefore !== null && record.statusBefore !== 20;
  if (record.state === 'failed' && left) {
    parts.push(t.leftEditingBeforeCall(escapeMrkdwn(statusLabelIn(t.locale, record.statusBefore!))));
  } else if (record.statusBefore !== null && record.state !== 'cancelled') {
    parts.push(escapeMrkdwn(statusLabelIn(t.locale, record.statusBefore)));
  }
  if (record.state === 'refused') {
    parts.push(
      `\`${quoteUserText(truncate(`${record.wdtStatus ?? ''} ${record.wdtMessage ?? ''}`.trim(), 160))}\``,
    );
  } else if (isStoppedByPause(record)) {
    parts.push(t.operator.notSentPaused);
  } else if (record.state === 'failed' && !left && record.detail) {
    parts.push(escapeMrkdwn(truncate(record.detail, 160)));
  }
  return parts.join(' · ');
}

function headline(
  t: Texts,
  records: readonly AttemptRecord[],
  stage: BatchStage,
  ttlMinutes: number,
): string {
  const approvers = [...new Set(records.flatMap((r) => r.approverIds))].map(mentionUser).join(', ');
  switch (stage.kind) {
    case 'awaiting_approval': {
      const waiting = records.filter((r) => r.state === 'confirmed').length;
      return `*${t.approvalHeadline(waiting)}*\n${t.approvalExpires(formatUtcAndShanghai(stage.expiresAt.toISOString()))}`;
    }
    case 'running': {
      const running = records.filter((r) => ['confirmed', 'approved', 'calling'].includes(r.state)).length;
      return [`*${t.runningHeadline(running)}*`, approvers ? t.approvedBy(approvers) : '']
        .filter(Boolean)
        .join('\n');
    }
    case 'done': {
      if (records.some((r) => r.state === 'rejected')) return `*${t.rejectedBy(approvers)}*`;
      if (records.some((r) => r.state === 'expired')) return `*${t.expiredHeadline(ttlMinutes)}*`;
      // Only a withdrawn requester closes an approval request as denied (see the approval service).
      if (records.some((r) => r.state === 'denied')) return `*${t.requesterRevokedHeadline}*`;
      const counts = new Map<AttemptState, number>();
      for (const r of records) counts.set(r.state, (counts.get(r.state) ?? 0) + 1);
      const summary = [...counts].map(([state, n]) => `${n} × ${t.stateHeadline[state]}`).join(' · ');
      return [`*${t.doneHeadline(summary)}*`, approvers ? t.approvedBy(approvers) : '']
        .filter(Boolean)
        .join('\n');
    }
  }
}

/**
 * The one message of a batch or an approval request, rewritten in place at each step: pending (with the
 * Approve / Reject buttons), running, then finished, a line per order. Buttons exist only while pending.
 */
export function buildBatchMessage(args: {
  texts: Texts;
  records: readonly AttemptRecord[];
  stage: BatchStage;
  environment: WdtEnvironment;
  /** Sealed attempt ids for the buttons; only used while the request waits for approval. */
  sealedRef: string;
  approvalTtlMinutes: number;
}): OutcomeMessage {
  const { texts: t, records, stage } = args;
  const first = records[0]!;
  const title = headline(t, records, stage, args.approvalTtlMinutes);
  const blocks: KnownBlock[] = [
    { type: 'section', text: { type: 'mrkdwn', text: truncate(title, LIMITS.sectionText) } },
    {
      type: 'section',
      fields: [
        `*${t.labelRequester}*\n${mentionUser(first.requesterId)}`,
        `*${t.labelEnvironment}*\n${escapeMrkdwn(environmentLabel(t, args.environment))}`,
        `*${t.labelBatch}*\n\`${escapeMrkdwn(first.batchId)}\``,
      ].map((text) => ({ type: 'mrkdwn' as const, text: truncate(text, LIMITS.fieldText) })),
    },
  ];
  if (first.reason) {
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: truncate(
          `*${t.labelReason}:*\n>${quoteUserText(first.reason).replace(/\n/g, '\n>')}`,
          LIMITS.sectionText,
        ),
      },
    });
  }
  const rejection = records.find((r) => r.state === 'rejected')?.detail;
  if (rejection) {
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: truncate(
          `*${t.labelRejection}:*\n>${quoteUserText(rejection).replace(/\n/g, '\n>')}`,
          LIMITS.sectionText,
        ),
      },
    });
  }
  const lines = records.map((r) => orderLine(t, r));
  for (let i = 0; i < lines.length; i += LINES_PER_SECTION) {
    const text = lines.slice(i, i + LINES_PER_SECTION).join('\n');
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: truncate(text, LIMITS.sectionText) } });
  }
  if (stage.kind === 'awaiting_approval') blocks.push(buildApprovalButtons(t, args.sealedRef));
  blocks.push(buildAuditFooter(t, first, stage.kind === 'done' ? stage.chainHead : null));
  const plainTitle = title.replace(/[*]/g, '').split('\n')[0] ?? '';
  const text = truncate(`${plainTitle} ${records.map((r) => r.orderNo ?? '').join(' ')}`, 3000);
  return { text, blocks: blocks.slice(0, LIMITS.messageBlocks) };
}
