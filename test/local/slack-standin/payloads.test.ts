import type { AddressInfo } from 'node:net';
import {
  App,
  type BlockAction,
  type ButtonAction,
  LogLevel,
  type SlashCommand,
  type ViewOutput,
} from '@slack/bolt';
import type { ModalView } from '@slack/types';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  RESPONSE_URL_METHOD,
  type SlackStandin,
  startSlackStandin,
} from '../../../src/local/slack-standin/web-api.js';
import { STANDIN_WORKSPACE } from '../../../src/local/slack-standin/workspace-identity.js';
import {
  buildBlockActionsPayload,
  buildButtonAction,
  buildSlashCommand,
  buildSlashCommandBody,
  buildViewSubmissionPayload,
  DEFAULT_ACTOR,
  encodeInteractivePayload,
  postToBolt,
} from '../../support/slack-requests.js';

const SIGNING_SECRET = 'standin-signing-secret';

const confirmModal: ModalView = {
  type: 'modal',
  callback_id: 'cancel_confirm',
  private_metadata: 'RK1',
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
};

describe('Slack payload builders', () => {
  it('form-encode a slash command as Slack does: its field order, %2F and + for spaces', () => {
    const body = buildSlashCommandBody({ text: 'RK1 RK2', response_url: 'http://127.0.0.1:1/response/x' });
    expect(body).toMatch(
      /^token=[^&]+&team_id=T0STANDIN&team_domain=standin&channel_id=C0STOCKOPS&channel_name=stock-ops&user_id=U0OPERATOR1&user_name=warehouse\.lead&command=%2Fcancel-stockin&text=RK1\+RK2&api_app_id=A0STANDIN&is_enterprise_install=false&trigger_id=\d+\.\d+\.[0-9a-f]{32}&response_url=http%3A%2F%2F127\.0\.0\.1%3A1%2Fresponse%2Fx$/,
    );
  });

  it('take overrides and give every command a fresh trigger_id', () => {
    const first = buildSlashCommand({ user_id: 'U0OTHER', response_url: 'http://127.0.0.1:1/response/a' });
    const second = buildSlashCommand({ response_url: 'http://127.0.0.1:1/response/b' });
    expect(first.user_id).toBe('U0OTHER');
    expect(second.user_id).toBe(DEFAULT_ACTOR.id);
    expect(first.trigger_id).not.toBe(second.trigger_id);
  });

  it('put the submitted values into the stored view and keep its id, hash and private_metadata', () => {
    const stored: ViewOutput = {
      id: 'V1',
      hash: '1.abc',
      private_metadata: 'RK1',
      callback_id: 'cancel_confirm',
      team_id: STANDIN_WORKSPACE.teamId,
      app_id: STANDIN_WORKSPACE.appId,
      bot_id: STANDIN_WORKSPACE.botId,
      type: 'modal',
      title: { type: 'plain_text', text: 'Cancel stock-in' },
      close: null,
      submit: { type: 'plain_text', text: 'Cancel it' },
      blocks: [],
      state: { values: {} },
      root_view_id: 'V1',
      previous_view_id: null,
      clear_on_close: false,
      notify_on_close: false,
    };
    const payload = buildViewSubmissionPayload({
      view: stored,
      values: { reason: { value: { type: 'plain_text_input', value: 'wrong supplier' } } },
    });
    expect(payload).toMatchObject({
      type: 'view_submission',
      user: { id: DEFAULT_ACTOR.id },
      view: {
        id: 'V1',
        hash: '1.abc',
        private_metadata: 'RK1',
        state: { values: { reason: { value: {} } } },
      },
    });
    expect(stored.state.values).toEqual({});
    expect(new URLSearchParams(encodeInteractivePayload(payload)).get('payload')).toBe(
      JSON.stringify(payload),
    );
  });
});

describe('Slack payloads posted to a real Bolt app over HTTP', () => {
  let standin: SlackStandin;
  let app: App;
  let eventsUrl: string;
  const seen: { commands: SlashCommand[]; views: ViewOutput[]; actions: BlockAction[] } = {
    commands: [],
    views: [],
    actions: [],
  };

  beforeEach(async () => {
    seen.commands = [];
    seen.views = [];
    seen.actions = [];
    standin = await startSlackStandin();
    app = new App({
      token: 'xoxb-test',
      signingSecret: SIGNING_SECRET,
      clientOptions: { slackApiUrl: standin.apiUrl },
      logLevel: LogLevel.ERROR,
    });
    app.command('/cancel-stockin', async ({ ack, command, client }) => {
      seen.commands.push(command);
      await ack();
      await client.views.open({ trigger_id: command.trigger_id, view: confirmModal });
    });
    app.view('cancel_confirm', async ({ ack, view }) => {
      seen.views.push(view);
      await ack({ response_action: 'errors', errors: { reason: 'Order RK1 is already cancelled' } });
    });
    app.action<BlockAction<ButtonAction>>('confirm', async ({ ack, body, respond }) => {
      seen.actions.push(body);
      await ack();
      await respond({ text: `Cancelling ${body.actions[0]?.value ?? ''}`, replace_original: true });
    });
    const server = await app.start({ port: 0, host: '127.0.0.1' });
    const { port } = server.address() as AddressInfo;
    eventsUrl = `http://127.0.0.1:${port}/slack/events`;
  });

  afterEach(async () => {
    await app.stop();
    await standin.close();
  });

  it('delivers a signed slash command, and the modal it opens is stored with the trigger_id Bolt saw', async () => {
    const body = buildSlashCommandBody({ text: 'RK1', response_url: standin.responseUrl() });
    const response = await postToBolt(eventsUrl, body, { signingSecret: SIGNING_SECRET });
    expect(response.statusCode).toBe(200);
    expect(seen.commands).toEqual([expect.objectContaining({ command: '/cancel-stockin', text: 'RK1' })]);
    const open = await standin.waitFor('views.open');
    expect(open.args.trigger_id).toBe(seen.commands[0]?.trigger_id);
    expect([...standin.views.values()].map((view) => view.callback_id)).toEqual(['cancel_confirm']);
  });

  it('delivers a view submission built from the stored view and returns response_action errors as JSON', async () => {
    await postToBolt(eventsUrl, buildSlashCommandBody({ text: 'RK1', response_url: standin.responseUrl() }), {
      signingSecret: SIGNING_SECRET,
    });
    await standin.waitFor('views.open');
    const [stored] = standin.views.values();
    if (stored === undefined) throw new Error('the command opened no view');

    const submission = buildViewSubmissionPayload({
      view: stored,
      values: { reason: { value: { type: 'plain_text_input', value: 'wrong supplier' } } },
    });
    const response = await postToBolt(eventsUrl, encodeInteractivePayload(submission), {
      signingSecret: SIGNING_SECRET,
    });
    expect(response.statusCode).toBe(200);
    expect(response.json).toEqual({
      response_action: 'errors',
      errors: { reason: 'Order RK1 is already cancelled' },
    });
    expect(seen.views[0]).toMatchObject({ id: stored.id, hash: stored.hash, private_metadata: 'RK1' });
    expect(seen.views[0]?.state.values.reason?.value?.value).toBe('wrong supplier');
  });

  it("delivers a button click whose respond() lands on the stand-in's response URL", async () => {
    const posted = await app.client.chat.postMessage({ channel: 'C0STOCKOPS', text: 'Cancel RK1?' });
    const payload = buildBlockActionsPayload({
      actions: [buildButtonAction({ action_id: 'confirm', block_id: 'decision', value: 'RK1' })],
      message: { type: 'message', ts: posted.ts ?? '', text: 'Cancel RK1?' },
      response_url: standin.responseUrl('click-1'),
    });
    const response = await postToBolt(eventsUrl, encodeInteractivePayload(payload), {
      signingSecret: SIGNING_SECRET,
    });
    expect(response.statusCode).toBe(200);
    const responded = await standin.waitFor(RESPONSE_URL_METHOD);
    expect(responded).toMatchObject({ responseUrlId: 'click-1', args: { text: 'Cancelling RK1' } });
    expect(seen.actions[0]?.container).toMatchObject({ type: 'message', message_ts: posted.ts });
  });

  it('is refused by Bolt when signed with another secret or replayed after five minutes', async () => {
    const body = buildSlashCommandBody({ text: 'RK1', response_url: standin.responseUrl() });
    const forged = await postToBolt(eventsUrl, body, { signingSecret: 'not-the-secret' });
    const replayed = await postToBolt(eventsUrl, body, {
      signingSecret: SIGNING_SECRET,
      clock: { now: () => new Date(Date.now() - 6 * 60 * 1000) },
    });
    expect([forged.statusCode, replayed.statusCode]).toEqual([401, 401]);
    expect(seen.commands).toEqual([]);
  });
});
