import type { KnownBlock } from '@slack/types';
import { LIMITS, truncate } from '../block-kit-limits.js';
import type { Texts } from '../texts/index.js';

/** The ephemeral usage reply, optionally led by what was wrong with the input. */
export function buildUsageReply(texts: Texts, command: string, problem?: string) {
  const blocks: KnownBlock[] = [];
  if (problem) {
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: truncate(`:warning: ${problem}`, LIMITS.sectionText) },
    });
  }
  blocks.push(
    { type: 'header', text: { type: 'plain_text', text: truncate(texts.usageTitle, LIMITS.headerText) } },
    { type: 'section', text: { type: 'mrkdwn', text: truncate(texts.usage(command), LIMITS.sectionText) } },
  );
  const text = problem ? `${problem}\n${texts.usage(command)}` : texts.usage(command);
  return { response_type: 'ephemeral' as const, text: truncate(text, 3000), blocks };
}
