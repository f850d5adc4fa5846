import type { KnownBlock } from '@slack/types';
import type { Logger } from 'pino';
import type { AuditStore, ChainHead } from '../core/ports/audit.js';
import type { Clock } from '../core/ports/clock.js';
import { LIMITS, truncate } from './block-kit-limits.js';
import type { SlackChat } from './chat-client.js';
import type { Texts } from './texts/index.js';

export type WitnessPassOutcome = 'posted' | 'unchanged' | 'empty' | 'no-channel' | 'failed';

export interface ChainHeadWitness {
  /** One pass: posts the head when it moved since the last post; never throws. */
  publishOnce(): Promise<WitnessPassOutcome>;
  /** Passes that failed (head unreadable or post refused) since start. */
  readonly failures: number;
}

export interface ChainHeadWitnessDeps {
  audit: Pick<AuditStore, 'head'>;
  chat: Pick<SlackChat, 'chat'>;
  channelId: string | undefined;
  texts: Texts;
  clock: Clock;
  logger: Logger;
}

/**
 * Posts the audit chain's head (seq, hash, time) to the audit channel, so every entry, requests and refusals
 * included, has a copy outside the database within one period: cutting the newest entries then shows against
 * the newest witness (`npm run audit -- verify --witness-slack`). A head that has not moved is not posted again.
 */
export function createChainHeadWitness(deps: ChainHeadWitnessDeps): ChainHeadWitness {
  let lastPosted: ChainHead | null = null;
  let failures = 0;

  async function post(channel: string, head: ChainHead): Promise<void> {
    const text = truncate(
      deps.texts.chainWitness(head.seq, head.hash, deps.clock.now().toISOString()),
      LIMITS.contextElementText,
    );
    const blocks: KnownBlock[] = [{ type: 'context', elements: [{ type: 'mrkdwn', text }] }];
    await deps.chat.chat.postMessage({ channel, text, blocks, unfurl_links: false });
  }

  return {
    get failures() {
      return failures;
    },
    async publishOnce() {
      const channel = deps.channelId;
      if (!channel) return 'no-channel';
      try {
        const head = await deps.audit.head();
        if (!head) return 'empty';
        if (lastPosted && lastPosted.seq === head.seq && lastPosted.hash === head.hash) return 'unchanged';
        await post(channel, head);
        lastPosted = head;
        deps.logger.info(
          { audit: { witnessSeq: head.seq, witnessHash: head.hash } },
          'audit chain head witnessed in Slack',
        );
        return 'posted';
      } catch (error) {
        failures += 1;
        deps.logger.error(
          { err: error, witnessFailures: failures },
          'could not post the audit chain head to AUDIT_CHANNEL_ID; entries since the last witness are witnessed only in the logs until a later pass succeeds',
        );
        return 'failed';
      }
    },
  };
}

/** Runs `publishOnce` every `everyMs` (unref'd: it never keeps the process alive); says once when it cannot post. */
export function startChainHeadWitness(
  witness: ChainHeadWitness,
  options: { everyMs: number; channelId: string | undefined; logger: Logger },
): { stop(): void } {
  if (!options.channelId) {
    options.logger.warn(
      'AUDIT_CHANNEL_ID is not set: the audit chain head is not posted to Slack, so witnesses of the newest entries exist only in the logs (`audit entry committed`); keep the logs outside this host',
    );
    return { stop() {} };
  }
  const timer = setInterval(() => void witness.publishOnce(), options.everyMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
