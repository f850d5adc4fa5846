import { App, type Authorize, HTTPReceiver, SocketModeReceiver, webApi } from '@slack/bolt';
import type { Logger } from 'pino';
import type { Clock } from '../core/ports/clock.js';
import { toBoltLogger } from './bolt-logger.js';
import { healthRoutes, READY, type ReadinessCheck } from './health-routes.js';
import { refuseUnfreshRequests } from './request-freshness.js';
import { DEFAULT_CHAT_RETRY } from './slack-chat-client.js';

/** A route served on PORT beside the Slack endpoint, in both modes (Bolt's custom route shape). */
export type ExtraRoute = ReturnType<typeof healthRoutes>[number];

export interface BoltAppOptions {
  botToken: string;
  signingSecret: string;
  appToken: string | undefined;
  port: number;
  slackApiUrl: string | undefined;
  /** Named `/readyz` checks; Socket Mode adds `socket`. */
  readinessChecks: Readonly<Record<string, ReadinessCheck>>;
  /** More routes on PORT (e.g. `/metrics`), after `/healthz` and `/readyz`. */
  extraRoutes?: readonly ExtraRoute[];
  /** Supplies the bot token per request (see slack-identity.ts): Bolt's own would cache a failed auth.test. */
  authorize: Authorize<boolean>;
  /** Judges the freshness of HTTP requests. */
  clock: Clock;
  logger: Logger;
}

/**
 * HTTP mode serves `POST /slack/events`: a timestamp more than 5 minutes from `clock` either way is refused
 * with 401 first, then Bolt checks the signature (401 otherwise). Socket Mode serves the same health routes on
 * `port` and reports its WebSocket on `/readyz`. Web API retries are bounded: the outcome of a cancel must not
 * wait half an hour on Slack.
 */
export function createBoltApp(options: BoltAppOptions): {
  app: App;
  receiver: HTTPReceiver | SocketModeReceiver;
  /** The bot-token client for calls made outside a request (user group lookups, auth.test). */
  client: webApi.WebClient;
} {
  const logger = toBoltLogger(options.logger);
  const clientOptions = {
    ...(options.slackApiUrl ? { slackApiUrl: options.slackApiUrl } : {}),
    // The same rules as the chat client that posts outcomes (one place to change them).
    retryConfig: {
      retries: DEFAULT_CHAT_RETRY.retries,
      factor: 2,
      minTimeout: DEFAULT_CHAT_RETRY.minDelayMs,
      maxTimeout: DEFAULT_CHAT_RETRY.maxDelayMs,
      randomize: true,
    },
    timeout: DEFAULT_CHAT_RETRY.timeoutMs,
  };
  let socketState = 'connecting';
  const checks: Record<string, ReadinessCheck> = { ...options.readinessChecks };
  if (options.appToken) checks.socket = () => (socketState === 'connected' ? READY : socketState);
  const customRoutes = [...healthRoutes(checks), ...(options.extraRoutes ?? [])];

  let receiver: HTTPReceiver | SocketModeReceiver;
  if (options.appToken) {
    const socketReceiver = new SocketModeReceiver({
      appToken: options.appToken,
      logger,
      customRoutes,
      installerOptions: {
        port: options.port,
        // apps.connections.open goes through this client: it must honour SLACK_API_URL too.
        ...(options.slackApiUrl ? { clientOptions: { slackApiUrl: options.slackApiUrl } } : {}),
      },
    });
    for (const state of ['connecting', 'connected', 'reconnecting', 'disconnecting', 'disconnected']) {
      socketReceiver.client.on(state, () => {
        socketState = state;
      });
    }
    receiver = socketReceiver;
  } else {
    const httpReceiver = new HTTPReceiver({
      signingSecret: options.signingSecret,
      endpoints: '/slack/events',
      customRoutes,
      logger,
      processBeforeResponse: false,
      unhandledRequestTimeoutMillis: 2_900,
    });
    refuseUnfreshRequests(httpReceiver, options.clock, options.logger);
    receiver = httpReceiver;
  }
  const app = new App({
    authorize: options.authorize,
    receiver,
    logger,
    // The bot keeps no conversation state in Bolt: its state is the audit store. Skips a middleware per request.
    convoStore: false,
    clientOptions,
  });
  const client = new webApi.WebClient(options.botToken, { ...clientOptions, logger });
  return { app, receiver, client };
}
