import type { Server } from 'node:http';
import { App, type Authorize, HTTPReceiver, SocketModeReceiver, webApi } from '@slack/bolt';
import type { Logger } from 'pino';
import type { Clock } from '../core/ports/clock.js';
import { toBoltLogger } from './bolt-logger.js';
import { DEFAULT_CHAT_RETRY } from './chat-client.js';
import { healthRoutes, READY, type ReadinessCheck, type ReadinessNote } from './health-routes.js';
import type { HttpRoute } from './http-route.js';
import { refuseUnfreshRequests } from './request-freshness.js';
import { createRouteServer } from './route-server.js';

export interface BoltAppOptions {
  botToken: string;
  signingSecret: string;
  appToken: string | undefined;
  port: number;
  /** The address the HTTP server listens on, in either mode. */
  host: string;
  /** More plain routes beside the health ones (`/metrics`). */
  routes?: readonly HttpRoute[];
  slackApiUrl: string | undefined;
  /** Named `/readyz` checks; Socket Mode adds `socket`. */
  readinessChecks: Readonly<Record<string, ReadinessCheck>>;
  /** What `/readyz` says besides its checks, without failing (see `ReadinessNote`). */
  readinessNotes?: Readonly<Record<string, ReadinessNote>>;
  /** Supplies the bot token per request (see slack-identity.ts): Bolt's own would cache a failed auth.test. */
  authorize: Authorize<boolean>;
  /** Judges the freshness of HTTP requests. */
  clock: Clock;
  logger: Logger;
}

/**
 * HTTP mode serves `POST /slack/events`: a timestamp more than 5 minutes from `clock` either way is refused
 * with 401 first, then Bolt checks the signature (401 otherwise). Socket Mode serves the same plain routes on
 * `port`, from a server of its own, and reports its WebSocket on `/readyz`. Web API retries are bounded: the
 * outcome of a cancel must not wait half an hour on Slack.
 */
export function createBoltApp(options: BoltAppOptions): {
  app: App;
  receiver: HTTPReceiver | SocketModeReceiver;
  /** The bot-token client for calls made outside a request (user group lookups, auth.test). */
  client: webApi.WebClient;
  /** Listens on `host:port` (and in Socket Mode connects); resolves to the HTTP server. */
  start(): Promise<Server>;
  stop(): Promise<void>;
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
  const customRoutes = [...healthRoutes(checks, options.readinessNotes), ...(options.routes ?? [])];
  const routeServer = options.appToken ? createRouteServer(customRoutes) : null;

  let receiver: HTTPReceiver | SocketModeReceiver;
  if (options.appToken) {
    const socketReceiver = new SocketModeReceiver({
      appToken: options.appToken,
      logger,
      installerOptions: {
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
  const listenOn = { port: options.port, host: options.host };
  return {
    app,
    receiver,
    client,
    async start() {
      if (!routeServer) return (await app.start(listenOn)) as Server;
      // The routes answer (/healthz, /readyz) while the socket is still connecting, or cannot.
      const server = await routeServer.listen(listenOn.port, listenOn.host);
      await app.start();
      return server;
    },
    async stop() {
      try {
        await app.stop();
      } finally {
        await routeServer?.close();
      }
    },
  };
}
