import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteAuditStore } from '../../src/audit/sqlite/store.js';
import type { AuditEvent } from '../../src/core/ports/audit.js';
import { eventually, type ProcessStack, startProcessStack } from '../support/process-stack.js';

const ORDER = 'RK2006030008';
const CANCEL = 'wms.stockin.Purchase.cancel';

let stack: ProcessStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

async function stateOf(auditDbPath: string, orderNo: string): Promise<AuditEvent[]> {
  const store = openSqliteAuditStore({ path: auditDbPath });
  try {
    return (await store.orderHistory(orderNo)).map((entry) => entry.event);
  } finally {
    await store.close();
  }
}

describe('kill -9 between the WDT call and its recorded outcome', () => {
  it.each([
    {
      answerDelayMs: 0,
      latencyMs: 30_000,
      applied: false,
      expected: 'reconciled_not_cancelled',
      headline: 'Not cancelled',
    },
    {
      answerDelayMs: 30_000,
      latencyMs: 0,
      applied: true,
      expected: 'reconciled_cancelled',
      headline: 'Cancelled (confirmed after restart)',
    },
  ])(
    'finds the stuck attempt at the next start and records $expected from WDT',
    async ({ answerDelayMs, latencyMs, applied, expected, headline }) => {
      // A WDT timeout of 20 s makes the longest call 248 s: only the dead process's lease can explain a
      // follow-up within seconds (the age rule, kept for records from before leases, would wait that long).
      stack = await startProcessStack({ WDT_TIMEOUT_MS: '20000' });
      const s = stack;
      const first = await s.spawn();
      await first.driver.command(ORDER);
      const view = await first.driver.openedView();
      s.wdt.faults.set({ latencyMs, answerDelayMs }, CANCEL);
      await first.driver.submit(view, 'crash test');

      await eventually(() => s.wdt.calls.some((c) => c.method === CANCEL));
      if (applied) await eventually(() => s.wdt.orders.get(ORDER)?.status === 10);
      first.child.kill('SIGKILL');
      expect((await first.exited).signal).toBe('SIGKILL');
      expect((await stateOf(s.auditDbPath, ORDER)).at(-1)).toBe('calling');

      s.wdt.faults.reset();
      const restartedAt = new Date();
      const second = await s.spawn();
      const reconciled = await second.waitForLine(/reconciled a stuck cancel/, 30_000);
      expect(JSON.parse(reconciled)).toMatchObject({ ownerDead: true });
      const followUp = await s.slack.waitFor(
        (c) => c.method === 'chat.postMessage' && JSON.stringify(c.args.blocks).includes(headline),
        { timeoutMs: 10_000 },
      );
      expect(followUp.args.channel).toBe('C0STOCKOPS');
      const restartToFollowUpMs = followUp.at.getTime() - restartedAt.getTime();
      console.info(`SQLite kill -9 → restart → follow-up (${expected}): ${restartToFollowUpMs} ms`);
      expect(restartToFollowUpMs).toBeLessThan(10_000);
      const states = await eventually(async () => {
        const seen = await stateOf(s.auditDbPath, ORDER);
        return seen.at(-1) === 'notified' && seen;
      });
      expect(states).toEqual(['requested', 'confirmed', 'calling', expected, 'notified']);
      expect(s.wdt.calls.filter((c) => c.method === CANCEL)).toHaveLength(1);

      const store = openSqliteAuditStore({ path: s.auditDbPath });
      try {
        expect(await store.verifyChain()).toMatchObject({ ok: true });
        expect(await store.findStuckCalling()).toEqual([]);
      } finally {
        await store.close();
      }
    },
    60_000,
  );
});
