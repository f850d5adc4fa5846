import type { HomeView, KnownBlock } from '@slack/types';
import type { RecentCancellations } from '../../core/home-summary.js';
import type { AttemptRecord } from '../../core/ports/audit.js';
import { LIMITS, truncate } from '../block-kit-limits.js';
import { formatUtcAndShanghai } from '../format-time.js';
import { COMMAND } from '../ids.js';
import { escapeMrkdwn, mentionUser, quoteUserText } from '../mrkdwn.js';
import type { Texts } from '../texts/index.js';
import { buildApprovalButtons } from './approval-buttons.js';
import { orderLine } from './batch-message.js';

const MAX_PENDING_SHOWN = 15;

export interface HomeContent {
  mine: readonly AttemptRecord[];
  pending: readonly { records: readonly AttemptRecord[]; expiresAt: Date; sealedRef: string }[];
  recentCancellations: RecentCancellations;
  /** An operator (CANCEL_ADMINS): their commands are shown first. */
  admin?: boolean;
}

const section = (text: string): KnownBlock => ({
  type: 'section',
  text: { type: 'mrkdwn', text: truncate(text, LIMITS.sectionText) },
});
const header = (text: string): KnownBlock => ({
  type: 'header',
  text: { type: 'plain_text', text: truncate(text, LIMITS.headerText) },
});

function lastTime(record: AttemptRecord): string {
  const at = record.stateTimes[record.state];
  return at ? formatUtcAndShanghai(at) : '';
}

/** Lines grouped into sections that stay under Slack's 3000 characters each. */
function lineSections(lines: readonly string[]): KnownBlock[] {
  const blocks: KnownBlock[] = [];
  let current = '';
  for (const line of lines) {
    if (current && current.length + line.length + 1 > LIMITS.sectionText) {
      blocks.push(section(current));
      current = '';
    }
    current = current ? `${current}\n${line}` : truncate(line, LIMITS.sectionText);
  }
  if (current) blocks.push(section(current));
  return blocks;
}

/** The App Home tab: my requests and outcomes, approvals I may act on (with buttons), recent cancellations. */
export function buildHomeView(texts: Texts, content: HomeContent): HomeView {
  const blocks: KnownBlock[] = [header(texts.homeTitle)];
  if (content.admin) {
    blocks.push(header(texts.operator.homeAdminTitle), section(texts.operator.helpAdmin(COMMAND)), {
      type: 'divider',
    });
  }
  blocks.push(header(texts.homeYourRequests));
  const mine = content.mine.map((r) => `${orderLine(texts, r)} · ${lastTime(r)}`);
  blocks.push(...(mine.length > 0 ? lineSections(mine) : [section(texts.homeNoRequests)]));

  blocks.push({ type: 'divider' }, header(texts.homePending));
  if (content.pending.length === 0) blocks.push(section(texts.homeNoPending));
  for (const [index, batch] of content.pending.slice(0, MAX_PENDING_SHOWN).entries()) {
    const first = batch.records[0]!;
    const orders = batch.records.map((r) => `*${escapeMrkdwn(r.orderNo ?? '')}*`).join(', ');
    const lines = [
      `${orders} · ${mentionUser(first.requesterId)}`,
      first.reason ? `>${quoteUserText(truncate(first.reason, 300)).replace(/\n/g, ' ')}` : '',
      texts.approvalExpires(formatUtcAndShanghai(batch.expiresAt.toISOString())),
    ];
    blocks.push(section(lines.filter(Boolean).join('\n')));
    blocks.push(buildApprovalButtons(texts, batch.sealedRef, `home_approval_${index}`));
  }

  blocks.push(...recentBlocks(texts, content.recentCancellations));
  return { type: 'home', blocks: blocks.slice(0, LIMITS.modalBlocks) };
}

/** Recent cancellations in the viewer's channels; nothing at all for someone who may not see them. */
function recentBlocks(texts: Texts, recent: RecentCancellations): KnownBlock[] {
  if (recent.kind === 'hidden') return [];
  const blocks: KnownBlock[] = [{ type: 'divider' }, header(texts.homeRecentCancellations)];
  if (recent.kind === 'channels_unknown') return [...blocks, section(texts.homeChannelsUnknown)];
  const lines = recent.records.map(
    (r) => `${orderLine(texts, r)} · ${mentionUser(r.requesterId)} · ${lastTime(r)}`,
  );
  return [...blocks, ...(lines.length > 0 ? lineSections(lines) : [section(texts.homeNoCancellations)])];
}
