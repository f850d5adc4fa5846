import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import { type HomeSummaryDeps, homeSummary } from '../core/home-summary.js';
import { slackErrorCode } from './error-code.js';
import type { Seals } from './private-metadata.js';
import type { ReaderTexts } from './reader-locales.js';
import { buildHomeView } from './views/home-view.js';

export type HomePublisher = (client: WebClient, userId: string) => Promise<void>;

/** Builds one person's App Home from the audit trail and publishes it; logs and carries on if Slack refuses. */
export function makeHomePublisher(
  deps: HomeSummaryDeps & {
    /** The App Home is the reader's own: it speaks their language. */
    readers: ReaderTexts;
    seals: Seals;
    logger: Logger;
  },
): HomePublisher {
  return async (client, userId) => {
    deps.readers.warm(userId);
    const [summary, admin] = await Promise.all([homeSummary(deps, userId), deps.policy.isAdmin(userId)]);
    if (summary.recentCancellations.kind === 'channels_unknown') {
      deps.logger.warn(
        { slackError: slackErrorCode(summary.recentCancellations.error), userId },
        'could not read which channels a person is in; their App Home shows no recent cancellations',
      );
    }
    const view = buildHomeView(deps.readers.for(userId), {
      mine: summary.mine,
      recentCancellations: summary.recentCancellations,
      admin: admin.allowed,
      pending: summary.pending.map((batch) => ({
        ...batch,
        sealedRef: deps.seals.seal('approval', { attemptIds: batch.records.map((r) => r.attemptId) }),
      })),
    });
    try {
      await client.views.publish({ user_id: userId, view });
    } catch (error) {
      deps.logger.warn({ slackError: slackErrorCode(error), userId }, 'could not publish the App Home');
    }
  };
}
