import type { Server } from 'node:http';
import { App, HTTPReceiver, SocketModeReceiver } from '@slack/bolt';
import type { Logger } from 'pino';
import { toBoltLogger } from './bolt-logger.js';
import { DEFAULT_CHAT_RETRY } from './chat-client.js';
import { healthRoutes, type Readiness } from './health-routes.js';
import type { HttpRoute } from './http-route.js';
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
  readiness: Readiness;
  logger: Logger;
}

/**
 * HTTP mode serves `POST /slack/events` (Bolt checks the signature and the 5-minute window: 401 otherwise);
 * Socket Mode serves the same plain routes on `port`, from a server of its own. Web API retries are bounded:
 * the outcome of a cancel must not wait half an hour on Slack.
 */
export function createBoltApp(options: BoltAppOptions): {
  app: App;
  receiver: HTTPReceiver | SocketModeReceiver;
  /** Listens on `host:port` (and in Socket Mode connects); resolves to the HTTP server. */
  start(): Promise<Server>;
  stop(): Promise<void>;
} {
  const logger = toBoltLogger(options.logger);
  const customRoutes = [...healthRoutes(options.readiness), ...(options.routes ?? [])];
  const routeServer = options.appToken ? createRouteServer(customRoutes) : null;
  const receiver = options.appToken
    ? new SocketModeReceiver({
        appToken: options.appToken,
        logger,
        installerOptions: {
          // apps.connections.open goes through this client: it must honour SLACK_API_URL too.
          ...(options.slackApiUrl ? { clientOptions: { slackApiUrl: options.slackApiUrl } } : {}),
        },
      })
    : new HTTPReceiver({
        signingSecret: options.signingSecret,
        endpoints: '/slack/events',
        customRoutes,
        logger,
        processBeforeResponse: false,
        unhandledRequestTimeoutMillis: 2_900,
      });
  const app = new App({
    token: options.botToken,
    receiver,
    logger,
    // The bot keeps no conversation state in Bolt: its state is the audit store. Skips a middleware per request.
    convoStore: false,
    clientOptions: {
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
    },
  });
  const listenOn = { port: options.port, host: options.host };
  return {
    app,
    receiver,
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
