import { createHmac } from 'node:crypto';

/** The headers Slack adds to every request it sends an app over HTTP. */
export interface SlackSignatureHeaders {
  'x-slack-signature': string;
  'x-slack-request-timestamp': string;
}

/**
 * Signs a request body as Slack does: `v0=` + hex HMAC-SHA256 of `v0:<timestamp>:<raw body>` keyed with the
 * app's signing secret. The timestamp is a parameter so a caller with an injected clock decides what "now" is.
 */
export function signSlackRequest(
  signingSecret: string,
  rawBody: string,
  timestampSec: number,
): SlackSignatureHeaders {
  const timestamp = String(Math.trunc(timestampSec));
  const digest = createHmac('sha256', signingSecret).update(`v0:${timestamp}:${rawBody}`).digest('hex');
  return { 'x-slack-signature': `v0=${digest}`, 'x-slack-request-timestamp': timestamp };
}
