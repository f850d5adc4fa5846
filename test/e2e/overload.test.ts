import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteAuditStore } from '../../src/audit/sqlite-store.js';
import { type LocalStack, startLocalStack } from '../../src/demo/local-stack.js';

let stack: LocalStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

describe('back-pressure', () => {
  it.each([
    { name: 'too much queued work', overload: { maxPending: -1, triggerBudgetMs: 2_500 } },
    { name: 'too late for the trigger id', overload: { maxPending: 256, triggerBudgetMs: -1 } },
  ])(
    'sheds a command when there is $name: a clear reply, no dialog, nothing recorded or cancelled',
    async ({ overload }) => {
      stack = await startLocalStack({ overload });
      const s = stack;
      const ack = await s.command('RK2006030008');
      expect(ack.statusCode).toBe(200);
      const reply = await s.slack.waitFor('response_url');
      expect(reply.args).toMatchObject({ response_type: 'ephemeral' });
      expect(String(reply.args.text)).toContain('too busy');
      expect(s.slack.callsTo('views.open')).toHaveLength(0);
      expect(s.wdt.calls.filter((c) => c.method !== 'system.Core.now')).toHaveLength(0);
      const store = openSqliteAuditStore({ path: s.auditDbPath });
      try {
        expect(await store.orderHistory('RK2006030008')).toEqual([]);
      } finally {
        await store.close();
      }
    },
  );

  it('does not shed under normal load', async () => {
    stack = await startLocalStack();
    await stack.command('RK2006030008');
    expect((await stack.openedView()).callback_id).toBeTruthy();
  });
});
