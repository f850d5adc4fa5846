import { App, HTTPReceiver } from '@slack/bolt';

/**
 * The Bolt app both floors start from, with the bot's settings: the same signing secret, endpoint, ack
 * mode and unhandled-request timeout, a `/readyz` the bench polls for start-up, and the Web API URL (Bolt
 * calls auth.test at start; like the bot's, the floors' go to the stand-in). Configured from the
 * environment the bot reads.
 */
export function floorApp(env: NodeJS.ProcessEnv): App {
  const receiver = new HTTPReceiver({
    signingSecret: env.SLACK_SIGNING_SECRET ?? '',
    endpoints: '/slack/events',
    processBeforeResponse: false,
    unhandledRequestTimeoutMillis: 2_900,
    customRoutes: [
      {
        path: '/readyz',
        method: ['GET'],
        handler: (_req, res) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end('{"ok":true}');
        },
      },
    ],
  });
  return new App({
    token: env.SLACK_BOT_TOKEN,
    receiver,
    ...(env.SLACK_API_URL ? { clientOptions: { slackApiUrl: env.SLACK_API_URL } } : {}),
  });
}
