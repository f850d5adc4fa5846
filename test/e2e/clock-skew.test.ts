import { afterEach, describe, expect, it } from 'vitest';
import { type ProcessStack, startProcessStack } from '../support/process-stack.js';

let stack: ProcessStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

describe('a machine whose clock is ten minutes off WDT', () => {
  it('reads WDT time at start, warns about the skew, and still cancels', async () => {
    stack = await startProcessStack();
    stack.wdt.faults.set({ clockOffsetSec: 600 });
    const bot = await stack.spawn();
    const warning = JSON.parse(await bot.waitForLine(/differs from WDT/)) as { skewMs: number };
    expect(warning.skewMs).toBeGreaterThan(595_000);
    expect(warning.skewMs).toBeLessThan(605_000);

    await bot.driver.command('RK2006030008');
    await bot.driver.submit(await bot.driver.openedView(), 'skewed clock');
    const post = await stack.slack.waitFor('chat.postMessage', { timeoutMs: 5_000 });
    expect(JSON.stringify(post.args.blocks)).toContain('Cancelled');
    const cancel = stack.wdt.calls.find((c) => c.method === 'wms.stockin.Purchase.cancel');
    expect(cancel?.status).toBe(0);
  }, 30_000);

  it('reads WDT time again and retries once when the skew appears after start (status 7 ran nothing)', async () => {
    stack = await startProcessStack();
    const bot = await stack.spawn();
    stack.wdt.faults.set({ clockOffsetSec: 600 });
    await bot.driver.command('RK2006030008');
    await bot.driver.submit(await bot.driver.openedView(), 'skew appears after start');
    const post = await stack.slack.waitFor('chat.postMessage', { timeoutMs: 5_000 });
    expect(JSON.stringify(post.args.blocks)).toContain('Cancelled');
    // The first call after the skew appears is the dialog's order look-up: refused with 7, retried once.
    const refused = stack.wdt.calls.find((c) => c.status === 7)!;
    const retry = stack.wdt.calls.find((c) => c.seq > refused.seq && c.method === refused.method)!;
    expect(retry.status).toBe(0);
    expect(
      stack.wdt.calls.some((c) => c.method === 'system.Core.now' && c.seq > refused.seq && c.seq < retry.seq),
    ).toBe(true);
    const cancels = stack.wdt.calls.filter((c) => c.method === 'wms.stockin.Purchase.cancel');
    expect(cancels.map((c) => c.status)).toEqual([0]);
  }, 30_000);
});
