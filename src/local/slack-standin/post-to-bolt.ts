import { type Dispatcher, request } from 'undici';
import { type Clock, systemClock } from '../../core/ports/clock.js';
import { signSlackRequest } from './request-signer.js';

export interface PostToBoltOptions {
  signingSecret: string;
  /** Defaults to the clock's now; pass an old one to see the app refuse a replay. */
  timestampSec?: number;
  /** Slash commands and interactivity are form posts; the Events API posts JSON. */
  contentType?: 'application/x-www-form-urlencoded' | 'application/json';
  clock?: Clock;
  dispatcher?: Dispatcher;
}

export interface BoltHttpResponse {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The parsed body when the app answered with JSON (e.g. `response_action: 'errors'`). */
  json?: unknown;
}

/** POSTs a body to a Bolt HTTP endpoint exactly as Slack would: signed, timestamped, Slack's content type. */
export async function postToBolt(
  url: string,
  body: string,
  options: PostToBoltOptions,
): Promise<BoltHttpResponse> {
  const clock = options.clock ?? systemClock;
  const timestampSec = options.timestampSec ?? Math.floor(clock.now().getTime() / 1000);
  const response = await request(url, {
    method: 'POST',
    body,
    headers: {
      'content-type': options.contentType ?? 'application/x-www-form-urlencoded',
      'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
      ...signSlackRequest(options.signingSecret, body, timestampSec),
    },
    ...(options.dispatcher === undefined ? {} : { dispatcher: options.dispatcher }),
  });
  const text = await response.body.text();
  const contentType = String(response.headers['content-type'] ?? '');
  let json: unknown;
  if (text !== '' && contentType.includes('application/json')) {
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
  }
  return {
    statusCode: response.statusCode,
    headers: response.headers,
    text,
    ...(json === undefined ? {} : { json }),
  };
}
