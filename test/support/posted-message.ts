import type { SlackStandin } from '../../src/local/slack-standin/web-api.js';
import type { StoredMessage } from '../../src/local/slack-standin/workspace.js';

/** The first message the bot posts (already or still to come), as it stands whenever the getter is called. */
export async function firstPostedMessage(slack: SlackStandin): Promise<() => StoredMessage> {
  const call = await slack.waitFor('chat.postMessage', { timeoutMs: 5_000 });
  const ts = (call.answer?.body as { ts?: string } | undefined)?.ts ?? '';
  return () => {
    const message = slack.messages.get(ts);
    if (!message) throw new Error(`the stand-in holds no message ${ts}`);
    return message;
  };
}
