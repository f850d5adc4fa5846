import type { ModalView } from '@slack/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlackViewsClient } from '../../src/slack/slack-views-client.js';
import { type SlackStandin, startSlackStandin } from '../../src/standin/slack-web-api.js';

const TOKEN = 'xoxb-views-client-test-token';
const modal = (title: string): ModalView => ({
  type: 'modal',
  title: { type: 'plain_text', text: title },
  blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'hello' } }],
});

describe('the views.open / views.update client', () => {
  let slack: SlackStandin;
  beforeAll(async () => {
    slack = await startSlackStandin({ port: 0, tokens: { bot: TOKEN } });
  });
  afterAll(async () => {
    await slack.close();
  });

  it('opens a view, then updates it only with the current hash', async () => {
    const views = createSlackViewsClient({ token: TOKEN, apiUrl: slack.apiUrl });
    try {
      const opened = await views.open('1.2.trigger-a', modal('First'));
      expect(opened.id).toMatch(/^V/);
      const updated = await views.update({ viewId: opened.id, hash: opened.hash, view: modal('Second') });
      expect(slack.views.get(opened.id)?.title.text).toBe('Second');
      await expect(
        views.update({ viewId: opened.id, hash: opened.hash, view: modal('Stale') }),
      ).rejects.toMatchObject({
        data: { error: 'hash_conflict' },
      });
      expect(updated.hash).not.toBe(opened.hash);
      expect(slack.callsTo('views.open')[0]?.tokenPresent).toBe(true);
    } finally {
      await views.close();
    }
  });

  it('reports Slack errors and HTTP failures as codes, never with the token', async () => {
    const views = createSlackViewsClient({ token: TOKEN, apiUrl: slack.apiUrl });
    try {
      slack.faults.set('views.open', { error: 'expired_trigger_id', times: 1 });
      const expired = await views.open('1.2.trigger-b', modal('x')).catch((error: Error) => error);
      expect(expired).toMatchObject({ data: { error: 'expired_trigger_id' } });
      slack.faults.set('views.open', { httpStatus: 500, times: 1 });
      const failed = await views.open('1.2.trigger-c', modal('x')).catch((error: Error) => error);
      expect(failed).toMatchObject({ data: { error: 'http_500' } });
      for (const error of [expired, failed])
        expect(JSON.stringify(error) + String(error)).not.toContain(TOKEN);
    } finally {
      await views.close();
    }
    const wrong = createSlackViewsClient({ token: 'xoxb-wrong', apiUrl: slack.apiUrl });
    await expect(wrong.open('1.2.trigger-d', modal('x'))).rejects.toMatchObject({
      data: { error: 'invalid_auth' },
    });
    await wrong.close();
  });
});
