import { randomBytes } from 'node:crypto';
import type {
  BlockAction,
  BlockElementAction,
  ButtonAction,
  GlobalShortcut,
  MessageShortcut,
  SlashCommand,
  ViewOutput,
  ViewSubmitAction,
} from '@slack/bolt';
import type { FunctionExecutedEvent } from '@slack/types';
import {
  GlobalShortcut as GlobalShortcutIds,
  MessageShortcut as MessageShortcutIds,
} from '../../slack/ids.js';
import { STANDIN_WORKSPACE } from './workspace-identity.js';

/**
 * Builders for what Slack sends an app, field for field, defaulting to the stand-in workspace. The objects
 * are what a Socket Mode envelope carries; the `*Body` / `encode*` forms are what Slack POSTs over HTTP.
 */

/** The person who runs the command in fixtures unless a test says otherwise. */
export const DEFAULT_ACTOR: Readonly<{ id: string; name: string }> = {
  id: 'U0OPERATOR1',
  name: 'warehouse.lead',
};
export const DEFAULT_CHANNEL: Readonly<{ id: string; name: string }> = {
  id: 'C0STOCKOPS',
  name: 'stock-ops',
};

/** Slack still sends the deprecated verification token in every payload; Bolt ignores it. */
const VERIFICATION_TOKEN = 'standin-verification-token';

type ViewStateValues = ViewOutput['state']['values'];

/** Same shape as Slack's `398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c`; unique per call. */
function newTriggerId(): string {
  return `${Date.now()}.${randomBytes(4).readUInt32BE()}.${randomBytes(16).toString('hex')}`;
}

function actionTs(): string {
  return (Date.now() / 1000).toFixed(6);
}

function formEncode(fields: Record<string, unknown>): string {
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) form.append(key, String(value));
  return form.toString();
}

/** A response URL is required: a default would point the app at a real Slack host. */
export type SlashCommandOverrides = Partial<SlashCommand> & Pick<SlashCommand, 'response_url'>;

export function buildSlashCommand(overrides: SlashCommandOverrides): SlashCommand {
  return {
    token: VERIFICATION_TOKEN,
    team_id: STANDIN_WORKSPACE.teamId,
    team_domain: STANDIN_WORKSPACE.teamDomain,
    channel_id: DEFAULT_CHANNEL.id,
    channel_name: DEFAULT_CHANNEL.name,
    user_id: DEFAULT_ACTOR.id,
    user_name: DEFAULT_ACTOR.name,
    command: '/cancel-stockin',
    text: '',
    api_app_id: STANDIN_WORKSPACE.appId,
    is_enterprise_install: 'false',
    trigger_id: newTriggerId(),
    ...overrides,
  };
}

/** The `application/x-www-form-urlencoded` body Slack POSTs for a slash command, fields in Slack's order. */
export function buildSlashCommandBody(overrides: SlashCommandOverrides): string {
  return formEncode(buildSlashCommand(overrides));
}

export type ViewSubmissionOverrides = Partial<Omit<ViewSubmitAction, 'type' | 'view'>> & {
  /** The view as Slack holds it (e.g. `standin.views.get(id)`): ids, hash and private_metadata come from it. */
  view: ViewOutput;
  /** What the user entered: block_id → action_id → state value. */
  values: ViewStateValues;
};

export function buildViewSubmissionPayload({
  view,
  values,
  ...overrides
}: ViewSubmissionOverrides): ViewSubmitAction {
  return {
    type: 'view_submission',
    team: { id: STANDIN_WORKSPACE.teamId, domain: STANDIN_WORKSPACE.teamDomain },
    user: { id: DEFAULT_ACTOR.id, name: DEFAULT_ACTOR.name, team_id: STANDIN_WORKSPACE.teamId },
    api_app_id: STANDIN_WORKSPACE.appId,
    token: VERIFICATION_TOKEN,
    trigger_id: newTriggerId(),
    is_enterprise_install: false,
    response_urls: [],
    ...overrides,
    view: { ...view, state: { values } },
  };
}

export type BlockActionsOverrides = Partial<Omit<BlockAction, 'type' | 'actions' | 'response_url'>> & {
  actions: BlockElementAction[];
  /** Pass '' for an action inside a modal: Slack sends no response URL there. */
  response_url: string;
};

export function buildBlockActionsPayload({
  actions,
  response_url,
  ...overrides
}: BlockActionsOverrides): BlockAction {
  const inView = overrides.view !== undefined;
  const channel = inView ? undefined : (overrides.channel ?? { ...DEFAULT_CHANNEL });
  const container =
    overrides.view !== undefined
      ? { type: 'view', view_id: overrides.view.id }
      : {
          type: 'message',
          message_ts: overrides.message?.ts,
          channel_id: channel?.id,
          is_ephemeral: overrides.message === undefined,
        };
  return {
    type: 'block_actions',
    team: { id: STANDIN_WORKSPACE.teamId, domain: STANDIN_WORKSPACE.teamDomain },
    user: {
      id: DEFAULT_ACTOR.id,
      username: DEFAULT_ACTOR.name,
      name: DEFAULT_ACTOR.name,
      team_id: STANDIN_WORKSPACE.teamId,
    },
    api_app_id: STANDIN_WORKSPACE.appId,
    token: VERIFICATION_TOKEN,
    trigger_id: newTriggerId(),
    container,
    ...(channel === undefined ? {} : { channel }),
    ...overrides,
    actions,
    response_url,
  };
}

export function buildButtonAction(
  fields: Pick<ButtonAction, 'action_id' | 'block_id'> & Partial<ButtonAction>,
): ButtonAction {
  return {
    type: 'button',
    text: { type: 'plain_text', text: fields.action_id },
    action_ts: actionTs(),
    ...fields,
  };
}

/** The message a message shortcut was used on, as Slack sends it: text, maybe blocks or legacy attachments. */
export interface ShortcutMessage {
  ts: string;
  text: string;
  user?: string;
  blocks?: unknown[];
  attachments?: unknown[];
  thread_ts?: string;
}

export type MessageShortcutOverrides = Partial<Omit<MessageShortcut, 'type' | 'message'>> & {
  message: ShortcutMessage;
  /** Slack sends one with every message action. */
  response_url: string;
};

/** `message_action`: someone chose the app's shortcut in a message's "More actions" menu. */
export function buildMessageShortcutPayload({
  message,
  ...overrides
}: MessageShortcutOverrides): MessageShortcut {
  return {
    type: 'message_action',
    callback_id: MessageShortcutIds.callbackId,
    trigger_id: newTriggerId(),
    message_ts: message.ts,
    team: { id: STANDIN_WORKSPACE.teamId, domain: STANDIN_WORKSPACE.teamDomain },
    channel: { ...DEFAULT_CHANNEL },
    user: { id: DEFAULT_ACTOR.id, name: DEFAULT_ACTOR.name, team_id: STANDIN_WORKSPACE.teamId },
    token: VERIFICATION_TOKEN,
    action_ts: actionTs(),
    is_enterprise_install: false,
    ...overrides,
    message: { type: 'message', user: message.user ?? 'U0SOMEONE01', ...message },
  };
}

/** `shortcut`: someone chose the app's global shortcut from the shortcuts menu. */
export function buildGlobalShortcutPayload(
  overrides: Partial<Omit<GlobalShortcut, 'type'>> = {},
): GlobalShortcut {
  return {
    type: 'shortcut',
    callback_id: GlobalShortcutIds.callbackId,
    trigger_id: newTriggerId(),
    user: { id: DEFAULT_ACTOR.id, username: DEFAULT_ACTOR.name, team_id: STANDIN_WORKSPACE.teamId },
    team: { id: STANDIN_WORKSPACE.teamId, domain: STANDIN_WORKSPACE.teamDomain },
    token: VERIFICATION_TOKEN,
    action_ts: actionTs(),
    is_enterprise_install: false,
    ...overrides,
  };
}

/** A `Fx…` id, as Slack gives each execution of a function. */
export function newFunctionExecutionId(): string {
  return `Fx${randomBytes(5).toString('hex').toUpperCase()}`;
}

/**
 * `function_executed`: a workflow reached the app's custom step. `inputs` are what the workflow's author
 * wired to the step's inputs (Slack sends user and channel inputs as ids).
 */
export function buildFunctionExecutedEvent(fields: {
  callbackId: string;
  inputs: Record<string, unknown>;
  functionExecutionId?: string;
}): FunctionExecutedEvent {
  const now = Date.now();
  return {
    type: 'function_executed',
    function: {
      id: 'Fn0STANDIN01',
      callback_id: fields.callbackId,
      title: 'Cancel a stock-in order',
      type: 'app',
      input_parameters: [],
      output_parameters: [],
      app_id: STANDIN_WORKSPACE.appId,
      date_created: Math.floor(now / 1000) - 86_400,
      date_updated: Math.floor(now / 1000) - 86_400,
      date_deleted: 0,
    },
    inputs: fields.inputs as FunctionExecutedEvent['inputs'],
    function_execution_id: fields.functionExecutionId ?? newFunctionExecutionId(),
    workflow_execution_id: `Wf${randomBytes(5).toString('hex').toUpperCase()}`,
    event_ts: (now / 1000).toFixed(6),
    // A workflow token lives only as long as the execution; the app completes steps with its bot token.
    bot_access_token: `xwfp-standin-${randomBytes(8).toString('hex')}`,
  };
}

/** The Events API envelope around an event, as Slack POSTs it (JSON) or sends it down a socket. */
export function buildEventEnvelope(event: { readonly type: string }): Record<string, unknown> {
  const now = Date.now();
  return {
    token: VERIFICATION_TOKEN,
    team_id: STANDIN_WORKSPACE.teamId,
    api_app_id: STANDIN_WORKSPACE.appId,
    event,
    type: 'event_callback',
    event_id: `Ev${randomBytes(5).toString('hex').toUpperCase()}`,
    event_time: Math.floor(now / 1000),
    authorizations: [
      {
        enterprise_id: null,
        team_id: STANDIN_WORKSPACE.teamId,
        user_id: STANDIN_WORKSPACE.botUserId,
        is_bot: true,
        is_enterprise_install: false,
      },
    ],
    is_ext_shared_channel: false,
  };
}

/** An interactivity payload as Slack POSTs it: one form field, `payload`, holding the JSON. */
export function encodeInteractivePayload(
  payload: BlockAction | ViewSubmitAction | MessageShortcut | GlobalShortcut,
): string {
  return formEncode({ payload: JSON.stringify(payload) });
}

/** The Events API body Slack POSTs (JSON) when someone opens the app's Home tab. */
export function buildAppHomeOpenedBody(fields: { user: string; tab?: 'home' | 'messages' }): string {
  const event = {
    type: 'app_home_opened',
    user: fields.user,
    channel: `D${fields.user.slice(1)}`,
    tab: fields.tab ?? 'home',
    event_ts: (Date.now() / 1000).toFixed(6),
  };
  return JSON.stringify(buildEventEnvelope(event));
}
