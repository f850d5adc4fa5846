import type { ModalView } from '@slack/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SlackStandin, startSlackStandin } from '../../src/local/slack-standin/web-api.js';
import { createSlackApiPoster, type SlackApiPoster } from '../../src/slack/api-poster.js';
import { createSlackChatClient } from '../../src/slack/chat-client.js';
import { createSlackViewsClient } from '../../src/slack/views-client.js';

const TOKEN = 'xoxb-api-clients-test-token';
const modal = (title: string): ModalView => ({
  type: 'modal',
  title: { type: 'plain_text', text: title },
  blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'hello' } }],
});
const FAST_RETRY = { retries: 2, minDelayMs: 5, maxDelayMs: 20, timeoutMs: 1_000 };

describe('the Slack Web API clients over undici', () => {
  let slack: SlackStandin;
  let api: SlackApiPoster;
  beforeAll(async () => {
    slack = await startSlackStandin({ port: 0, tokens: { bot: TOKEN } });
    api = createSlackApiPoster({ token: TOKEN, apiUrl: slack.apiUrl });
  });
  afterAll(async () => {
    await api.close();
    await slack.close();
  });

  it('opens a view, then updates it only with the current hash', async () => {
    const views = createSlackViewsClient(api);
    const opened = await views.open('1.2.trigger-a', modal('First'));
    expect(opened.id).toMatch(/^V/);
    const updated = await views.update({ viewId: opened.id, hash: opened.hash, view: modal('Second') });
    expect(slack.views.get(opened.id)?.title.text).toBe('Second');
    await expect(
      views.update({ viewId: opened.id, hash: opened.hash, view: modal('Stale') }),
    ).rejects.toMatchObject({ data: { error: 'hash_conflict' } });
    expect(updated.hash).not.toBe(opened.hash);
    expect(slack.callsTo('views.open')[0]?.tokenPresent).toBe(true);
  });

  it('reports Slack errors and HTTP failures as codes, never with the token, and never retries a view', async () => {
    const views = createSlackViewsClient(api);
    slack.faults.set('views.open', { error: 'expired_trigger_id', times: 1 });
    const expired = await views.open('1.2.trigger-b', modal('x')).catch((error: Error) => error);
    expect(expired).toMatchObject({ data: { error: 'expired_trigger_id' } });
    const before = slack.callsTo('views.open').length;
    slack.faults.set('views.open', { httpStatus: 500, times: 1 });
    const failed = await views.open('1.2.trigger-c', modal('x')).catch((error: Error) => error);
    expect(failed).toMatchObject({ data: { error: 'http_500' }, statusCode: 500, retryable: true });
    expect(slack.callsTo('views.open').length).toBe(before + 1);
    for (const error of [expired, failed]) expect(JSON.stringify(error) + String(error)).not.toContain(TOKEN);

    const wrong = createSlackApiPoster({ token: 'xoxb-wrong', apiUrl: slack.apiUrl });
    await expect(createSlackViewsClient(wrong).open('1.2.trigger-d', modal('x'))).rejects.toMatchObject({
      data: { error: 'invalid_auth' },
    });
    await wrong.close();
  });

  it('posts a message and answers with its channel and ts, like WebClient', async () => {
    const chat = createSlackChatClient(api, FAST_RETRY);
    const posted = await chat.chat.postMessage({ channel: 'C0STOCKOPS', text: 'RK1 cancelled' });
    expect(posted).toEqual({ channel: 'C0STOCKOPS', ts: expect.stringMatching(/^\d+\.\d+$/) });
    await chat.chat.update({ channel: 'C0STOCKOPS', ts: posted.ts!, text: 'RK1 cancelled (edited)' });
    expect(slack.callsTo('chat.update').at(-1)?.args).toMatchObject({ ts: posted.ts });
    const dm = await chat.conversations.open({ users: 'U0ALICE' });
    expect(dm.channel?.id).toMatch(/^D/);
  });

  it('waits out a 429 for as long as Retry-After says, then posts', async () => {
    const chat = createSlackChatClient(api, FAST_RETRY);
    const from = slack.calls.length;
    slack.faults.set('chat.postMessage', { httpStatus: 429, retryAfterSec: 1, times: 1 });
    const posted = await chat.chat.postMessage({ channel: 'C0STOCKOPS', text: 'after the limit' });
    const tries = slack.calls.slice(from).filter((c) => c.method === 'chat.postMessage');
    expect(tries.map((c) => c.answer?.status)).toEqual([429, 200]);
    expect(tries[1]!.atMs - tries[0]!.atMs).toBeGreaterThanOrEqual(950);
    expect(posted).toEqual({ channel: 'C0STOCKOPS', ts: expect.stringMatching(/^\d+\.\d+$/) });
    expect(tries[1]!.answer?.body).toMatchObject({ ok: true, ts: posted.ts });
  });

  it('tries a 5xx three times in all, then gives up with the status', async () => {
    const chat = createSlackChatClient(api, FAST_RETRY);
    const from = slack.calls.length;
    slack.faults.set('chat.postMessage', { httpStatus: 503, times: 3 });
    await expect(chat.chat.postMessage({ channel: 'C0STOCKOPS', text: 'x' })).rejects.toMatchObject({
      data: { error: 'http_503' },
    });
    expect(slack.calls.slice(from).filter((c) => c.method === 'chat.postMessage')).toHaveLength(3);
  });

  it('does not retry an answer with ok: false', async () => {
    const chat = createSlackChatClient(api, FAST_RETRY);
    const from = slack.calls.length;
    slack.faults.set('chat.postEphemeral', { error: 'not_in_channel', times: 1 });
    await expect(
      chat.chat.postEphemeral({ channel: 'C0STOCKOPS', user: 'U0ALICE', text: 'x' }),
    ).rejects.toMatchObject({ data: { error: 'not_in_channel' }, retryable: false });
    expect(slack.calls.slice(from).filter((c) => c.method === 'chat.postEphemeral')).toHaveLength(1);
  });

  it('gives a post its own timeout, and tries it again when Slack does not answer in time', async () => {
    // undici checks header timeouts on a clock that ticks about every half second: leave it room.
    const chat = createSlackChatClient(api, { ...FAST_RETRY, retries: 1, timeoutMs: 1_000 });
    const from = slack.calls.length;
    slack.faults.set('chat.postMessage', { delayMs: 3_000, times: 1 });
    const posted = await chat.chat.postMessage({ channel: 'C0STOCKOPS', text: 'slow Slack' });
    expect(posted).toEqual({ channel: 'C0STOCKOPS', ts: expect.stringMatching(/^\d+\.\d+$/) });
    expect(slack.calls.slice(from).filter((c) => c.method === 'chat.postMessage')).toHaveLength(2);
  });

  it('retries a request that got no answer, then reports the network code without the token', async () => {
    const nowhere = createSlackApiPoster({ token: TOKEN, apiUrl: 'http://127.0.0.1:9/api/', timeoutMs: 500 });
    const chat = createSlackChatClient(nowhere, FAST_RETRY);
    const error = await chat.chat.postMessage({ channel: 'C0STOCKOPS', text: 'x' }).catch((e: Error) => e);
    expect(error).toMatchObject({
      retryable: true,
      data: { error: expect.stringMatching(/ECONNREFUSED|UND_ERR/) },
    });
    expect(JSON.stringify(error) + String(error)).not.toContain(TOKEN);
    await nowhere.close();
  });
});
