import { describe, expect, it } from 'vitest';
import { SlackApiError } from '../../../src/slack/api-poster.js';
import {
  BACKOFF,
  backoffMs,
  classifySlackFailure,
  GIVE_UP_REASONS,
  giveUpReason,
} from '../../../src/slack/outbox/slack-failure.js';

const answered = (code: string) => new SlackApiError('chat.postMessage', code);

describe('what a failed Slack call means for an owed message', () => {
  it.each([
    [
      new SlackApiError('chat.postMessage', 'ratelimited', true, 429, 7),
      { kind: 'rate_limited', retryAfterMs: 7_000 },
    ],
    [
      new SlackApiError('chat.postMessage', 'ratelimited', true, 429),
      { kind: 'rate_limited', retryAfterMs: null },
    ],
    [new SlackApiError('chat.postMessage', 'http_503', true, 503), { kind: 'transient', unsent: false }],
    [
      new SlackApiError('chat.postMessage', 'UND_ERR_HEADERS_TIMEOUT', true),
      { kind: 'transient', unsent: false },
    ],
    [new SlackApiError('chat.postMessage', 'ECONNREFUSED', true), { kind: 'transient', unsent: true }],
    [answered('internal_error'), { kind: 'transient', unsent: true }],
    [answered('invalid_auth'), { kind: 'auth' }],
    [answered('token_revoked'), { kind: 'auth' }],
    [answered('not_in_channel'), { kind: 'permanent', bug: false }],
    [answered('channel_not_found'), { kind: 'permanent', bug: false }],
    [answered('is_archived'), { kind: 'permanent', bug: false }],
    [answered('invalid_blocks'), { kind: 'permanent', bug: true }],
    [answered('msg_too_long'), { kind: 'permanent', bug: true }],
    [answered('message_not_found'), { kind: 'message_gone' }],
    [answered('missing_scope'), { kind: 'needs_a_person' }],
    [answered('something_new'), { kind: 'needs_a_person' }],
    [new Error('boom'), { kind: 'transient', unsent: false, answered: false }],
  ])('%s → %o', (error, expected) => {
    expect(classifySlackFailure(error)).toMatchObject(expected);
  });

  it('counts give-ups under a bounded set of reasons', () => {
    expect(giveUpReason('not_in_channel')).toBe('not_in_channel');
    expect(giveUpReason('function_execution_not_found')).toBe('other');
    expect(new Set(GIVE_UP_REASONS).size).toBe(GIVE_UP_REASONS.length);
  });
});

describe('the backoff', () => {
  it('doubles from 1 s to at most 30 s, drawn between half and all of it', () => {
    const ceilings = [1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000];
    ceilings.forEach((ceiling, tries) => {
      expect(backoffMs(tries, () => 0)).toBe(ceiling / 2);
      expect(backoffMs(tries, () => 1)).toBe(ceiling);
    });
    expect(backoffMs(1_000, () => 1)).toBe(BACKOFF.maxMs);
  });

  it('spreads messages that failed together', () => {
    const waits = new Set(Array.from({ length: 50 }, () => backoffMs(3, Math.random)));
    expect(waits.size).toBeGreaterThan(40);
    for (const wait of waits) {
      expect(wait).toBeGreaterThanOrEqual(4_000);
      expect(wait).toBeLessThanOrEqual(8_000);
    }
  });
});
