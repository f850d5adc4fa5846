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
      // The restarted bot treats an attempt as stuck once it is older than the longest call could take
      // (8 × the timeout + 8 s = 12 s here), so that a live replica's call is never mistaken for a crash.
      stack = await startProcessStack({ WDT_TIMEOUT_MS: '500' });
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
      const second = await s.spawn();
      await second.waitForLine(/reconciled a stuck cancel/, 30_000);
      const followUp = await s.slack.waitFor(
        (c) => c.method === 'chat.postMessage' && JSON.stringify(c.args.blocks).includes(headline),
        { timeoutMs: 10_000 },
      );
      expect(followUp.args.channel).toBe('C0STOCKOPS');
      const states = await eventually(async () => {
        const seen = await stateOf(s.auditDbPath, ORDER);
        return seen.at(-1) === 'notified' && seen;
      });
      expect(states).toEqual(['requested', 'confirmed', 'calling', expected, 'notified']);
      expect(s.wdt.calls.filter((c) => c.method === CANCEL)).toHaveLength(1);

      const store0 = openSqliteAuditStore({ path: s.auditDbPath });
      const history = await store0.orderHistory(ORDER);
      await store0.close();
      const calledAt = Date.parse(history.find((e) => e.event === 'calling')!.at);
      const reconciledAt = Date.parse(history.find((e) => e.event === expected)!.at);
      expect(reconciledAt - calledAt).toBeGreaterThanOrEqual(12_000);

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
