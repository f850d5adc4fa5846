import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ANY_METHOD,
  type SlackStandin,
  startSlackStandin,
} from '../../../src/local/slack-standin/web-api.js';
import { createSlackApiPoster, SlackApiError, type SlackApiPoster } from '../../../src/slack/api-poster.js';

let standin: SlackStandin;
let api: SlackApiPoster;

beforeEach(async () => {
  standin = await startSlackStandin();
  api = createSlackApiPoster({ token: 'xoxb-test', apiUrl: standin.apiUrl, timeoutMs: 2_000 });
});

afterEach(async () => {
  await api.close();
  await standin.close();
});

const metadata = (key: string) => ({ event_type: 'cancel_stockin_outbox', event_payload: { key } });

async function post(channel: string, text: string, extra: object = {}) {
  return (await api.post('chat.postMessage', { channel, text, ...extra })) as { ts: string; channel: string };
}

async function rejection(call: Promise<unknown>): Promise<SlackApiError> {
  const error = await call.then(
    () => null,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(SlackApiError);
  return error as SlackApiError;
}

describe('the stand-in keeps message metadata and lists history as Slack does', () => {
  it('returns metadata only with include_all_metadata, newest first, without thread replies', async () => {
    const first = await post('C0OPS', 'one', { metadata: metadata('k1') });
    const parent = await post('C0OPS', 'two');
    await post('C0OPS', 'in thread', { thread_ts: parent.ts, metadata: metadata('k3') });
    await post('C0OTHER', 'elsewhere', { metadata: metadata('k4') });
    expect(standin.messages.get(first.ts)?.metadata).toEqual(metadata('k1'));

    const plain = (await api.post('conversations.history', { channel: 'C0OPS' })) as {
      messages: { ts: string; text: string; metadata?: unknown }[];
    };
    expect(plain.messages.map((m) => m.text)).toEqual(['two', 'one']);
    expect(plain.messages.some((m) => m.metadata !== undefined)).toBe(false);

    const full = (await api.post('conversations.history', {
      channel: 'C0OPS',
      include_all_metadata: true,
    })) as {
      messages: { text: string; metadata?: unknown }[];
    };
    expect(full.messages.find((m) => m.text === 'one')?.metadata).toEqual(metadata('k1'));

    const thread = (await api.post('conversations.replies', {
      channel: 'C0OPS',
      ts: parent.ts,
      include_all_metadata: true,
    })) as { messages: { text: string; metadata?: unknown }[] };
    expect(thread.messages.map((m) => [m.text, m.metadata])).toEqual([
      ['two', undefined],
      ['in thread', metadata('k3')],
    ]);
  });

  it('keeps to oldest (inclusive or not) and pages with a cursor', async () => {
    const posted = [];
    for (const text of ['a', 'b', 'c', 'd', 'e']) posted.push(await post('C0OPS', text));
    const since = (await api.post('conversations.history', { channel: 'C0OPS', oldest: posted[2]!.ts })) as {
      messages: { text: string }[];
    };
    expect(since.messages.map((m) => m.text)).toEqual(['e', 'd']);
    const inclusive = (await api.post('conversations.history', {
      channel: 'C0OPS',
      oldest: posted[2]!.ts,
      inclusive: true,
    })) as { messages: { text: string }[] };
    expect(inclusive.messages.map((m) => m.text)).toEqual(['e', 'd', 'c']);

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = (await api.post('conversations.history', {
        channel: 'C0OPS',
        limit: 2,
        ...(cursor ? { cursor } : {}),
      })) as { messages: { text: string }[]; has_more: boolean; response_metadata: { next_cursor: string } };
      seen.push(...page.messages.map((m) => m.text));
      cursor = page.response_metadata.next_cursor || undefined;
      expect(page.has_more).toBe(cursor !== undefined);
    } while (cursor);
    expect(seen).toEqual(['e', 'd', 'c', 'b', 'a']);
  });
});

describe('Slack outages, limits and lost channels', () => {
  it('answers HTTP 503 to every method for `forMs`, then heals by itself', async () => {
    standin.faults.set(ANY_METHOD, { httpStatus: 503, forMs: 300 });
    expect((await rejection(post('C0OPS', 'x'))).statusCode).toBe(503);
    expect((await rejection(api.post('auth.test', {}))).statusCode).toBe(503);
    await new Promise((resolve) => setTimeout(resolve, 350));
    await expect(post('C0OPS', 'x')).resolves.toMatchObject({ channel: 'C0OPS' });
  });

  it('lets a fault of one method win over the fault of every method', async () => {
    standin.faults.set(ANY_METHOD, { httpStatus: 503 });
    standin.faults.set('chat.postMessage', { httpStatus: 429, retryAfterSec: 2 });
    const limited = await rejection(post('C0OPS', 'x'));
    expect(limited).toMatchObject({ statusCode: 429, retryAfterSec: 2 });
    expect((await rejection(api.post('chat.update', {}))).statusCode).toBe(503);
  });

  it('answers 429 with Retry-After once a channel goes over its post limit; other channels are not held', async () => {
    standin.postLimit.set({ perSecond: 1, burst: 2 });
    await post('C0BUSY', '1');
    await post('C0BUSY', '2');
    const limited = await rejection(post('C0BUSY', '3'));
    expect(limited).toMatchObject({ statusCode: 429, retryAfterSec: 1, data: { error: 'ratelimited' } });
    await expect(post('C0QUIET', '1')).resolves.toMatchObject({ channel: 'C0QUIET' });
    await new Promise((resolve) => setTimeout(resolve, 1_050));
    await expect(post('C0BUSY', '3')).resolves.toMatchObject({ channel: 'C0BUSY' });
    expect(standin.callsTo('chat.postMessage').filter((c) => c.fault?.httpStatus === 429)).toHaveLength(1);
    standin.postLimit.set(null);
    for (let i = 0; i < 5; i += 1) await post('C0BUSY', `free ${i}`);
  });

  it('refuses every call in a channel the app was removed from, and only there', async () => {
    standin.channelErrors.set('C0GONE', 'not_in_channel');
    expect((await rejection(post('C0GONE', 'x'))).data.error).toBe('not_in_channel');
    expect((await rejection(api.post('conversations.history', { channel: 'C0GONE' }))).data.error).toBe(
      'not_in_channel',
    );
    expect(
      (await rejection(api.post('chat.postEphemeral', { channel: 'C0GONE', user: 'U1', text: 'x' }))).data
        .error,
    ).toBe('not_in_channel');
    await expect(post('C0OPS', 'x')).resolves.toMatchObject({ channel: 'C0OPS' });
    expect(standin.callsTo('chat.postMessage')[0]?.fault).toEqual({ error: 'not_in_channel' });
  });
});
