import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ViewOutput } from '@slack/bolt';
import { MANIFEST_BOT_SCOPES } from '../../doctor/manifest-scopes.js';
import type { Logger } from '../../logger.js';
import {
  bearerToken,
  parseApiRequest,
  readBody,
  type SlackTokenType,
  sameSecret,
  sendJson,
  tokenTypeOf,
} from './api-request.js';
import { type ChannelPostLimit, channelPostLimiter } from './channel-post-limit.js';
import { attachSocketModeStandin, type SocketModeStandin } from './socket-mode.js';
import {
  type CallArgs,
  type FunctionCompletion,
  type SlackAnswer,
  SlackWorkspace,
  type StoredMessage,
} from './workspace.js';
import type { WorkspaceMembership } from './workspace-membership.js';

/** The `method` under which posts to a response URL are recorded (and faulted). */
export const RESPONSE_URL_METHOD = 'response_url';
/** A fault set for this `method` answers every Web API method (Slack down as a whole); not response URLs. */
export const ANY_METHOD = '*';
/** The methods that act in one channel: a channel the app was removed from refuses each of them. */
const CHANNEL_METHODS = new Set([
  'chat.postMessage',
  'chat.update',
  'chat.postEphemeral',
  'conversations.history',
  'conversations.replies',
]);

export interface RecordedCall {
  /** 1, 2, 3… in arrival order, across Web API calls and response URL posts. */
  readonly seq: number;
  /** Web API method (`views.open`), or RESPONSE_URL_METHOD. */
  readonly method: string;
  /** Arguments with JSON-encoded form fields (`view`, `blocks`, …) decoded; `token` removed. */
  readonly args: CallArgs;
  /** Whether a token came with the call; the token itself is never kept. */
  readonly tokenPresent: boolean;
  readonly tokenType: SlackTokenType | undefined;
  /** The id in `/response/<id>` for a response URL post. */
  readonly responseUrlId?: string;
  /** The fault that answered this call instead of the workspace, if any. */
  readonly fault?: SlackFault;
  readonly at: Date;
  /** performance.now() on arrival, for latency measurements. */
  readonly atMs: number;
  /** What the stand-in answered; set once answered, which is when waitFor sees the call. */
  readonly answer?: { readonly status: number; readonly body: unknown; readonly atMs: number };
}

type MutableCall = { -readonly [K in keyof RecordedCall]: RecordedCall[K] };

/**
 * One injected failure. `error` answers HTTP 200 `{ ok: false, error }` (Slack's platform errors);
 * `httpStatus` answers that status (429 with `Retry-After: retryAfterSec`); `delayMs` holds the answer back
 * first and alone just slows the call. `times` applies it that many calls, `forMs` for that long after it is
 * set; then it clears itself.
 */
export interface SlackFault {
  error?: string;
  httpStatus?: number;
  retryAfterSec?: number;
  delayMs?: number;
  times?: number;
  forMs?: number;
}

export type CallMatcher = string | ((call: RecordedCall) => boolean);

export interface SlackStandinOptions {
  port?: number;
  host?: string;
  /** usergroups.users.list answers from this: group id → user ids. */
  usergroups?: Readonly<Record<string, readonly string[]>>;
  /** users.info answers with these locales (user id → `zh-CN`, `en-GB`, …); others read `en-US`. */
  userLocales?: Readonly<Record<string, string>>;
  /** When given, calls with any other token of that kind fail with `invalid_auth`. */
  tokens?: { bot?: string; app?: string };
  /**
   * The scopes a bot token holds, sent as Slack does in the `x-oauth-scopes` header of every answer to a
   * bot-token call. Default: what manifest.yml asks for.
   */
  scopes?: readonly string[];
  /** Slack's per-channel limit on chat.postMessage (default: none); also set live with `postLimit`. */
  postsPerChannel?: ChannelPostLimit;
  logger?: Logger;
}

export interface SlackStandin {
  /** `http://host:port/api/`, with the trailing slash WebClient's `slackApiUrl` expects. */
  readonly apiUrl: string;
  /** A response URL on this server; posts to it are recorded under RESPONSE_URL_METHOD. */
  responseUrl(id?: string): string;
  readonly calls: readonly RecordedCall[];
  callsTo(method: string): RecordedCall[];
  /**
   * The first answered call that matches, already recorded or still to come. `fromIndex` skips the calls
   * recorded before it (a benchmark that has made 100 000 calls should not scan them for each wait).
   */
  waitFor(match: CallMatcher, options?: { timeoutMs?: number; fromIndex?: number }): Promise<RecordedCall>;
  readonly faults: {
    /** `method` ANY_METHOD faults every Web API method that has no fault of its own. */
    set(method: string, fault: SlackFault): void;
    clear(method?: string): void;
  };
  /**
   * Channels the app can no longer use, with the error Slack gives (`not_in_channel`, `channel_not_found`,
   * `is_archived`): every call in that channel (posts, edits, ephemerals, history) is refused with it.
   */
  readonly channelErrors: Map<string, string>;
  /** Slack's per-channel limit on chat.postMessage: answered 429 with Retry-After when exceeded; null lifts it. */
  readonly postLimit: { set(limit: ChannelPostLimit | null): void };
  /** Every open or published view by id, as last stored (with its current hash). */
  readonly views: Map<string, ViewOutput>;
  /** App Home views by user id. */
  readonly homeViews: Map<string, ViewOutput>;
  /** User groups and channel membership (usergroups.users.list, users.conversations), changeable live. */
  readonly membership: WorkspaceMembership;
  /** Messages posted through chat.postMessage, by ts. */
  readonly messages: Map<string, StoredMessage>;
  /** Custom step executions completed through functions.completeSuccess / completeError, by id. */
  readonly functionCompletions: Map<string, FunctionCompletion>;
  readonly socketMode: SocketModeStandin;
  close(): Promise<void>;
}

/** Form fields that Slack (and WebClient) carry JSON-encoded. */
const API_PREFIX = '/api/';
const RESPONSE_PREFIX = '/response/';

interface Waiter {
  readonly matches: (call: RecordedCall) => boolean;
  readonly resolve: (call: RecordedCall) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * Starts a real HTTP server that answers like the Slack Web API for the methods this app uses, records every
 * call, lets a test inject Slack's failure modes, and hosts the Socket Mode stand-in on the same port.
 */
export async function startSlackStandin(options: SlackStandinOptions = {}): Promise<SlackStandin> {
  const host = options.host ?? '127.0.0.1';
  const { logger } = options;
  const scopes = (options.scopes ?? MANIFEST_BOT_SCOPES).join(',');
  const calls: MutableCall[] = [];
  /** Each fault with the performance.now() after which it no longer applies. */
  const faults = new Map<string, { fault: SlackFault; until: number }>();
  const channelErrors = new Map<string, string>();
  const postLimit = channelPostLimiter();
  if (options.postsPerChannel) postLimit.set(options.postsPerChannel);
  const waiters = new Set<Waiter>();
  const closing = new AbortController();
  let socketMode: SocketModeStandin | undefined;
  let responseUrlSeq = 0;

  const workspace = new SlackWorkspace({
    ...(options.usergroups === undefined ? {} : { usergroups: options.usergroups }),
    ...(options.userLocales === undefined ? {} : { userLocales: options.userLocales }),
    issueSocketUrl: () => {
      if (socketMode === undefined) throw new Error('Socket Mode stand-in is not attached yet');
      return socketMode.issueConnectionUrl();
    },
  });

  function takeFault(method: string): SlackFault | undefined {
    const key = faults.has(method) || method === RESPONSE_URL_METHOD ? method : ANY_METHOD;
    const set = faults.get(key);
    if (set === undefined) return undefined;
    const { fault, until } = set;
    if (performance.now() >= until) {
      faults.delete(key);
      return undefined;
    }
    if (fault.times !== undefined) {
      if (fault.times <= 1) faults.delete(key);
      else faults.set(key, { fault: { ...fault, times: fault.times - 1 }, until });
    }
    return fault;
  }

  /** What Slack itself refuses in a channel before doing anything: a channel gone, or over its post limit. */
  function channelRefusal(method: string, args: CallArgs): SlackFault | undefined {
    if (!CHANNEL_METHODS.has(method)) return undefined;
    const channel = typeof args.channel === 'string' ? args.channel : undefined;
    if (channel === undefined) return undefined;
    const error = channelErrors.get(channel);
    if (error !== undefined) return { error };
    if (method !== 'chat.postMessage') return undefined;
    const retryAfterSec = postLimit.take(channel);
    return retryAfterSec === null ? undefined : { httpStatus: 429, retryAfterSec };
  }

  function record(call: Omit<RecordedCall, 'seq' | 'at' | 'atMs'>): MutableCall {
    const recorded: MutableCall = { ...call, seq: calls.length + 1, at: new Date(), atMs: performance.now() };
    calls.push(recorded);
    logger?.debug(
      { seq: recorded.seq, method: recorded.method, fault: recorded.fault },
      'slack stand-in call',
    );
    return recorded;
  }

  /** Waiters see a call once it is answered, so the stand-in's state (views, messages) already reflects it. */
  function answered(call: MutableCall, status: number, body: unknown): void {
    call.answer = { status, body, atMs: performance.now() };
    for (const waiter of waiters) {
      if (!waiter.matches(call)) continue;
      waiters.delete(waiter);
      clearTimeout(waiter.timer);
      waiter.resolve(call);
    }
  }

  /** Answers the fault instead of the workspace; false when the fault was only a delay. */
  async function answerFault(response: ServerResponse, call: MutableCall): Promise<boolean> {
    const { fault } = call;
    if (fault === undefined) return false;
    if (fault.delayMs !== undefined) await sleep(fault.delayMs, undefined, { signal: closing.signal });
    if (fault.httpStatus === 429) {
      const retryAfter: Record<string, string> =
        fault.retryAfterSec === undefined ? {} : { 'retry-after': String(fault.retryAfterSec) };
      const body = { ok: false, error: 'ratelimited' };
      sendJson(response, 429, body, retryAfter);
      answered(call, 429, body);
      return true;
    }
    if (fault.httpStatus !== undefined) {
      response.writeHead(fault.httpStatus, { 'content-type': 'text/plain' });
      response.end('stand-in injected failure');
      answered(call, fault.httpStatus, 'stand-in injected failure');
      return true;
    }
    if (fault.error !== undefined) {
      const body = { ok: false, error: fault.error };
      sendJson(response, 200, body);
      answered(call, 200, body);
      return true;
    }
    return false;
  }

  function authError(method: string, token: string | undefined): string | undefined {
    if (token === undefined) return 'not_authed';
    const type = tokenTypeOf(token);
    const wantsApp = method === 'apps.connections.open';
    if (wantsApp !== (type === 'app')) return 'not_allowed_token_type';
    const expected = type === 'app' ? options.tokens?.app : type === 'bot' ? options.tokens?.bot : undefined;
    if (expected !== undefined && !sameSecret(expected, token)) return 'invalid_auth';
    return undefined;
  }

  async function handleApi(request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> {
    const method = decodeURIComponent(url.pathname.slice(API_PREFIX.length));
    const parsed = parseApiRequest(url, request.headers['content-type'] ?? '', await readBody(request));
    if (!parsed.ok) {
      sendJson(response, 200, { ok: false, error: parsed.error });
      return;
    }
    const token = bearerToken(request) ?? parsed.bodyToken;
    const fault = takeFault(method) ?? channelRefusal(method, parsed.args);
    const call = record({
      method,
      args: parsed.args,
      tokenPresent: token !== undefined,
      tokenType: token === undefined ? undefined : tokenTypeOf(token),
      ...(fault === undefined ? {} : { fault }),
    });
    if (await answerFault(response, call)) return;
    const refused = authError(method, token);
    const answer: SlackAnswer =
      refused === undefined ? workspace.call(method, parsed.args) : { ok: false, error: refused };
    const granted: Record<string, string> =
      refused === undefined && call.tokenType === 'bot' ? { 'x-oauth-scopes': scopes } : {};
    sendJson(response, 200, answer, granted);
    answered(call, 200, answer);
  }

  async function handleResponseUrl(
    request: IncomingMessage,
    response: ServerResponse,
    url: URL,
  ): Promise<void> {
    const id = decodeURIComponent(url.pathname.slice(RESPONSE_PREFIX.length));
    const body = await readBody(request);
    let args: unknown;
    try {
      args = JSON.parse(body);
    } catch {
      args = undefined;
    }
    if (typeof args !== 'object' || args === null || Array.isArray(args)) {
      response.writeHead(400, { 'content-type': 'text/plain' });
      response.end('invalid_payload');
      return;
    }
    const fault = takeFault(RESPONSE_URL_METHOD);
    const call = record({
      method: RESPONSE_URL_METHOD,
      args: { ...args },
      tokenPresent: false,
      tokenType: undefined,
      responseUrlId: id,
      ...(fault === undefined ? {} : { fault }),
    });
    if (await answerFault(response, call)) return;
    const answer = { ok: true };
    sendJson(response, 200, answer);
    answered(call, 200, answer);
  }

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', `http://${host}`);
    const route =
      request.method === 'POST' && url.pathname.startsWith(RESPONSE_PREFIX)
        ? handleResponseUrl
        : url.pathname.startsWith(API_PREFIX) && (request.method === 'POST' || request.method === 'GET')
          ? handleApi
          : undefined;
    if (route === undefined) {
      response.writeHead(404, { 'content-type': 'text/plain' });
      response.end('not found');
      return;
    }
    route(request, response, url).catch((error: unknown) => {
      if (closing.signal.aborted) {
        response.destroy();
        return;
      }
      logger?.error({ err: error }, 'slack stand-in failed to answer');
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' });
      response.end();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string')
    throw new Error('Slack stand-in is not listening on TCP');
  const { port } = address;
  const authority = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  const origin = `http://${authority}`;
  socketMode = attachSocketModeStandin(server, {
    wsOrigin: `ws://${authority}`,
    ...(logger === undefined ? {} : { logger }),
  });
  const attachedSocketMode = socketMode;

  const matcherOf = (match: CallMatcher) =>
    typeof match === 'string' ? (call: RecordedCall) => call.method === match : match;

  return {
    apiUrl: `${origin}${API_PREFIX}`,
    responseUrl(id?: string) {
      responseUrlSeq += 1;
      return `${origin}${RESPONSE_PREFIX}${encodeURIComponent(id ?? `R${responseUrlSeq}`)}`;
    },
    calls,
    callsTo: (method) => calls.filter((call) => call.method === method),
    waitFor(match, { timeoutMs = 2000, fromIndex = 0 } = {}) {
      const matches = matcherOf(match);
      let seen: RecordedCall | undefined;
      for (let index = fromIndex; index < calls.length && seen === undefined; index++) {
        const call = calls[index]!;
        if (call.answer !== undefined && matches(call)) seen = call;
      }
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise<RecordedCall>((resolve, reject) => {
        const waiter: Waiter = {
          matches,
          resolve,
          reject,
          timer: setTimeout(() => {
            waiters.delete(waiter);
            const methods = calls.map((call) => call.method).join(', ') || 'none';
            const wanted = typeof match === 'string' ? match : 'a matching call';
            reject(
              new Error(`Slack stand-in: no ${wanted} within ${timeoutMs} ms (calls so far: ${methods})`),
            );
          }, timeoutMs),
        };
        waiters.add(waiter);
      });
    },
    faults: {
      set(method, fault) {
        if (fault.error !== undefined && fault.httpStatus !== undefined) {
          throw new Error('a fault answers with either an error or an HTTP status, not both');
        }
        const until = fault.forMs === undefined ? Number.POSITIVE_INFINITY : performance.now() + fault.forMs;
        faults.set(method, { fault, until });
      },
      clear(method) {
        if (method === undefined) faults.clear();
        else faults.delete(method);
      },
    },
    channelErrors,
    postLimit,
    views: workspace.views,
    homeViews: workspace.homeViews,
    membership: workspace.membership,
    messages: workspace.messages,
    functionCompletions: workspace.functionCompletions,
    socketMode: attachedSocketMode,
    async close() {
      closing.abort();
      for (const waiter of waiters) {
        clearTimeout(waiter.timer);
        waiter.reject(new Error('Slack stand-in closed'));
      }
      waiters.clear();
      await attachedSocketMode.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
