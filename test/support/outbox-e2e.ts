import type { RecordedCall, SlackFault, SlackStandin } from '../../src/local/slack-standin/web-api.js';
import { OUTBOX_EVENT_TYPE } from '../../src/slack/outbox/posted-lookup.js';

/** The Web API methods the outbox uses in a channel: a Slack outage for it. */
export const OUTBOX_METHODS = [
  'chat.postMessage',
  'chat.update',
  'chat.postEphemeral',
  'conversations.history',
  'conversations.replies',
] as const;

/** Slack failing for the outbox's methods as `fault` says (e.g. `{ httpStatus: 503, forMs: 60_000 }`). */
export function slackOutage(slack: SlackStandin, fault: SlackFault): { healsAt: number } {
  for (const method of OUTBOX_METHODS) slack.faults.set(method, fault);
  return { healsAt: Date.now() + (fault.forMs ?? 0) };
}

export function outboxKeyOf(metadata: unknown): string | undefined {
  const parsed = metadata as { event_type?: unknown; event_payload?: { key?: unknown } } | undefined;
  return parsed?.event_type === OUTBOX_EVENT_TYPE && typeof parsed.event_payload?.key === 'string'
    ? parsed.event_payload.key
    : undefined;
}

/** Messages the stand-in holds whose outbox key matches: what people see. */
export function messagesWithKey(slack: SlackStandin, key: RegExp) {
  return [...slack.messages.values()].filter((message) => key.test(outboxKeyOf(message.metadata) ?? ''));
}

/** chat.postMessage calls Slack answered with a post, whose outbox key matches. */
export function acceptedPosts(slack: SlackStandin, key: RegExp): RecordedCall[] {
  return slack
    .callsTo('chat.postMessage')
    .filter((call) => call.fault === undefined && key.test(outboxKeyOf(call.args.metadata) ?? ''));
}

/** chat.postMessage calls to `channel` that a fault answered. */
export function refusedPosts(slack: SlackStandin, channel: string): RecordedCall[] {
  return slack
    .callsTo('chat.postMessage')
    .filter((call) => call.fault !== undefined && call.args.channel === channel);
}
