import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HTTPReceiver } from '@slack/bolt';
import type { Logger } from 'pino';
import type { Clock } from '../core/ports/clock.js';

/** Slack's replay window, applied in both directions (Bolt only refuses requests older than this). */
export const MAX_REQUEST_SKEW_SECONDS = 300;

/** True when the `X-Slack-Request-Timestamp` header is a whole number of seconds within the window of `now`. */
export function isFreshSlackTimestamp(header: string | string[] | undefined, now: Date): boolean {
  if (typeof header !== 'string' || !/^\d{1,12}$/.test(header)) return false;
  return Math.abs(now.getTime() / 1000 - Number(header)) <= MAX_REQUEST_SKEW_SECONDS;
}

/**
 * Refuses, with 401 and before anything else reads it, every `POST` whose timestamp is more than five minutes
 * from `clock` in either direction. The timestamp is part of the signed text, so a request stamped an hour
 * ahead is either forged or was signed to be replayed later: neither is served. A correctly timed request goes
 * on to Bolt, which checks the signature.
 */
export function refuseUnfreshRequests(receiver: HTTPReceiver, clock: Clock, logger: Logger): void {
  const next = receiver.requestListener;
  receiver.requestListener = (req: IncomingMessage, res: ServerResponse) => {
    if (
      req.method === 'POST' &&
      !isFreshSlackTimestamp(req.headers['x-slack-request-timestamp'], clock.now())
    ) {
      logger.warn(
        { timestamp: String(req.headers['x-slack-request-timestamp'] ?? '').slice(0, 20) },
        'refused a Slack request whose timestamp is outside the 5-minute window (401)',
      );
      res.writeHead(401);
      res.end();
      return;
    }
    next(req, res);
  };
}
