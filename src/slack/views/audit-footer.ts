import type { ContextBlock, MrkdwnElement } from '@slack/types';
import type { AttemptRecord, ChainHead } from '../../core/ports/audit.js';
import { LIMITS, truncate } from '../block-kit-limits.js';
import { escapeMrkdwn } from '../mrkdwn.js';
import type { Texts } from '../texts/index.js';

/**
 * The last block of a result message: the WDT method and host, then, once the result is final, the audit
 * chain's head as it stood after the result was recorded. Slack keeps that copy; a database cut back or
 * rewritten later no longer holds this entry, and `npm run audit -- verify --witness SEQ:HASH` says so.
 */
export function buildAuditFooter(
  texts: Texts,
  record: Pick<AttemptRecord, 'method' | 'wdtHost'>,
  chainHead: ChainHead | null,
): ContextBlock {
  const mrkdwn = (text: string): MrkdwnElement => ({
    type: 'mrkdwn',
    text: truncate(text, LIMITS.contextElementText),
  });
  const elements = [mrkdwn(`${escapeMrkdwn(record.method)} · ${escapeMrkdwn(record.wdtHost)}`)];
  if (chainHead) elements.push(mrkdwn(texts.chainHead(chainHead.seq, escapeMrkdwn(chainHead.hash))));
  return { type: 'context', elements };
}
