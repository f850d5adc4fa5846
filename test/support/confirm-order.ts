import type { SlackStandin } from '../../src/local/slack-standin/web-api.js';
import type { BotProcess } from './process-stack.js';

/** `/cancel-stockin <orderNo>` in `bot`, then the dialog confirmed: resolves with the dialog's id. */
export async function confirmOrder(bot: BotProcess, orderNo: string, reason: string): Promise<string> {
  await bot.driver.command(orderNo);
  const view = await bot.driver.openedView();
  await bot.driver.submit(view, reason);
  return view.id;
}

/** Confirms `orderNo` once more in `bot` and resolves once the dialog says another cancel holds it. */
export async function confirmWhileLocked(
  slack: SlackStandin,
  bot: BotProcess,
  orderNo: string,
): Promise<void> {
  const fromIndex = slack.calls.length;
  const viewId = await confirmOrder(bot, orderNo, 'second confirmation while locked');
  await slack.waitFor(
    (call) =>
      call.method === 'views.update' &&
      call.args.view_id === viewId &&
      JSON.stringify(call.args.view).includes('is already being cancelled'),
    { fromIndex, timeoutMs: 10_000 },
  );
}
