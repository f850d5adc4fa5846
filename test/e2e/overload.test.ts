import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteAuditStore } from '../../src/audit/sqlite/store.js';
import { type LocalStack, startLocalStack } from '../../src/local/demo/local-stack.js';
import { WDT_METHOD } from '../../src/wdt/methods.js';
import { commandCounts, watchCommandCounts } from '../support/command-counts.js';
import { eventually } from '../support/process-stack.js';

let stack: LocalStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

async function expectNothingHappened(s: LocalStack) {
  expect(s.slack.callsTo('views.open')).toHaveLength(0);
  expect(s.wdt.calls.filter((c) => c.method !== 'system.Core.now')).toHaveLength(0);
  const store = openSqliteAuditStore({ path: s.auditDbPath });
  try {
    expect(await store.orderHistory('RK2006030008')).toEqual([]);
  } finally {
    await store.close();
  }
}

describe('back-pressure', () => {
  it.each<{ name: string; env: Record<string, string> }>([
    { name: 'the admitted rate is used up', env: { COMMANDS_PER_SECOND: '1', COMMAND_BURST: '1' } },
    { name: 'too many dialogs are being prepared', env: { COMMANDS_IN_FLIGHT: '1' } },
  ])(
    'turns a command away in its ack when $name: no dialog, nothing recorded or cancelled',
    async ({ env }) => {
      stack = await startLocalStack({ env });
      const s = stack;
      const commands = await watchCommandCounts(s.url);
      // The first command's preview lookup is held back, so its dialog is still being prepared.
      s.wdt.faults.set({ answerDelayMs: 400 }, WDT_METHOD.queryStockin);
      const first = await s.command('RK2006030009');
      expect(first.statusCode).toBe(200);
      expect(first.json).toBeUndefined();
      const second = await s.command('RK2006030008');
      expect(second.statusCode).toBe(200);
      expect(second.json).toMatchObject({ response_type: 'ephemeral' });
      expect(String((second.json as { text: string }).text)).toContain('too busy');
      await s.slack.waitFor('views.update');
      expect(s.slack.callsTo('views.open')).toHaveLength(1);
      expect(s.slack.callsTo('response_url')).toHaveLength(0);
      expect(await commands.moved()).toEqual(commandCounts({ admitted: 1, shed: 1 }));
      const store = openSqliteAuditStore({ path: s.auditDbPath });
      try {
        expect(await store.orderHistory('RK2006030008')).toEqual([]);
        expect(await store.orderHistory('RK2006030009')).not.toEqual([]);
      } finally {
        await store.close();
      }
    },
  );

  it('does not count a running cancel against the cap on dialogs being prepared', async () => {
    stack = await startLocalStack({ env: { COMMANDS_IN_FLIGHT: '1' } });
    const s = stack;
    const commands = await watchCommandCounts(s.url);
    await s.command('RK2006030008');
    const view = await s.openedView();
    s.wdt.faults.set({ latencyMs: 1_000 }, WDT_METHOD.cancelStockin);
    await s.submit(view, 'slow cancel');
    // The cancel is running (its WDT answer is held back) when the next command arrives.
    await eventually(() => s.wdt.calls.some((c) => c.method === WDT_METHOD.cancelStockin));
    expect((await s.command('RK2006030009')).json).toBeUndefined();
    expect((await s.openedView()).callback_id).toBeTruthy();
    expect(await commands.moved()).toEqual(commandCounts({ admitted: 2 }));
  });

  it('admits again once the bucket has refilled', async () => {
    // One token a second: the second command, sent at once, finds the bucket empty however loaded the
    // machine is; the refill itself is timed by CommandAdmission's unit test, on an injected clock.
    stack = await startLocalStack({ env: { COMMANDS_PER_SECOND: '1', COMMAND_BURST: '1' } });
    const s = stack;
    const commands = await watchCommandCounts(s.url);
    const started = performance.now();
    expect((await s.command('RK2006030009')).json).toBeUndefined();
    expect((await s.command('RK2006030009')).json).toMatchObject({ response_type: 'ephemeral' });
    let turnedAway = 1;
    await eventually(async () => {
      const admitted = (await s.command('RK2006030008')).json === undefined;
      if (!admitted) turnedAway += 1;
      return admitted;
    }, 10_000);
    expect(performance.now() - started).toBeGreaterThanOrEqual(1_000);
    expect((await s.openedView()).callback_id).toBeTruthy();
    // Both admitted dialogs shown (the first one's too), so both are counted.
    await eventually(() => s.slack.callsTo('views.update').length === 2);
    expect(await commands.moved()).toEqual(commandCounts({ admitted: 2, shed: turnedAway }));
  });

  it('sheds a command whose dialog could not start before the trigger id dies: a clear reply, nothing else', async () => {
    stack = await startLocalStack({ triggerBudgetMs: -1 });
    const s = stack;
    const commands = await watchCommandCounts(s.url);
    const ack = await s.command('RK2006030008');
    expect(ack.statusCode).toBe(200);
    const reply = await s.slack.waitFor('response_url');
    expect(reply.args).toMatchObject({ response_type: 'ephemeral' });
    expect(String(reply.args.text)).toContain('too busy');
    expect(await commands.moved()).toEqual(commandCounts({ shed: 1 }));
    await expectNothingHappened(s);
  });

  it('does not shed under normal load', async () => {
    stack = await startLocalStack();
    const commands = await watchCommandCounts(stack.url);
    await stack.command('RK2006030008');
    expect((await stack.openedView()).callback_id).toBeTruthy();
    expect(await commands.moved()).toEqual(commandCounts({ admitted: 1 }));
  });
});
