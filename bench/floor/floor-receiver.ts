import { HTTPReceiver } from '@slack/bolt';

/**
 * The receiver both floors use, with the bot's settings: the same signing secret, endpoint, ack mode and
 * unhandled-request timeout, and a `/readyz` that the bench polls for start-up.
 */
export function floorReceiver(signingSecret: string): HTTPReceiver {
  return new HTTPReceiver({
    signingSecret,
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
}
