import { systemClock } from '../../src/core/ports/clock.js';
import { createLogger } from '../../src/logger.js';
import { createSlackApiPoster } from '../../src/slack/api-poster.js';
import { ConfirmModal } from '../../src/slack/ids.js';
import { createWdtClient } from '../../src/wdt/client.js';
import { floorApp } from './floor-app.js';

/**
 * The confirm path's floor: a bare Bolt v5 app that acks a confirmation, then does only what the benchmark
 * observes, the signed cancel reaching WDT and one outcome post, with the bot's own WDT client and Slack
 * poster. No audit record, no status re-check under a lock, no dialog update, no checks of who confirmed:
 * the least any Bolt app can do to cancel and say so. The order number comes as the view's private_metadata.
 */
const env = process.env;
const app = floorApp(env);
const wdt = createWdtClient({
  baseUrl: env.WDT_BASE_URL ?? '',
  sid: env.WDT_SID ?? '',
  appKey: env.WDT_APP_KEY ?? '',
  appSecret: env.WDT_APP_SECRET ?? '',
  clock: systemClock,
  logger: createLogger({ level: 'silent' }),
});
const slack = createSlackApiPoster({ token: env.SLACK_BOT_TOKEN ?? '', apiUrl: env.SLACK_API_URL });

app.view(ConfirmModal.callbackId, async ({ ack, view }) => {
  await ack();
  const orderNo = view.private_metadata;
  // The floor keeps no record and no lock, so there is nothing to fence: every request may be signed.
  const outcome = await wdt.cancelStockin(orderNo, async () => ({ ok: true, stillValid: () => true }));
  await slack.post('chat.postMessage', { channel: 'C0STOCKOPS', text: `${orderNo}: ${outcome.kind}` });
});
process.on('SIGTERM', () => {
  Promise.all([app.stop(), wdt.close(), slack.close()]).then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
await app.start(Number(env.PORT ?? 0));
