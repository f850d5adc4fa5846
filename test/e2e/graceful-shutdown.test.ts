import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteAuditStore } from '../../src/audit/sqlite/store.js';
import { commandCounts, watchCommandCounts } from '../support/command-counts.js';
import { eventually, type ProcessStack, startProcessStack } from '../support/process-stack.js';

const ORDER = 'RK2006030008';
const CANCEL = 'wms.stockin.Purchase.cancel';

let stack: ProcessStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

describe('SIGTERM while a cancel is in flight', () => {
  it('stops taking commands, lets the cancel finish, posts and records it, and exits 0', async () => {
    stack = await startProcessStack();
    const s = stack;
    const bot = await s.spawn({ SHUTDOWN_GRACE_MS: '10000' });
    await bot.driver.command(ORDER);
    const view = await bot.driver.openedView();
    s.wdt.faults.set({ latencyMs: 1_500 }, CANCEL);
    await bot.driver.submit(view, 'shutdown test');
    await eventually(() => s.wdt.calls.some((c) => c.method === CANCEL));
    const commands = await watchCommandCounts(`http://127.0.0.1:${bot.port}/`);

    bot.child.kill('SIGTERM');
    await eventually(async () => (await fetch(`http://127.0.0.1:${bot.port}/readyz`)).status === 503);
    const refused = await bot.driver.command('RK2006030009');
    expect(refused.json).toMatchObject({ response_type: 'ephemeral' });
    expect(JSON.stringify(refused.json)).toContain('restarting');
    // Still draining (the cancel's WDT answer is held back): /metrics answers.
    expect(await commands.moved()).toEqual(commandCounts({ shed: 1 }));

    const exit = await bot.exited;
    expect(exit.code).toBe(0);
    const post = s.slack.calls.find((c) => c.method === 'chat.postMessage');
    expect(JSON.stringify(post?.args.blocks)).toContain('Cancelled');
    expect(s.wdt.orders.get(ORDER)?.status).toBe(10);

    const store = openSqliteAuditStore({ path: s.auditDbPath });
    try {
      const events = (await store.orderHistory(ORDER)).map((e) => e.event);
      expect(events).toEqual(['requested', 'confirmed', 'calling', 'cancelled', 'notified']);
    } finally {
      await store.close();
    }
    expect(bot.lines.some((line) => line.includes('"drained":true'))).toBe(true);
  }, 30_000);
});
