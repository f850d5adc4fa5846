import type { ViewOutput } from '@slack/bolt';
import { ConfirmModal, GlobalShortcut, RejectModal, WorkflowStep } from '../../slack/ids.js';
import {
  buildAppHomeOpenedBody,
  buildBlockActionsPayload,
  buildButtonAction,
  buildEventEnvelope,
  buildFunctionExecutedEvent,
  buildGlobalShortcutPayload,
  buildMessageShortcutPayload,
  buildSlashCommandBody,
  buildViewSubmissionPayload,
  DEFAULT_ACTOR,
  DEFAULT_CHANNEL,
  encodeInteractivePayload,
  newFunctionExecutionId,
  type ShortcutMessage,
} from '../slack-standin/payloads.js';
import { postToBolt } from '../slack-standin/post-to-bolt.js';
import type { SlackStandin } from '../slack-standin/web-api.js';
import { STANDIN_WORKSPACE } from '../slack-standin/workspace-identity.js';

export interface Person {
  id: string;
  name: string;
}

/**
 * Plays the people in Slack against one bot endpoint: signed slash commands and modal submissions, and the
 * views the bot opened as the Slack stand-in holds them.
 */
export function createSlackDriver(options: { slack: SlackStandin; signingSecret: string; url: string }) {
  const { slack, signingSecret, url } = options;
  let lastTriggerId: string | undefined;
  return {
    /** A signed slash command; pass your own trigger id to find its view among concurrent ones. */
    command(
      text: string,
      as: Person = DEFAULT_ACTOR,
      channel = DEFAULT_CHANNEL,
      triggerId = `${Date.now()}.${Math.floor(Math.random() * 1e9)}.driver`,
    ) {
      lastTriggerId = triggerId;
      const body = buildSlashCommandBody({
        text,
        user_id: as.id,
        user_name: as.name,
        channel_id: channel.id,
        channel_name: channel.name,
        trigger_id: triggerId,
        response_url: slack.responseUrl(),
      });
      return postToBolt(url, body, { signingSecret });
    },
    /** "Cancel stock-in order…" on `message`, as `as`; the dialog is then found with `openedView()`. */
    messageShortcut(message: ShortcutMessage, as: Person = DEFAULT_ACTOR, channel = DEFAULT_CHANNEL) {
      const payload = buildMessageShortcutPayload({
        message,
        user: { id: as.id, name: as.name, team_id: STANDIN_WORKSPACE.teamId },
        channel: { id: channel.id, name: channel.name },
        response_url: slack.responseUrl(),
      });
      lastTriggerId = payload.trigger_id;
      return postToBolt(url, encodeInteractivePayload(payload), { signingSecret });
    },
    /** "Cancel stock-in order" from the shortcuts menu, as `as`: resolves to the dialog it opened. */
    async globalShortcut(as: Person = DEFAULT_ACTOR): Promise<ViewOutput> {
      const payload = buildGlobalShortcutPayload({
        user: { id: as.id, username: as.name, team_id: STANDIN_WORKSPACE.teamId },
      });
      const from = slack.calls.length;
      await postToBolt(url, encodeInteractivePayload(payload), { signingSecret });
      const call = await slack.waitFor(
        (c) => c.method === 'views.open' && c.args.trigger_id === payload.trigger_id,
        { timeoutMs: 5_000, fromIndex: from },
      );
      const id = (call.answer?.body as { view?: { id?: string } } | undefined)?.view?.id ?? '';
      const view = slack.views.get(id);
      if (!view) throw new Error('the global shortcut opened no view');
      return view;
    },
    /** Submits the global shortcut's dialog with these numbers and channel (null leaves the channel empty). */
    submitGlobal(view: ViewOutput, orders: string, channelId: string | null, as: Person = DEFAULT_ACTOR) {
      const payload = buildViewSubmissionPayload({
        view,
        user: { id: as.id, name: as.name, team_id: STANDIN_WORKSPACE.teamId },
        values: {
          [GlobalShortcut.ordersBlock]: {
            [GlobalShortcut.ordersAction]: { type: 'plain_text_input', value: orders },
          },
          [GlobalShortcut.channelBlock]: {
            [GlobalShortcut.channelAction]: {
              type: 'conversations_select',
              selected_conversation: channelId,
            },
          },
        },
      });
      return postToBolt(url, encodeInteractivePayload(payload), { signingSecret });
    },
    /** The view `viewId` once the bot has next updated it (e.g. the preview after the global dialog). */
    async updatedView(viewId: string, fromIndex = 0): Promise<ViewOutput> {
      await slack.waitFor((c) => c.method === 'views.update' && c.args.view_id === viewId, {
        timeoutMs: 15_000,
        fromIndex,
      });
      const view = slack.views.get(viewId);
      if (!view) throw new Error(`the stand-in holds no view ${viewId}`);
      return view;
    },
    /** A workflow reaching the custom step (an Events API post): resolves to the execution id. */
    async runStep(inputs: Record<string, unknown>, functionExecutionId = newFunctionExecutionId()) {
      const event = buildFunctionExecutedEvent({
        callbackId: WorkflowStep.callbackId,
        inputs,
        functionExecutionId,
      });
      const response = await postToBolt(url, JSON.stringify(buildEventEnvelope(event)), {
        signingSecret,
        contentType: 'application/json',
      });
      return { functionExecutionId, response };
    },
    /**
     * The dialog opened for a command's trigger id (the last command's by default), once the bot has shown
     * what WDT says about the orders: it opens with "Looking up…" and is then updated with the preview.
     */
    async openedView(triggerId = lastTriggerId): Promise<ViewOutput> {
      const call = await slack.waitFor((c) => c.method === 'views.open' && c.args.trigger_id === triggerId, {
        timeoutMs: 5_000,
      });
      const id = (call.answer?.body as { view?: { id?: string } } | undefined)?.view?.id;
      if (!id) throw new Error('views.open did not open a view');
      await slack.waitFor((c) => c.method === 'views.update' && c.args.view_id === id, { timeoutMs: 15_000 });
      const view = slack.views.get(id);
      if (!view) throw new Error('the stand-in holds no view for that views.open call');
      return view;
    },
    /** A click on a button of a message the bot posted (e.g. Approve), as `as`. */
    clickMessageButton(
      message: { channel: string; ts: string; blocks: unknown },
      actionId: string,
      as: Person,
    ) {
      const button = findButton(message.blocks, actionId);
      const payload = buildBlockActionsPayload({
        user: { id: as.id, username: as.name, name: as.name, team_id: STANDIN_WORKSPACE.teamId },
        channel: { id: message.channel, name: DEFAULT_CHANNEL.name },
        message: { type: 'message', ts: message.ts, text: '' },
        container: {
          type: 'message',
          message_ts: message.ts,
          channel_id: message.channel,
          is_ephemeral: false,
        },
        actions: [buildButtonAction({ action_id: actionId, block_id: button.blockId, value: button.value })],
        response_url: slack.responseUrl(),
      });
      return postToBolt(url, encodeInteractivePayload(payload), { signingSecret });
    },
    /** A click on a button of a published App Home view, as `as`. */
    clickHomeButton(home: ViewOutput, actionId: string, as: Person, nth = 0) {
      const button = findButton(home.blocks, actionId, nth);
      const payload = buildBlockActionsPayload({
        user: { id: as.id, username: as.name, name: as.name, team_id: STANDIN_WORKSPACE.teamId },
        view: home,
        actions: [buildButtonAction({ action_id: actionId, block_id: button.blockId, value: button.value })],
        response_url: '',
      });
      return postToBolt(url, encodeInteractivePayload(payload), { signingSecret });
    },
    /** Someone opening the app's Home tab (an Events API post). */
    openHome(as: Person) {
      return postToBolt(url, buildAppHomeOpenedBody({ user: as.id }), {
        signingSecret,
        contentType: 'application/json',
      });
    },
    /** Submits the Reject dialog with a reason. */
    submitRejection(view: ViewOutput, reason: string, as: Person) {
      const payload = buildViewSubmissionPayload({
        view,
        user: { id: as.id, name: as.name, team_id: STANDIN_WORKSPACE.teamId },
        values: {
          [RejectModal.reasonBlock]: {
            [RejectModal.reasonAction]: { type: 'plain_text_input', value: reason },
          },
        },
      });
      return postToBolt(url, encodeInteractivePayload(payload), { signingSecret });
    },
    submit(view: ViewOutput, reason: string | null, as: Person = DEFAULT_ACTOR) {
      const payload = buildViewSubmissionPayload({
        view,
        user: { id: as.id, name: as.name, team_id: STANDIN_WORKSPACE.teamId },
        values:
          reason === null
            ? {}
            : {
                [ConfirmModal.reasonBlock]: {
                  [ConfirmModal.reasonAction]: { type: 'plain_text_input', value: reason },
                },
              },
      });
      return postToBolt(url, encodeInteractivePayload(payload), { signingSecret });
    },
  };
}

export type SlackDriver = ReturnType<typeof createSlackDriver>;

/** The nth button with this action id among the blocks, with its block id and value. */
function findButton(blocks: unknown, actionId: string, nth = 0): { blockId: string; value: string } {
  const found: { blockId: string; value: string }[] = [];
  for (const block of Array.isArray(blocks) ? blocks : []) {
    const { block_id: blockId, elements } = block as { block_id?: string; elements?: unknown[] };
    for (const element of elements ?? []) {
      const { action_id: id, value } = element as { action_id?: string; value?: string };
      if (id === actionId) found.push({ blockId: blockId ?? '', value: value ?? '' });
    }
  }
  const button = found[nth];
  if (!button) throw new Error(`no button ${actionId} (#${nth}) in those blocks`);
  return button;
}
