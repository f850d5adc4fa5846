import type { KnownBlock } from '@slack/types';
import { LIMITS, truncate } from '../block-kit-limits.js';
import type { Texts } from '../texts/index.js';

export interface HelpContext {
  command: string;
  mayRequest: boolean;
  mayApprove: boolean;
  /** An operator: pause, resume, status. */
  mayOperate?: boolean;
  approvalMode: 'self' | 'peer';
  approvalTtlMinutes: number;
  maxBatch: number;
  askWhom: string;
}

/** `/cancel-stockin help`, for this person: only what they may do. */
export function buildHelpReply(texts: Texts, help: HelpContext) {
  const mode =
    help.approvalMode === 'peer' ? texts.helpModePeer(help.approvalTtlMinutes) : texts.helpModeSelf;
  const sections: string[] = [];
  if (help.mayRequest) {
    sections.push(
      texts.helpMayRequest,
      texts.usage(help.command),
      texts.helpExamples(help.command, help.maxBatch),
      mode,
    );
  }
  if (help.mayApprove && help.approvalMode === 'peer')
    sections.push(texts.helpMayApprove, texts.helpApproveHow);
  if (sections.length === 0) sections.push(texts.helpMayNothing(help.askWhom), mode);
  if (help.mayOperate) sections.push(texts.operator.helpAdmin(help.command));
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(texts.helpTitle, LIMITS.headerText) } },
    ...sections.map(
      (text): KnownBlock => ({
        type: 'section',
        text: { type: 'mrkdwn', text: truncate(text, LIMITS.sectionText) },
      }),
    ),
  ];
  return { response_type: 'ephemeral' as const, text: truncate(sections.join('\n'), 3000), blocks };
}
