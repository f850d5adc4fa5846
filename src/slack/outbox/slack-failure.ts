import { SlackApiError } from '../api-poster.js';
import { slackErrorCode } from '../error-code.js';

/**
 * What a failed Slack call means for an owed message: wait as Slack asked, back off and try again, check the
 * token, or give the message up because no later try can succeed.
 */
export type SlackFailure =
  /** HTTP 429: Slack said how long to wait (null when it did not). Nothing was posted. */
  | { kind: 'rate_limited'; code: string; retryAfterMs: number | null }
  /**
   * A 5xx, a network error, a timeout, or Slack's own "try later" codes. `unsent`: Slack answered with an
   * error, or the connection was never made, so the call did nothing; otherwise it may have. `answered`:
   * Slack answered (an HTTP status): it is done with the call. Without an answer (a timeout, a reset) Slack
   * may still be acting on it.
   */
  | { kind: 'transient'; code: string; unsent: boolean; answered: boolean }
  /** The token was refused: a bad token gives up, but only once auth.test confirms it. */
  | { kind: 'auth'; code: string }
  /** Cannot heal: the channel is gone for the bot, or the message itself is malformed (`bug`). */
  | { kind: 'permanent'; code: string; bug: boolean }
  /** An edit whose message is gone (deleted, too old to edit): post it anew instead. */
  | { kind: 'message_gone'; code: string }
  /** Anything else (a missing scope, a restricted channel, …): a person may fix it; keep trying. */
  | { kind: 'needs_a_person'; code: string };

/** The channel is gone for the bot: the reasons a message is given up for, besides a token confirmed bad. */
const CHANNEL_GONE_CODES = ['channel_not_found', 'not_in_channel', 'is_archived'] as const;
/** The token is refused; given up only after auth.test refuses it too. */
const AUTH_CODES = [
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'token_expired',
] as const;
/** The message as the bot built it is refused: a bug, never healed by trying again. */
const BUG_CODES = [
  'invalid_blocks',
  'invalid_blocks_format',
  'msg_too_long',
  'no_text',
  'too_many_attachments',
  'invalid_metadata_format',
  'invalid_metadata_schema',
  'metadata_too_large',
  'metadata_must_be_sent_from_app',
  'invalid_arguments',
  'invalid_arg_name',
  'invalid_array_arg',
  'invalid_charset',
  'invalid_form_data',
  'invalid_json',
  'json_not_object',
  'parameter_validation_failed',
] as const;
/** Every reason a message can be given up for (a metric label each). */
export const GIVE_UP_REASONS = [...CHANNEL_GONE_CODES, ...AUTH_CODES, ...BUG_CODES, 'other'] as const;
export type GiveUpReason = (typeof GIVE_UP_REASONS)[number];

/** Slack's own "not now" answers (HTTP 200 with ok: false). */
const TRY_LATER_CODES = new Set([
  'ratelimited',
  'rate_limited',
  'message_limit_exceeded',
  'request_timeout',
  'service_unavailable',
  'fatal_error',
  'internal_error',
  'team_added_to_org',
]);
const EDIT_GONE_CODES = new Set(['message_not_found', 'cant_update_message', 'edit_window_closed']);
/** Network errors that mean the request never left: nothing can have been posted. */
const NEVER_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']);

const inList = (list: readonly string[], code: string) => list.includes(code);

export function classifySlackFailure(error: unknown): SlackFailure {
  const code = slackErrorCode(error);
  if (!(error instanceof SlackApiError)) return { kind: 'transient', code, unsent: false, answered: false };
  if (error.statusCode === 429) {
    const retryAfterMs = error.retryAfterSec === undefined ? null : error.retryAfterSec * 1000;
    return { kind: 'rate_limited', code, retryAfterMs };
  }
  // No answer at all (timeout, reset), or an HTTP error: the request may have been acted on.
  if (error.retryable) {
    const answered = error.statusCode !== undefined;
    return { kind: 'transient', code, unsent: !answered && NEVER_SENT_CODES.has(code), answered };
  }
  if (TRY_LATER_CODES.has(code)) return { kind: 'transient', code, unsent: true, answered: true };
  if (inList(AUTH_CODES, code)) return { kind: 'auth', code };
  if (inList(CHANNEL_GONE_CODES, code)) return { kind: 'permanent', code, bug: false };
  if (inList(BUG_CODES, code)) return { kind: 'permanent', code, bug: true };
  if (EDIT_GONE_CODES.has(code)) return { kind: 'message_gone', code };
  return { kind: 'needs_a_person', code };
}

/** The label a give-up is counted under: its code when known, else `other`. */
export function giveUpReason(code: string): GiveUpReason {
  return (GIVE_UP_REASONS as readonly string[]).includes(code) ? (code as GiveUpReason) : 'other';
}

/**
 * The wait before the next try of a message that failed `tries + 1` times: doubling from 1 s to 30 s, each
 * drawn between half of that and all of it, so that messages that failed together do not return together.
 * The cap keeps a message at most 30 s behind a Slack that has healed.
 */
export const BACKOFF = { firstMs: 1_000, maxMs: 30_000 } as const;

export function backoffMs(tries: number, random: () => number): number {
  const ceiling = Math.min(BACKOFF.maxMs, BACKOFF.firstMs * 2 ** Math.min(Math.max(0, tries), 20));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
