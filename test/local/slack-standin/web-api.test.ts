import type { ModalView } from '@slack/types';
import {
  ErrorCode,
  LogLevel,
  WebAPIHTTPError,
  WebAPIPlatformError,
  WebClient,
  WebClientEvent,
  type WebClientOptions,
} from '@slack/web-api';
import { request } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  RESPONSE_URL_METHOD,
  type SlackStandin,
  startSlackStandin,
} from '../../../src/local/slack-standin/web-api.js';
import { STANDIN_WORKSPACE } from '../../../src/local/slack-standin/workspace-identity.js';

const APPROVERS = 'S0APPROVERS';

let standin: SlackStandin;

beforeEach(async () => {
  standin = await startSlackStandin({ usergroups: { [APPROVERS]: ['U0LEAD1', 'U0LEAD2'] } });
});

afterEach(async () => {
  await standin.close();
});

function webClient(options: WebClientOptions = {}): WebClient {
  return new WebClient('xoxb-test', {
    slackApiUrl: standin.apiUrl,
    logLevel: LogLevel.ERROR,
    retryConfig: { retries: 0 },
    ...options,
  });
}

function modal(overrides: Partial<ModalView> = {}): ModalView {
  return {
    type: 'modal',
    callback_id: 'cancel_confirm',
    private_metadata: '{"order":"RK1"}',
    title: { type: 'plain_text', text: 'Cancel stock-in' },
    submit: { type: 'plain_text', text: 'Cancel it' },
    blocks: [
      {
        type: 'input',
        block_id: 'reason',
        label: { type: 'plain_text', text: 'Reason' },
        element: { type: 'plain_text_input', action_id: 'value' },
      },
    ],
    ...overrides,
  };
}

describe('Slack Web API stand-in driven by a real WebClient', () => {
  it('serves the slackApiUrl WebClient expects and answers auth.test with the stand-in workspace', async () => {
    expect(standin.apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/$/);
    const result = await webClient().auth.test();
    expect(result).toMatchObject({
      ok: true,
      team_id: STANDIN_WORKSPACE.teamId,
      user_id: STANDIN_WORKSPACE.botUserId,
      bot_id: STANDIN_WORKSPACE.botId,
    });
  });

  it('records method, decoded args, token presence and time, but never the token', async () => {
    const before = Date.now();
    await webClient().chat.postMessage({ channel: 'C0STOCKOPS', text: 'hi', blocks: [{ type: 'divider' }] });
    const call = await standin.waitFor('chat.postMessage');
    expect(call).toMatchObject({ seq: 1, method: 'chat.postMessage', tokenPresent: true, tokenType: 'bot' });
    expect(call.args).toMatchObject({ channel: 'C0STOCKOPS', text: 'hi', blocks: [{ type: 'divider' }] });
    expect(call.at.getTime()).toBeGreaterThanOrEqual(before);
    expect(call.atMs).toBeGreaterThan(0);
    expect(JSON.stringify(standin.calls)).not.toContain('xoxb-test');
  });

  it('waitFor from an index skips the calls recorded before it and waits for the next one', async () => {
    const client = webClient();
    await client.chat.postMessage({ channel: 'C0OPS', text: 'old RK1' });
    const from = standin.calls.length;
    const next = standin.waitFor((c) => String(c.args.text).includes('RK1'), { fromIndex: from });
    await client.chat.postMessage({ channel: 'C0OPS', text: 'new RK1' });
    expect((await next).args.text).toBe('new RK1');
    expect((await standin.waitFor((c) => String(c.args.text).includes('RK1'))).args.text).toBe('old RK1');
  });

  it('opens a modal and answers with the stored view: id, hash, callback_id, private_metadata, empty state', async () => {
    const result = await webClient().views.open({ trigger_id: '1.2.abc', view: modal() });
    const view = result.view;
    expect(view).toMatchObject({
      type: 'modal',
      callback_id: 'cancel_confirm',
      private_metadata: '{"order":"RK1"}',
      state: { values: {} },
      team_id: STANDIN_WORKSPACE.teamId,
      app_id: STANDIN_WORKSPACE.appId,
    });
    expect(view?.id).toMatch(/^V[0-9A-Z]{10}$/);
    expect(view?.hash).toMatch(/^\d+\.[0-9a-f]{8}$/);
    expect(standin.views.get(view?.id ?? '')).toEqual(view);
  });

  it('updates a view only while the caller holds its current hash, with a new hash each time', async () => {
    const client = webClient();
    const opened = (await client.views.open({ trigger_id: '1.2.abc', view: modal() })).view;
    const viewId = opened?.id ?? '';
    const firstHash = opened?.hash ?? '';

    const updated = await client.views.update({
      view_id: viewId,
      hash: firstHash,
      view: modal({ title: { type: 'plain_text', text: 'Cancelling…' } }),
    });
    expect(updated.view?.hash).not.toBe(firstHash);
    expect(updated.view?.id).toBe(viewId);

    const stale = client.views.update({ view_id: viewId, hash: firstHash, view: modal() });
    await expect(stale).rejects.toBeInstanceOf(WebAPIPlatformError);
    await expect(stale).rejects.toMatchObject({
      code: ErrorCode.PlatformError,
      data: { error: 'hash_conflict' },
    });
    expect(standin.views.get(viewId)?.title.text).toBe('Cancelling…');
  });

  it('updates by external_id and says not_found for a view it never opened', async () => {
    const client = webClient();
    await client.views.open({ trigger_id: '1.2.abc', view: modal({ external_id: 'cancel-RK1' }) });
    const updated = await client.views.update({
      external_id: 'cancel-RK1',
      view: modal({ callback_id: 'done' }),
    });
    expect(updated.view?.callback_id).toBe('done');
    await expect(client.views.update({ view_id: 'V404', view: modal() })).rejects.toMatchObject({
      data: { error: 'not_found' },
    });
  });

  it('refuses what Slack refuses: a reused trigger_id and an over-long modal title', async () => {
    const client = webClient();
    await client.views.open({ trigger_id: '1.2.once', view: modal() });
    await expect(client.views.open({ trigger_id: '1.2.once', view: modal() })).rejects.toMatchObject({
      data: { error: 'exchanged_trigger_id' },
    });
    const longTitle = modal({ title: { type: 'plain_text', text: 'Cancel stock-in order RK1 now' } });
    await expect(client.views.open({ trigger_id: '1.2.two', view: longTitle })).rejects.toMatchObject({
      data: {
        error: 'invalid_arguments',
        response_metadata: { messages: [expect.stringContaining('[json-pointer:/view/title/text]')] },
      },
    });
  });

  it('publishes App Home views per user and replaces them in place', async () => {
    const client = webClient();
    const home = {
      type: 'home' as const,
      blocks: [{ type: 'section' as const, text: { type: 'mrkdwn' as const, text: 'x' } }],
    };
    const first = await client.views.publish({ user_id: 'U0LEAD1', view: home });
    const second = await client.views.publish({
      user_id: 'U0LEAD1',
      view: home,
      hash: first.view?.hash ?? '',
    });
    expect(second.view?.id).toBe(first.view?.id);
    expect(standin.homeViews.get('U0LEAD1')?.hash).toBe(second.view?.hash);
    expect(standin.homeViews.has('U0LEAD2')).toBe(false);
  });

  it('gives messages the time of posting as ts, upwards, and edits them with chat.update', async () => {
    const client = webClient();
    const before = Date.now() / 1000;
    const first = await client.chat.postMessage({ channel: 'C0STOCKOPS', text: 'one' });
    const second = await client.chat.postMessage({ channel: 'C0STOCKOPS', text: 'two' });
    expect(first.ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(Number(first.ts)).toBeGreaterThanOrEqual(Math.floor(before));
    expect(Number(first.ts)).toBeLessThanOrEqual(Date.now() / 1000 + 1);
    expect(second.ts! > first.ts!).toBe(true);
    expect(first.channel).toBe('C0STOCKOPS');

    await client.chat.update({ channel: 'C0STOCKOPS', ts: first.ts ?? '', text: 'one (cancelled)' });
    expect(standin.messages.get(first.ts ?? '')).toMatchObject({ text: 'one (cancelled)', edits: 1 });
    await expect(client.chat.update({ channel: 'C0STOCKOPS', ts: '1.2', text: 'x' })).rejects.toMatchObject({
      data: { error: 'message_not_found' },
    });
  });

  it('posts to a user id in the DM that conversations.open returns, and answers ephemerals and permalinks', async () => {
    const client = webClient();
    const dm = await client.conversations.open({ users: 'U0LEAD1' });
    expect(dm.channel?.id).toMatch(/^D/);
    const posted = await client.chat.postMessage({ channel: 'U0LEAD1', text: 'approve?' });
    expect(posted.channel).toBe(dm.channel?.id);

    const ephemeral = await client.chat.postEphemeral({
      channel: 'C0STOCKOPS',
      user: 'U0LEAD1',
      text: 'only you',
    });
    expect(ephemeral.message_ts).toMatch(/^\d{10}\.\d{6}$/);
    const link = await client.chat.getPermalink({ channel: 'C0STOCKOPS', message_ts: '1700000000.000100' });
    expect(link.permalink).toBe('https://standin.slack.com/archives/C0STOCKOPS/p1700000000000100');
  });

  it('lists user group members from its configuration and says no_such_subteam otherwise', async () => {
    const client = webClient();
    expect((await client.usergroups.users.list({ usergroup: APPROVERS })).users).toEqual([
      'U0LEAD1',
      'U0LEAD2',
    ]);
    await expect(client.usergroups.users.list({ usergroup: 'S0NOPE' })).rejects.toMatchObject({
      data: { error: 'no_such_subteam' },
    });
  });

  it('answers unknown methods with unknown_method', async () => {
    await expect(webClient().apiCall('stockin.cancel')).rejects.toMatchObject({
      data: { error: 'unknown_method' },
    });
  });

  it('surfaces an injected platform error as a WebClient error, then clears it after `times`', async () => {
    standin.faults.set('chat.postMessage', { error: 'not_in_channel', times: 1 });
    const client = webClient();
    const refused = client.chat.postMessage({ channel: 'C0PRIVATE', text: 'x' });
    await expect(refused).rejects.toBeInstanceOf(WebAPIPlatformError);
    await expect(refused).rejects.toMatchObject({ data: { ok: false, error: 'not_in_channel' } });
    await expect(client.chat.postMessage({ channel: 'C0PRIVATE', text: 'x' })).resolves.toMatchObject({
      ok: true,
    });
    expect(standin.callsTo('chat.postMessage').map((call) => call.fault)).toEqual([
      { error: 'not_in_channel', times: 1 },
      undefined,
    ]);
  });

  it('rate-limits with 429 and Retry-After, and WebClient waits that long and retries', async () => {
    standin.faults.set('chat.postMessage', { httpStatus: 429, retryAfterSec: 1, times: 1 });
    const client = webClient({ retryConfig: { retries: 1, factor: 1, minTimeout: 10, maxTimeout: 10 } });
    const rateLimited: number[] = [];
    client.on(WebClientEvent.RATE_LIMITED, (retryAfterSec: number) => rateLimited.push(retryAfterSec));

    const started = performance.now();
    await expect(client.chat.postMessage({ channel: 'C0STOCKOPS', text: 'x' })).resolves.toMatchObject({
      ok: true,
    });
    const attempts = standin.callsTo('chat.postMessage');
    expect(attempts).toHaveLength(2);
    expect(attempts[1]!.atMs - attempts[0]!.atMs).toBeGreaterThanOrEqual(1000);
    expect(performance.now() - started).toBeGreaterThanOrEqual(1000);
    expect(rateLimited).toEqual([1]);
  });

  it('answers an injected HTTP 500, which WebClient raises as an HTTP error', async () => {
    standin.faults.set('views.update', { httpStatus: 500 });
    const failed = webClient().views.update({ view_id: 'V1', view: modal() });
    await expect(failed).rejects.toBeInstanceOf(WebAPIHTTPError);
    await expect(failed).rejects.toMatchObject({ statusCode: 500 });
    standin.faults.clear();
    await expect(webClient().views.update({ view_id: 'V1', view: modal() })).rejects.toMatchObject({
      data: { error: 'not_found' },
    });
  });

  it('holds an answer back for delayMs, so a WebClient timeout can fire', async () => {
    standin.faults.set('auth.test', { delayMs: 300 });
    const started = performance.now();
    await webClient().auth.test();
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    await expect(webClient({ timeout: 50 }).auth.test()).rejects.toMatchObject({
      code: ErrorCode.RequestError,
    });
  });

  it('checks tokens as Slack does: none, the wrong kind, or not the configured one', async () => {
    const unauthenticated = new WebClient(undefined, {
      slackApiUrl: standin.apiUrl,
      logLevel: LogLevel.ERROR,
    });
    await expect(unauthenticated.auth.test()).rejects.toMatchObject({ data: { error: 'not_authed' } });
    await expect(webClient().apps.connections.open()).rejects.toMatchObject({
      data: { error: 'not_allowed_token_type' },
    });

    const strict = await startSlackStandin({ tokens: { bot: 'xoxb-right' } });
    try {
      const wrong = new WebClient('xoxb-wrong', { slackApiUrl: strict.apiUrl, logLevel: LogLevel.ERROR });
      await expect(wrong.auth.test()).rejects.toMatchObject({ data: { error: 'invalid_auth' } });
      const right = new WebClient('xoxb-right', { slackApiUrl: strict.apiUrl, logLevel: LogLevel.ERROR });
      await expect(right.auth.test()).resolves.toMatchObject({ ok: true });
    } finally {
      await strict.close();
    }
  });

  it('accepts JSON posts authenticated by the Authorization header', async () => {
    const response = await request(`${standin.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', authorization: 'Bearer xoxb-test' },
      body: JSON.stringify({ channel: 'C0STOCKOPS', blocks: [{ type: 'divider' }] }),
    });
    expect(await response.body.json()).toMatchObject({ ok: true, channel: 'C0STOCKOPS' });
    expect(standin.calls[0]?.args).toEqual({ channel: 'C0STOCKOPS', blocks: [{ type: 'divider' }] });
  });

  it('records JSON posts to response URLs, and can fail them', async () => {
    const url = standin.responseUrl('cmd-1');
    const pending = standin.waitFor(RESPONSE_URL_METHOD);
    const ok = await request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ response_type: 'ephemeral', text: 'Cancelled RK1' }),
    });
    expect(ok.statusCode).toBe(200);
    await ok.body.dump();
    expect(await pending).toMatchObject({ responseUrlId: 'cmd-1', args: { text: 'Cancelled RK1' } });

    standin.faults.set(RESPONSE_URL_METHOD, { httpStatus: 404 });
    const expired = await request(standin.responseUrl(), { method: 'POST', body: '{}' });
    await expired.body.dump();
    expect(expired.statusCode).toBe(404);
  });

  it('lets waitFor see a call once answered, with the stand-in state already updated', async () => {
    const pending = standin.waitFor('views.open');
    const opening = webClient().views.open({ trigger_id: '1.2.abc', view: modal() });
    const call = await pending;
    expect(call.answer).toMatchObject({
      status: 200,
      body: { ok: true, view: { callback_id: 'cancel_confirm' } },
    });
    expect(standin.views.size).toBe(1);
    await opening;
  });

  it('rejects waitFor after the timeout, naming the calls it did see', async () => {
    await webClient().auth.test();
    await expect(standin.waitFor('views.open', { timeoutMs: 50 })).rejects.toThrow(
      'no views.open within 50 ms (calls so far: auth.test)',
    );
  });
});
