import { App } from '@slack/bolt';
import { floorReceiver } from './floor-receiver.js';

/**
 * The floor: a bare Bolt v5 app in HTTP mode whose `/cancel-stockin` handler only acks. Same receiver
 * settings, signing secret, token and Web API URL as the bot, so the difference is the bot's own work.
 * Configured from the environment the bot reads; run as its own process by the benchmark.
 */
const env = process.env;
const receiver = floorReceiver(env.SLACK_SIGNING_SECRET ?? '');
const app = new App({
  token: env.SLACK_BOT_TOKEN,
  receiver,
  ...(env.SLACK_API_URL ? { clientOptions: { slackApiUrl: env.SLACK_API_URL } } : {}),
});
app.command('/cancel-stockin', async ({ ack }) => {
  await ack();
});
process.on('SIGTERM', () => {
  app.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
await app.start(Number(env.PORT ?? 0));
