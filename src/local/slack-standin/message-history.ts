import { type CallArgs, fail, missing, type SlackAnswer, stringArg } from './answers.js';

/** A message the app posted (or edited) through chat.postMessage / chat.update. */
export interface StoredMessage {
  channel: string;
  ts: string;
  text: string | undefined;
  blocks: unknown;
  threadTs: string | undefined;
  /** The `metadata` it was posted with (`{ event_type, event_payload }`), as Slack keeps it. */
  metadata: unknown;
  /** How many times chat.update rewrote it. */
  edits: number;
}

/** Slack's own default page, and its largest. */
const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 999;

/** A ts as microseconds since the epoch: `1716000000.000100` and `1716000000.0001` compare alike. */
function tsMicros(ts: string): number {
  const [seconds = '', fraction = ''] = ts.split('.');
  const whole = Number(seconds);
  const micros = Number(fraction.padEnd(6, '0').slice(0, 6));
  return Number.isFinite(whole) && Number.isFinite(micros) ? whole * 1_000_000 + micros : Number.NaN;
}

export function tsOf(micros: number): string {
  return `${Math.floor(micros / 1_000_000)}.${String(micros % 1_000_000).padStart(6, '0')}`;
}

const truthy = (args: CallArgs, key: string) => ['true', '1'].includes(stringArg(args, key) ?? '');

/** How a message reads in conversations.history and conversations.replies. */
type MessageView = (message: StoredMessage, withMetadata: boolean) => Record<string, unknown>;

/** The `oldest` / `latest` / `inclusive` window and the cursor page that both methods share. */
function page(
  messages: readonly StoredMessage[],
  args: CallArgs,
  view: MessageView,
  newestFirst: boolean,
): SlackAnswer {
  const oldest = tsMicros(stringArg(args, 'oldest') ?? '0');
  const latestArg = stringArg(args, 'latest');
  const latest = latestArg === undefined ? Number.POSITIVE_INFINITY : tsMicros(latestArg);
  if (Number.isNaN(oldest) || Number.isNaN(latest)) return fail('invalid_ts_oldest');
  const inclusive = truthy(args, 'inclusive');
  const inWindow = (message: StoredMessage) => {
    const at = tsMicros(message.ts);
    return inclusive ? at >= oldest && at <= latest : at > oldest && at < latest;
  };
  const limit = Math.min(MAX_LIMIT, Math.max(1, Number(stringArg(args, 'limit') ?? DEFAULT_LIMIT) || 1));
  const cursor = stringArg(args, 'cursor');
  const offset = cursor === undefined ? 0 : Number(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!Number.isInteger(offset) || offset < 0) return fail('invalid_cursor');
  const sorted = messages
    .filter(inWindow)
    .sort((a, b) => (tsMicros(a.ts) - tsMicros(b.ts)) * (newestFirst ? -1 : 1));
  const shown = sorted.slice(offset, offset + limit);
  const more = offset + limit < sorted.length;
  const withMetadata = truthy(args, 'include_all_metadata');
  return {
    ok: true,
    messages: shown.map((message) => view(message, withMetadata)),
    has_more: more,
    response_metadata: {
      next_cursor: more ? Buffer.from(String(offset + limit)).toString('base64url') : '',
    },
  };
}

/**
 * conversations.history: a channel's messages newest first, without thread replies (as Slack lists them),
 * each with its `metadata` only when asked with `include_all_metadata`.
 */
export function conversationsHistory(
  messages: Iterable<StoredMessage>,
  args: CallArgs,
  view: MessageView,
): SlackAnswer {
  const channel = stringArg(args, 'channel');
  if (channel === undefined) return fail('channel_not_found');
  const inChannel = [...messages].filter(
    (message) =>
      message.channel === channel && (message.threadTs === undefined || message.threadTs === message.ts),
  );
  return page(inChannel, args, view, true);
}

/** conversations.replies: a thread's parent and replies, oldest first. */
export function conversationsReplies(
  messages: Iterable<StoredMessage>,
  args: CallArgs,
  view: MessageView,
): SlackAnswer {
  const channel = stringArg(args, 'channel');
  const ts = stringArg(args, 'ts');
  if (channel === undefined) return fail('channel_not_found');
  if (ts === undefined) return missing('ts');
  const thread = [...messages].filter(
    (message) => message.channel === channel && (message.ts === ts || message.threadTs === ts),
  );
  // A thread whose parent someone else posted: the stand-in keeps only the app's own messages.
  return page(thread, args, view, false);
}
