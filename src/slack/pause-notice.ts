import type { Halt, PauseDetails } from '../core/pause-state.js';
import { truncate } from './block-kit-limits.js';
import { formatUtcAndShanghai } from './format-time.js';
import { mentionUser, quoteUserText } from './mrkdwn.js';
import type { Texts } from './texts/index.js';

/** The reason as typed (at most 500 characters, see MAX_REASON_LENGTH), escaped: it cannot ping or forge links. */
export function pauseArgs(pause: Pick<PauseDetails, 'by' | 'since' | 'reason'>): [string, string, string] {
  return [
    mentionUser(pause.by),
    formatUtcAndShanghai(pause.since),
    quoteUserText(truncate(pause.reason, 500)),
  ];
}

/** What a person refused by a pause (or by a pause state that cannot be read) is told. */
export function haltNotice(texts: Texts, halt: Halt): string {
  return halt.kind === 'paused'
    ? texts.operator.cancelsPaused(...pauseArgs(halt))
    : texts.operator.pauseUnknown;
}

/** What an approver whose click was refused by a pause is told: the request stays pending. */
export function approvalHaltNotice(texts: Texts, halt: Halt): string {
  return halt.kind === 'paused'
    ? texts.operator.approvalPaused(...pauseArgs(halt))
    : texts.operator.pauseUnknown;
}
