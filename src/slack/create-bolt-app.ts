import { App, HTTPReceiver, SocketModeReceiver } from '@slack/bolt';
import type { Logger } from 'pino';
import { toBoltLogger } from './bolt-logger.js';
import { healthRoutes, type Readiness } from './health-routes.js';
import { DEFAULT_CHAT_RETRY } from './slack-chat-client.js';

export interface BoltAppOptions {
  botToken: string;
  signingSecret: string;
  appToken: string | undefined;
  port: number;
  slackApiUrl: string | undefined;
  readiness: Readiness;
  logger: Logger;
}

/**
 * HTTP mode serves `POST /slack/events` (Bolt checks the signature and the 5-minute window: 401 otherwise);
 * Socket Mode serves the same health routes on `port`. Web API retries are bounded: the outcome of a cancel
 * must not wait half an hour on Slack.
 */
export function createBoltApp(options: BoltAppOptions): {
  app: App;
  receiver: HTTPReceiver | SocketModeReceiver;
} {
  const logger = toBoltLogger(options.logger);
  const customRoutes = healthRoutes(options.readiness);
  const receiver = options.appToken
    ? new SocketModeReceiver({
        appToken: options.appToken,
        logger,
        customRoutes,
        installerOptions: {
          port: options.port,
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
  return { app, receiver };
}
