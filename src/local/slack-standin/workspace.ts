import { randomBytes } from 'node:crypto';
import type { ViewOutput } from '@slack/bolt';
import { type CallArgs, fail, missing, type SlackAnswer, stringArg } from './answers.js';
import { conversationsHistory, conversationsReplies, type StoredMessage, tsOf } from './message-history.js';
import { parseViewInput, type ViewInput } from './view-input.js';
import { STANDIN_WORKSPACE } from './workspace-identity.js';
import { WorkspaceMembership } from './workspace-membership.js';

export type { CallArgs, SlackAnswer } from './answers.js';
export type { StoredMessage } from './message-history.js';

/** How a custom step's execution was completed through functions.completeSuccess / completeError. */
export type FunctionCompletion =
  | { functionExecutionId: string; kind: 'success'; outputs: Record<string, unknown> }
  | { functionExecutionId: string; kind: 'error'; error: string };

export interface SlackWorkspaceOptions {
  usergroups?: Readonly<Record<string, readonly string[]>>;
  /** users.info answers with this locale (when asked with include_locale); others read `en-US`. */
  userLocales?: Readonly<Record<string, string>>;
  /** Issues the WebSocket URL that apps.connections.open hands out. */
  issueSocketUrl: () => string;
  /** Wall-clock milliseconds, which message ts values follow (default Date.now). */
  now?: () => number;
}

type Handler = (args: CallArgs) => SlackAnswer;

/** Two messages posted in the same instant still get distinct, increasing ts values, 100 µs apart. */
const TS_STEP_MICROS = 100;
const MESSAGE_MAX_BLOCKS = 50;

/** Form posts carry JSON-encoded fields as strings; a JSON post may carry them either way. */
function jsonArg(args: CallArgs, key: string): unknown {
  const value = args[key];
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

function viewHash(): string {
  return `${Math.floor(Date.now() / 1000)}.${randomBytes(4).toString('hex')}`;
}

/** Slack gives every block without a block_id a short random one; state.values is keyed by it. */
function withBlockIds(blocks: ViewInput['blocks']): ViewOutput['blocks'] {
  return blocks.map((b) =>
    b.block_id === undefined ? { ...b, block_id: randomBytes(3).toString('base64url') } : b,
  );
}

/**
 * The in-memory workspace behind the Web API stand-in: views, messages, DMs and user groups, and the
 * method handlers that read and change them. Transport, auth and fault injection live in slack-web-api.ts.
 */
export class SlackWorkspace {
  readonly views = new Map<string, ViewOutput>();
  /** App Home views by user id (views.publish). */
  readonly homeViews = new Map<string, ViewOutput>();
  /** Messages by ts (ts values are unique across channels here). */
  readonly messages = new Map<string, StoredMessage>();

  /** Completed step executions by id; a second completion is refused, as Slack refuses it. */
  readonly functionCompletions = new Map<string, FunctionCompletion>();

  private readonly userLocales: ReadonlyMap<string, string>;
  /** User groups and channel membership, which a test may change while the bot runs. */
  readonly membership: WorkspaceMembership;
  private readonly issueSocketUrl: () => string;
  private readonly exchangedTriggers = new Set<string>();
  private readonly dmChannels = new Map<string, string>();
  private viewSeq = 0;
  private lastTsMicros = 0;
  private readonly now: () => number;
  private readonly handlers: ReadonlyMap<string, Handler>;

  constructor(options: SlackWorkspaceOptions) {
    this.membership = new WorkspaceMembership(options.usergroups ?? {});
    this.userLocales = new Map(Object.entries(options.userLocales ?? {}));
    this.issueSocketUrl = options.issueSocketUrl;
    this.now = options.now ?? Date.now;
    this.handlers = new Map<string, Handler>([
      ['auth.test', () => this.authTest()],
      ['apps.connections.open', () => ({ ok: true, url: this.issueSocketUrl() })],
      ['views.open', (args) => this.viewsOpen(args)],
      ['views.update', (args) => this.viewsUpdate(args)],
      ['views.publish', (args) => this.viewsPublish(args)],
      ['chat.postMessage', (args) => this.chatPostMessage(args)],
      ['chat.update', (args) => this.chatUpdate(args)],
      ['chat.postEphemeral', (args) => this.chatPostEphemeral(args)],
      ['chat.getPermalink', (args) => this.chatGetPermalink(args)],
      ['conversations.open', (args) => this.conversationsOpen(args)],
      ['conversations.history', (args) => this.conversationsHistory(args)],
      ['conversations.replies', (args) => this.conversationsReplies(args)],
      ['usergroups.users.list', (args) => this.membership.usergroupsUsersList(args)],
      ['users.conversations', (args) => this.membership.usersConversations(args)],
      ['users.info', (args) => this.usersInfo(args)],
      ['bots.info', (args) => this.botsInfo(args)],
      ['functions.completeSuccess', (args) => this.completeFunction(args, 'success')],
      ['functions.completeError', (args) => this.completeFunction(args, 'error')],
    ]);
  }

  call(method: string, args: CallArgs): SlackAnswer {
    const handler = this.handlers.get(method);
    return handler === undefined ? { ok: false, error: 'unknown_method', req_method: method } : handler(args);
  }

  private authTest(): SlackAnswer {
    return {
      ok: true,
      url: `https://${STANDIN_WORKSPACE.teamDomain}.slack.com/`,
      team: STANDIN_WORKSPACE.teamName,
      user: STANDIN_WORKSPACE.botUserName,
      team_id: STANDIN_WORKSPACE.teamId,
      user_id: STANDIN_WORKSPACE.botUserId,
      bot_id: STANDIN_WORKSPACE.botId,
      is_enterprise_install: false,
    };
  }

  private nextViewId(): string {
    this.viewSeq += 1;
    return `V${this.viewSeq.toString(36).toUpperCase().padStart(10, '0')}`;
  }

  /** Slack's ts is the time of posting: a search of history by time (`oldest`) finds what was posted since. */
  private nextTs(): string {
    this.lastTsMicros = Math.max(this.now() * 1_000, this.lastTsMicros + TS_STEP_MICROS);
    return tsOf(this.lastTsMicros);
  }

  private materialise(input: ViewInput, id: string, rootViewId: string, previous?: ViewOutput): ViewOutput {
    return {
      id,
      team_id: STANDIN_WORKSPACE.teamId,
      app_installed_team_id: STANDIN_WORKSPACE.teamId,
      app_id: STANDIN_WORKSPACE.appId,
      bot_id: STANDIN_WORKSPACE.botId,
      type: input.type,
      title: input.title ?? { type: 'plain_text', text: 'View Title' },
      close: input.close ?? null,
      submit: input.submit ?? null,
      blocks: withBlockIds(input.blocks),
      private_metadata: input.private_metadata ?? '',
      callback_id: input.callback_id ?? '',
      external_id: input.external_id ?? '',
      state: { values: {} },
      hash: viewHash(),
      clear_on_close: input.clear_on_close ?? false,
      notify_on_close: input.notify_on_close ?? false,
      root_view_id: rootViewId,
      previous_view_id: previous?.previous_view_id ?? null,
    };
  }

  private findByExternalId(externalId: string): ViewOutput | undefined {
    for (const view of this.views.values()) if (view.external_id === externalId) return view;
    return undefined;
  }

  private viewsOpen(args: CallArgs): SlackAnswer {
    const trigger = stringArg(args, 'trigger_id') ?? stringArg(args, 'interactivity_pointer');
    if (trigger === undefined) return missing('trigger_id');
    if (this.exchangedTriggers.has(trigger)) return fail('exchanged_trigger_id');
    const parsed = parseViewInput(args.view);
    if (!parsed.ok) return fail('invalid_arguments', parsed.messages);
    if (parsed.view.type !== 'modal') {
      return fail('invalid_arguments', ['[ERROR] views.open only opens modals [json-pointer:/view/type]']);
    }
    if (parsed.view.external_id && this.findByExternalId(parsed.view.external_id)) {
      return fail('duplicate_external_id');
    }
    this.exchangedTriggers.add(trigger);
    const id = this.nextViewId();
    const view = this.materialise(parsed.view, id, id);
    this.views.set(id, view);
    return { ok: true, view };
  }

  private viewsUpdate(args: CallArgs): SlackAnswer {
    const viewId = stringArg(args, 'view_id');
    const externalId = stringArg(args, 'external_id');
    if (viewId === undefined && externalId === undefined) return missing('view_id');
    const current = viewId !== undefined ? this.views.get(viewId) : this.findByExternalId(externalId ?? '');
    if (current === undefined) return fail('not_found');
    const hash = stringArg(args, 'hash');
    if (hash !== undefined && hash !== current.hash) return fail('hash_conflict');
    const parsed = parseViewInput(args.view);
    if (!parsed.ok) return fail('invalid_arguments', parsed.messages);
    const view = this.materialise(parsed.view, current.id, current.root_view_id ?? current.id, current);
    this.views.set(view.id, view);
    for (const [user, home] of this.homeViews) if (home.id === view.id) this.homeViews.set(user, view);
    return { ok: true, view };
  }

  private viewsPublish(args: CallArgs): SlackAnswer {
    const userId = stringArg(args, 'user_id');
    if (userId === undefined) return missing('user_id');
    const parsed = parseViewInput(args.view);
    if (!parsed.ok) return fail('invalid_arguments', parsed.messages);
    if (parsed.view.type !== 'home') {
      return fail('invalid_arguments', [
        '[ERROR] views.publish only publishes home views [json-pointer:/view/type]',
      ]);
    }
    const current = this.homeViews.get(userId);
    const hash = stringArg(args, 'hash');
    if (current !== undefined && hash !== undefined && hash !== current.hash) return fail('hash_conflict');
    const id = current?.id ?? this.nextViewId();
    const view = this.materialise(parsed.view, id, id, current);
    this.views.set(id, view);
    this.homeViews.set(userId, view);
    return { ok: true, view };
  }

  /** Posting to a user id posts to the app's DM with that user, and Slack answers with the DM's id. */
  private resolveChannel(channel: string): string {
    return /^[UW]/.test(channel) ? this.dmChannelFor([channel]) : channel;
  }

  private dmChannelFor(users: readonly string[]): string {
    const key = [...users].sort().join(',');
    let id = this.dmChannels.get(key);
    if (id === undefined) {
      id = `D${(this.dmChannels.size + 1).toString(36).toUpperCase().padStart(10, '0')}`;
      this.dmChannels.set(key, id);
    }
    return id;
  }

  private messageContent(args: CallArgs): { text: string | undefined; blocks: unknown } | SlackAnswer {
    const text = stringArg(args, 'text');
    const blocks = jsonArg(args, 'blocks');
    const attachments = jsonArg(args, 'attachments');
    if (text === undefined && blocks === undefined && attachments === undefined) return fail('no_text');
    if (blocks !== undefined && (!Array.isArray(blocks) || blocks.length > MESSAGE_MAX_BLOCKS)) {
      return fail('invalid_blocks');
    }
    return { text, blocks };
  }

  private messageView(message: StoredMessage, withMetadata = false): Record<string, unknown> {
    return {
      type: 'message',
      text: message.text ?? '',
      user: STANDIN_WORKSPACE.botUserId,
      bot_id: STANDIN_WORKSPACE.botId,
      app_id: STANDIN_WORKSPACE.appId,
      team: STANDIN_WORKSPACE.teamId,
      ts: message.ts,
      ...(message.blocks === undefined ? {} : { blocks: message.blocks }),
      ...(message.threadTs === undefined ? {} : { thread_ts: message.threadTs }),
      ...(withMetadata && message.metadata !== undefined ? { metadata: message.metadata } : {}),
    };
  }

  private conversationsHistory(args: CallArgs): SlackAnswer {
    const channel = stringArg(args, 'channel');
    const resolved = channel === undefined ? args : { ...args, channel: this.resolveChannel(channel) };
    return conversationsHistory(this.messages.values(), resolved, (m, meta) => this.messageView(m, meta));
  }

  private conversationsReplies(args: CallArgs): SlackAnswer {
    return conversationsReplies(this.messages.values(), args, (m, meta) => this.messageView(m, meta));
  }

  private chatPostMessage(args: CallArgs): SlackAnswer {
    const target = stringArg(args, 'channel');
    if (target === undefined) return fail('channel_not_found');
    const content = this.messageContent(args);
    if ('ok' in content) return content;
    const message: StoredMessage = {
      channel: this.resolveChannel(target),
      ts: this.nextTs(),
      text: content.text,
      blocks: content.blocks,
      threadTs: stringArg(args, 'thread_ts'),
      metadata: jsonArg(args, 'metadata'),
      edits: 0,
    };
    this.messages.set(message.ts, message);
    return { ok: true, channel: message.channel, ts: message.ts, message: this.messageView(message) };
  }

  private chatUpdate(args: CallArgs): SlackAnswer {
    const channel = stringArg(args, 'channel');
    const ts = stringArg(args, 'ts');
    if (channel === undefined) return fail('channel_not_found');
    if (ts === undefined) return fail('message_not_found');
    const current = this.messages.get(ts);
    if (current === undefined || current.channel !== this.resolveChannel(channel))
      return fail('message_not_found');
    const content = this.messageContent(args);
    if ('ok' in content) return content;
    const updated: StoredMessage = { ...current, ...content, edits: current.edits + 1 };
    this.messages.set(ts, updated);
    return {
      ok: true,
      channel: updated.channel,
      ts,
      text: updated.text ?? '',
      message: this.messageView(updated),
    };
  }

  private chatPostEphemeral(args: CallArgs): SlackAnswer {
    if (stringArg(args, 'channel') === undefined) return fail('channel_not_found');
    if (stringArg(args, 'user') === undefined) return fail('user_not_in_channel');
    const content = this.messageContent(args);
    if ('ok' in content) return content;
    return { ok: true, message_ts: this.nextTs() };
  }

  private chatGetPermalink(args: CallArgs): SlackAnswer {
    const channel = stringArg(args, 'channel');
    const ts = stringArg(args, 'message_ts');
    if (channel === undefined) return fail('channel_not_found');
    if (ts === undefined) return fail('message_not_found');
    return {
      ok: true,
      channel,
      permalink: `https://${STANDIN_WORKSPACE.teamDomain}.slack.com/archives/${channel}/p${ts.replace('.', '')}`,
    };
  }

  private conversationsOpen(args: CallArgs): SlackAnswer {
    const channel = stringArg(args, 'channel');
    if (channel !== undefined) return { ok: true, no_op: true, already_open: true, channel: { id: channel } };
    const users = stringArg(args, 'users')
      ?.split(',')
      .map((u) => u.trim())
      .filter((u) => u !== '');
    if (users === undefined || users.length === 0) return fail('users_list_not_supplied');
    const key = [...users].sort().join(',');
    const alreadyOpen = this.dmChannels.has(key);
    return {
      ok: true,
      no_op: alreadyOpen,
      already_open: alreadyOpen,
      channel: { id: this.dmChannelFor(users) },
    };
  }
  /** The app a bot belongs to: the doctor reads it when auth.test does not say. */
  private botsInfo(args: CallArgs): SlackAnswer {
    if (stringArg(args, 'bot') !== STANDIN_WORKSPACE.botId) return fail('bot_not_found');
    return {
      ok: true,
      bot: {
        id: STANDIN_WORKSPACE.botId,
        app_id: STANDIN_WORKSPACE.appId,
        name: STANDIN_WORKSPACE.botUserName,
        deleted: false,
        user_id: STANDIN_WORKSPACE.botUserId,
      },
    };
  }

  private usersInfo(args: CallArgs): SlackAnswer {
    const user = stringArg(args, 'user');
    if (user === undefined) return missing('user');
    if (!/^[UW][A-Z0-9]{2,}$/.test(user)) return fail('user_not_found');
    const withLocale = stringArg(args, 'include_locale') === 'true';
    return {
      ok: true,
      user: {
        id: user,
        team_id: STANDIN_WORKSPACE.teamId,
        name: user.toLowerCase(),
        deleted: false,
        is_bot: false,
        tz: 'Asia/Shanghai',
        ...(withLocale ? { locale: this.userLocales.get(user) ?? 'en-US' } : {}),
      },
    };
  }

  private completeFunction(args: CallArgs, kind: 'success' | 'error'): SlackAnswer {
    const id = stringArg(args, 'function_execution_id');
    if (id === undefined) return missing('function_execution_id');
    if (this.functionCompletions.has(id)) return fail('execution_not_in_running_state');
    if (kind === 'success') {
      const outputs = jsonArg(args, 'outputs');
      if (typeof outputs !== 'object' || outputs === null || Array.isArray(outputs)) {
        return fail('parameter_validation_failed', ['[ERROR] outputs must be an object']);
      }
      this.functionCompletions.set(id, {
        functionExecutionId: id,
        kind,
        outputs: outputs as Record<string, unknown>,
      });
    } else {
      const error = stringArg(args, 'error');
      if (error === undefined) return missing('error');
      this.functionCompletions.set(id, { functionExecutionId: id, kind, error });
    }
    return { ok: true };
  }
}
