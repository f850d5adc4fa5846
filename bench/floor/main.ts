import { floorApp } from './floor-app.js';

/**
 * The floor: a bare Bolt v5 app in HTTP mode whose `/cancel-stockin` handler only acks. Same receiver
 * settings, signing secret, token and Web API URL as the bot, so the difference is the bot's own work.
 * Run as its own process by the benchmark.
 */
const app = floorApp(process.env);
app.command('/cancel-stockin', async ({ ack }) => {
  await ack();
});
process.on('SIGTERM', () => {
  app.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
await app.start(Number(process.env.PORT ?? 0));
