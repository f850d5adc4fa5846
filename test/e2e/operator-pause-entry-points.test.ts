import { describe, expect, it } from 'vitest';
import type { LocalStack } from '../../src/local/demo/local-stack.js';
import { DEFAULT_ACTOR, DEFAULT_CHANNEL } from '../../src/local/slack-standin/payloads.js';
import { RESPONSE_URL_METHOD } from '../../src/local/slack-standin/web-api.js';
import { auditEntriesAt } from '../support/local-stack-audit.js';
import { localStackPerTest } from '../support/local-stack-per-test.js';
import { eventually, startProcessStack } from '../support/process-stack.js';
import { scrapeMetrics } from '../support/prometheus-text.js';

const ADMIN = { id: 'U0ADMINOPS1', name: 'ops' };
const ORDER = 'RK2006030008';
const CANCEL = 'wms.stockin.Purchase.cancel';
const PAUSED_TEXT = 'Cancels are paused by <@U0ADMINOPS1>';

const start = localStackPerTest();
const cancelCalls = (s: LocalStack) => s.wdt.calls.filter((c) => c.method === CANCEL);

async function pausedStack(): Promise<LocalStack> {
  const s = await start({ env: { CANCEL_ADMINS: ADMIN.id } });
  await s.command('pause supplier audit', ADMIN);
  await s.slack.waitFor(
    (c) => c.method === RESPONSE_URL_METHOD && String(c.args.text).includes('paused every cancel'),
    { timeoutMs: 5_000 },
  );
  return s;
}

describe('while paused, every way in is refused (SQLite, the real Bolt receiver)', () => {
  it('the workflow step fails with the pause message and sends nothing', async () => {
    const s = await pausedStack();
    const { functionExecutionId } = await s.driver.runStep({
      order_numbers: ORDER,
      reason: 'supplier form',
      requester: DEFAULT_ACTOR.id,
      outcome_channel: DEFAULT_CHANNEL.id,
    });
    const done = await eventually(() => s.slack.functionCompletions.get(functionExecutionId), 15_000);
    expect(done).toMatchObject({ kind: 'error', error: expect.stringContaining(PAUSED_TEXT) });
    expect(cancelCalls(s)).toEqual([]);
    const denied = (await auditEntriesAt(s.auditDbPath)).filter((e) => e.event === 'denied');
    expect(denied.map((e) => e.record.detail)).toEqual([
      expect.stringMatching(/^request refused: cancels are paused by U0ADMINOPS1 since \S+: supplier audit$/),
    ]);
  });

  it('the message shortcut and the global shortcut say so instead of opening the preview', async () => {
    const s = await pausedStack();
    const from = s.slack.calls.length;
    await s.driver.messageShortcut({ ts: '1700000999.000100', text: `please cancel ${ORDER}` });
    await s.slack.waitFor(
      (c) => c.method === RESPONSE_URL_METHOD && String(c.args.text).includes(PAUSED_TEXT),
      { timeoutMs: 5_000, fromIndex: from },
    );
    const dialog = await s.driver.globalShortcut();
    const submitted = s.slack.calls.length;
    await s.driver.submitGlobal(dialog, ORDER, DEFAULT_CHANNEL.id);
    const shown = await s.driver.updatedView(dialog.id, submitted);
    expect(JSON.stringify(shown.blocks)).toContain(PAUSED_TEXT);
    expect(s.wdt.calls.filter((c) => c.method !== 'system.Core.now')).toEqual([]);
  });

  it('help shows an admin their commands', async () => {
    const s = await start({ env: { CANCEL_ADMINS: ADMIN.id } });
    const help = await s.command('help', ADMIN);
    expect(JSON.stringify(help.json)).toContain('You are an *operator*');
    const other = await s.command('help', DEFAULT_ACTOR);
    expect(JSON.stringify(other.json)).not.toContain('operator*');
  });
});

describe('the pause survives a restart (SQLite, real process)', () => {
  it('a process started after kill -9 refuses cancels at once, and its gauge says paused', async () => {
    const stack = await startProcessStack({ CANCEL_ADMINS: ADMIN.id });
    try {
      const first = await stack.spawn();
      await first.driver.command('pause stocktake', ADMIN);
      await eventually(
        async () =>
          (await scrapeMetrics(`http://127.0.0.1:${first.port}/`)).get('cancel_stockin_paused') === 1,
      );
      first.child.kill('SIGKILL');
      await first.exited;

      const second = await stack.spawn();
      expect((await scrapeMetrics(`http://127.0.0.1:${second.port}/`)).get('cancel_stockin_paused')).toBe(1);
      const from = stack.slack.calls.length;
      await second.driver.command(ORDER);
      await stack.slack.waitFor(
        (c) => c.method === RESPONSE_URL_METHOD && String(c.args.text).includes(PAUSED_TEXT),
        { timeoutMs: 5_000, fromIndex: from },
      );
      expect(stack.slack.calls.slice(from).some((c) => c.method === 'views.open')).toBe(false);
      expect(stack.wdt.calls.filter((c) => c.method === CANCEL)).toEqual([]);
    } finally {
      await stack.stop();
    }
  }, 60_000);
});
