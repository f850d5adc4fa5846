import { afterEach, describe, expect, it } from 'vitest';
import type { AttemptRecord } from '../../src/core/ports/audit.js';
import { attemptMoves, readAudit } from '../support/audit-at.js';
import { expectHeadlineWithin, waitForHeadline } from '../support/channel-posts.js';
import { confirmOrder, confirmWhileLocked } from '../support/confirm-order.js';
import {
  type BotProcess,
  eventually,
  type ProcessStack,
  startProcessStack,
} from '../support/process-stack.js';
import { scrapeMetrics } from '../support/prometheus-text.js';
import { CANCEL, cancelsOf, windowClosesAt } from '../support/wdt-sandbox.js';

const ORDER = 'RK2006030008';
const SECOND = 1_000;

let stack: ProcessStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

/**
 * A bot started, a cancel of ORDER confirmed with `faults` on WDT's cancel, and the bot killed (-9) once
 * WDT has received the request. Returns the stack, when the kill happened, the cancel WDT received, the
 * attempt as the dead process left it and when its lease ended (by the store's clock, which here is this
 * machine's).
 */
async function killMidCall(faults: { latencyMs?: number; answerDelayMs?: number; hang?: boolean }) {
  // WDT_TIMEOUT_MS 20 s makes the longest call 1135 s (callTimings): only the dead process's lease can
  // explain anything seen within minutes here, never the age rule.
  stack = await startProcessStack({ WDT_TIMEOUT_MS: '20000' });
  const s = stack;
  const first = await s.spawn();
  await first.driver.command(ORDER);
  const view = await first.driver.openedView();
  s.wdt.faults.set(faults, CANCEL);
  await first.driver.submit(view, 'crash test');
  const sent = await eventually(() => cancelsOf(s.wdt, ORDER)[0]);
  if (faults.answerDelayMs) await eventually(() => s.wdt.orders.get(ORDER)?.status === 10);
  first.child.kill('SIGKILL');
  const killedAt = Date.now();
  expect((await first.exited).signal).toBe('SIGKILL');
  const { calling, leaseEnd } = await readAudit({ sqlitePath: s.auditDbPath }, async (store) => {
    const [held] = await store.heldCalls();
    const lease = (await store.leases()).find((l) => l.instanceId === held?.record.instanceId);
    return { calling: held?.record, leaseEnd: Date.parse(lease?.expiresAt ?? '') };
  });
  expect(calling?.state).toBe('calling');
  expect(leaseEnd).toBeGreaterThan(killedAt);
  expect(leaseEnd).toBeLessThanOrEqual(killedAt + 5 * SECOND);
  // Faults are read when a request arrives: the one in the sandbox keeps its own.
  s.wdt.faults.reset();
  return { s, killedAt, sent, calling: calling as AttemptRecord, leaseEnd };
}

async function expectSettled(s: ProcessStack) {
  await readAudit({ sqlitePath: s.auditDbPath }, async (store) => {
    expect(await store.verifyChain()).toMatchObject({ ok: true });
    expect(await store.heldCalls()).toEqual([]);
  });
}

/** What the process that took the call over counted: calls whose verdict it awaited, and its verdict. */
async function expectCounted(bot: BotProcess, counts: { awaited: number; verdict: string }) {
  const metrics = await scrapeMetrics(new URL('/', bot.url).toString());
  expect(metrics.get('cancel_stockin_verdicts_awaited_total')).toBe(counts.awaited);
  expect(metrics.get(`cancel_stockin_cancels_total{outcome="${counts.verdict}"}`)).toBe(1);
  expect(metrics.get('cancel_stockin_stuck_calls')).toBe(0);
}

describe('kill -9 while WDT holds the cancel: the next process takes the call over', () => {
  it('the request lands after the kill: "Outcome not known yet" at the takeover, then "Cancelled (checked with WDT)"', async () => {
    const { s, leaseEnd } = await killMidCall({ latencyMs: 30_000 });
    const second = await s.spawn();

    const interim = await expectHeadlineWithin(
      s.slack,
      ORDER,
      'Outcome not known yet',
      { at: leaseEnd, what: 'SQLite kill -9 → the dead process’s lease end' },
      10 * SECOND,
    );
    expect(interim.args.channel).toBe('C0STOCKOPS');
    // The old expectation here was "Not cancelled": the request was still on its way, so that was a lie.
    expect(s.wdt.orders.get(ORDER)?.status).toBe(20);
    await confirmWhileLocked(s.slack, second, ORDER);

    const landedAt = await eventually(() => s.wdt.orders.get(ORDER)?.status === 10 && Date.now(), 40_000);
    await expectHeadlineWithin(
      s.slack,
      ORDER,
      'Cancelled (checked with WDT)',
      { at: landedAt, what: 'SQLite: the late request lands' },
      10 * SECOND,
    );

    expect(await attemptMoves({ sqlitePath: s.auditDbPath }, ORDER)).toEqual([
      ['requested', 'confirmed', 'calling', 'awaiting_verdict', 'reconciled_cancelled'],
      ['requested', 'confirmed', 'failed'],
    ]);
    expect(cancelsOf(s.wdt, ORDER)).toHaveLength(1);
    await expectCounted(second, { awaited: 1, verdict: 'reconciled_cancelled' });
    await expectSettled(s);
  }, 90_000);

  it('the request was applied before the kill: "Cancelled (checked with WDT)" at once, no interim message', async () => {
    const { s, leaseEnd } = await killMidCall({ answerDelayMs: 30_000 });
    const fromIndex = s.slack.calls.length;
    const second = await s.spawn();

    await expectHeadlineWithin(
      s.slack,
      ORDER,
      'Cancelled (checked with WDT)',
      { at: leaseEnd, what: 'SQLite kill -9 → the dead process’s lease end' },
      10 * SECOND,
    );
    expect(
      s.slack.calls.slice(fromIndex).filter((c) => JSON.stringify(c.args).includes('Outcome not known yet')),
    ).toEqual([]);
    expect(await attemptMoves({ sqlitePath: s.auditDbPath }, ORDER)).toEqual([
      ['requested', 'confirmed', 'calling', 'reconciled_cancelled'],
    ]);
    expect(cancelsOf(s.wdt, ORDER)).toHaveLength(1);
    await expectCounted(second, { awaited: 0, verdict: 'reconciled_cancelled' });
    await expectSettled(s);
  }, 60_000);

  // The one test of the suite that waits out WDT's whole timestamp window (about 2.5 minutes).
  it('the request never lands: locked until WDT can no longer accept it, then "Not cancelled (checked with WDT)"', async () => {
    const { s, killedAt, sent, leaseEnd } = await killMidCall({ hang: true });
    const second = await s.spawn();

    await expectHeadlineWithin(
      s.slack,
      ORDER,
      'Outcome not known yet',
      { at: leaseEnd, what: 'SQLite kill -9 (request never lands) → the dead process’s lease end' },
      10 * SECOND,
    );
    const awaiting = await readAudit({ sqlitePath: s.auditDbPath }, async (store) => {
      const [held] = await store.heldCalls();
      return held?.record;
    });
    expect(awaiting?.state).toBe('awaiting_verdict');
    const verdictAfter = Date.parse(awaiting?.verdictAfter ?? '');
    const closesAt = windowClosesAt(sent);
    console.info(
      `SQLite: verdictAfter is ${verdictAfter - closesAt} ms after WDT's window for the signed request closes, ${verdictAfter - killedAt} ms after the kill`,
    );
    expect(verdictAfter).toBeGreaterThanOrEqual(closesAt);
    await confirmWhileLocked(s.slack, second, ORDER);

    // Still locked a few seconds before the verdict is due.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, verdictAfter - 5 * SECOND - Date.now())));
    await confirmWhileLocked(s.slack, second, ORDER);

    // The lease, WDT's window as the fence counts it (3 s to sign + 120 s + 1 s margin), 10 s for the passes.
    const final = await expectHeadlineWithin(
      s.slack,
      ORDER,
      'Not cancelled (checked with WDT)',
      { at: killedAt, what: 'SQLite kill -9 (request never lands)' },
      (5 + 124 + 10) * SECOND,
    );
    console.info(
      `SQLite: "Not cancelled" came ${final.at.getTime() - closesAt} ms after WDT's window closed`,
    );
    expect(final.at.getTime()).toBeGreaterThanOrEqual(closesAt);
    expect(s.wdt.orders.get(ORDER)?.status).toBe(20);

    // Released: the next confirmation goes through.
    await confirmOrder(second, ORDER, 'after the verdict');
    await waitForHeadline(s.slack, ORDER, 'Cancelled');
    expect(await attemptMoves({ sqlitePath: s.auditDbPath }, ORDER)).toEqual([
      ['requested', 'confirmed', 'calling', 'awaiting_verdict', 'reconciled_not_cancelled'],
      ['requested', 'confirmed', 'failed'],
      ['requested', 'confirmed', 'failed'],
      ['requested', 'confirmed', 'calling', 'cancelled'],
    ]);
    expect(cancelsOf(s.wdt, ORDER)).toHaveLength(2);
    await expectCounted(second, { awaited: 1, verdict: 'reconciled_not_cancelled' });
    await expectSettled(s);
  }, 240_000);
});
