import type { SlackApiPoster } from '../slack/api-poster.js';
import { slackErrorCode } from '../slack/error-code.js';
import type { BotMetrics } from './bot-metrics.js';

/** Counts every failed Slack Web API post by method and Slack's error code; errors pass through unchanged. */
export function instrumentSlackPoster(poster: SlackApiPoster, metrics: BotMetrics): SlackApiPoster {
  return {
    post: (method, body, options) =>
      poster.post(method, body, options).catch((error: unknown) => {
        metrics.countSlackApiError(method, slackErrorCode(error));
        throw error;
      }),
    close: () => poster.close(),
  };
}
