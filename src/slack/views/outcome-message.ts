import type { KnownBlock } from '@slack/types';
import type { AttemptRecord, AttemptState, ChainHead } from '../../core/ports/audit.js';
import type { WdtEnvironment } from '../../core/ports/wdt.js';
import { STOCKIN_STATUS, statusChangeIn, statusLabelIn } from '../../core/purchase-stockin.js';
import { LIMITS, truncate } from '../block-kit-limits.js';
import { formatUtcAndShanghai } from '../format-time.js';
import { escapeMrkdwn, mentionUser, quoteUserText } from '../mrkdwn.js';
import type { Texts } from '../texts/index.js';
import { buildAuditFooter } from './audit-footer.js';
import { environmentLabel } from './text-objects.js';

export const STATE_EMOJI: Partial<Record<AttemptState, string>> = {
  cancelled: ':white_check_mark:',
  reconciled_cancelled: ':white_check_mark:',
  refused: ':no_entry:',
  failed: ':x:',
  unknown: ':warning:',
  reconciled_not_cancelled: ':information_source:',
  awaiting_verdict: ':hourglass_flowing_sand:',
  released_unverified: ':unlock:',
  denied: ':lock:',
  rejected: ':x:',
  expired: ':alarm_clock:',
};

// WDT statuses that mean the bot is misconfigured, not that the user did something wrong.
const OPERATOR_STATUSES = new Set([1, 2, 3, 6, 7, 8]);

export interface OutcomeMessage {
  text: string;
  blocks: KnownBlock[];
}

export function buildOutcomeMessage(args: {
  texts: Texts;
  record: AttemptRecord;
  environment: WdtEnvironment;
  /** The audit chain's head after this outcome was recorded; null when the store could not say. */
  chainHead: ChainHead | null;
}): OutcomeMessage {
  const { texts: t, record } = args;
  const headline =
    `${STATE_EMOJI[record.state] ?? ''} ${t.stateHeadline[record.state]}: ${escapeMrkdwn(record.orderNo ?? '')}`.trim();
  const at = record.stateTimes[record.state] ?? new Date(0).toISOString();

  const explanation = [t.outcomeDetail[record.state] ?? ''];
  if (record.wdtMessage !== null || (record.wdtStatus !== null && record.wdtStatus !== 0)) {
    const parts = [
      record.wdtStatus !== null ? `status ${record.wdtStatus}` : null,
      record.wdtCode ? `code ${quoteUserText(record.wdtCode)}` : null,
      record.wdtMessage ? `\`${quoteUserText(record.wdtMessage)}\`` : null,
    ].filter(Boolean);
    explanation.push(`*${t.labelWdtAnswer}:* ${parts.join(' · ')}`);
  }
  if (record.wdtOutcome === 'rate_limited') explanation.push(t.rateLimitedAdvice);
  if (record.state === 'awaiting_verdict' && record.verdictAfter) {
    const statusNow = record.statusAfter === null ? null : statusLabelIn(t.locale, record.statusAfter);
    explanation.push(
      t.verdictPending(statusNow && escapeMrkdwn(statusNow), formatUtcAndShanghai(record.verdictAfter)),
    );
  }
  if (record.releasedBy) {
    const reason = record.releaseReason ? quoteUserText(record.releaseReason) : null;
    explanation.push(t.unlock.releasedBy(mentionUser(record.releasedBy), reason));
  }
  if (record.state === 'failed' && record.statusBefore !== null && record.statusBefore !== 20) {
    explanation.push(t.leftEditingBeforeCall(escapeMrkdwn(statusLabelIn(t.locale, record.statusBefore))));
  }
  if (record.wdtStatus !== null && OPERATOR_STATUSES.has(record.wdtStatus))
    explanation.push(t.operatorProblem);

  const fields = [
    `*${t.labelRequester}*\n${mentionUser(record.requesterId)}`,
    `*${t.labelEnvironment}*\n${escapeMrkdwn(environmentLabel(t, args.environment))}`,
    `*${t.labelTime}*\n${formatUtcAndShanghai(at)}`,
    `*${t.labelDuration}*\n${record.durationMs === null ? '—' : `${record.durationMs} ms`}`,
    `*${t.labelAuditId}*\n\`${escapeMrkdwn(record.attemptId)}\``,
  ];
  if (record.statusBefore !== null) {
    fields.push(`*${t.labelStatus}*\n${escapeMrkdwn(statusText(t, record, record.statusBefore))}`);
  }
  if (record.approverIds.length > 0) {
    fields.push(`*${t.labelApprovers}*\n${record.approverIds.map(mentionUser).join(', ')}`);
  }

  const blocks: KnownBlock[] = [
    { type: 'section', text: { type: 'mrkdwn', text: truncate(`*${headline}*`, LIMITS.sectionText) } },
    {
      type: 'section',
      text: { type: 'mrkdwn', text: truncate(explanation.filter(Boolean).join('\n'), LIMITS.sectionText) },
    },
    {
      type: 'section',
      fields: fields
        .slice(0, LIMITS.fields)
        .map((text) => ({ type: 'mrkdwn', text: truncate(text, LIMITS.fieldText) })),
    },
  ];
  if (record.reason) {
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: truncate(
          `*${t.labelReason}:*\n>${quoteUserText(record.reason).replace(/\n/g, '\n>')}`,
          LIMITS.sectionText,
        ),
      },
    });
  }
  blocks.push(buildAuditFooter(t, record, args.chainHead));

  const text = truncate(
    `${t.stateHeadline[record.state]}: ${record.orderNo ?? ''} (${record.attemptId})`,
    3000,
  );
  return { text: escapeMrkdwn(text), blocks };
}

/** The status before the call, or what the call changed it to once it is known to have cancelled the order. */
function statusText(t: Texts, record: AttemptRecord, before: number): string {
  const after =
    record.statusAfter ??
    (record.state === 'cancelled' || record.state === 'reconciled_cancelled'
      ? STOCKIN_STATUS.cancelled
      : null);
  return after === null || after === before
    ? statusLabelIn(t.locale, before)
    : statusChangeIn(t.locale, before, after);
}
