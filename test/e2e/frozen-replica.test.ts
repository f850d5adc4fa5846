import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxCall, SandboxFaults } from '../../src/local/wdt-standin/server.js';
import {
  createTestDatabase,
  postgresUnavailableReason,
  type TestDatabase,
} from '../audit/postgres-test-db.js';
import { attemptMoves, lockHolder, readAudit } from '../support/audit-at.js';
import { expectHeadlineWithin, statesAnnounced, waitForHeadline } from '../support/channel-posts.js';
import { confirmOrder, confirmWhileLocked } from '../support/confirm-order.js';
import {
  type BotProcess,
  eventually,
  type ProcessStack,
  startProcessStack,
} from '../support/process-stack.js';
import { metricDelta, scrapeMetrics } from '../support/prometheus-text.js';
import { skipOutsideCi } from '../support/skip-outside-ci.js';
import { addEditingOrder, CANCEL, cancelsOf, QUERY, windowClosesAt } from '../support/wdt-sandbox.js';

const SECOND = 1_000;
const P = 'cancel_stockin_';

const unavailable = skipOutsideCi(await postgresUnavailableReason(), 'frozen-replica');

/** What the replica that made a call logs when it is done with it, however that went. */
const CALL_ENDED = /no longer owns the call|"cancel finished"|its record stands/;

const metricsOf = (bot: BotProcess) => scrapeMetrics(new URL('/', bot.url).toString());

/**
 * Two replicas on one PostgreSQL database, and one of them frozen (SIGSTOP) mid-call for longer than its
 * lease, as a long garbage collection, a paused VM or a stalled disk freezes a process. Whatever it was about
 * to do when it froze, it must do nothing once it runs again (SIGCONT): the other replica has taken its call
 * over, and the record the other one wrote is the truth.
 */
describe.skipIf(unavailable !== null)('a replica frozen mid-call on PostgreSQL', () => {
  let database: TestDatabase;
  let stack: ProcessStack;

  beforeAll(async () => {
    database = await createTestDatabase();
    // WDT_TIMEOUT_MS 20 s: the longest call is 1135 s, and no HTTP timeout of the frozen replica runs out
    // while it is stopped: only its lease can explain what the other replica does.
    stack = await startProcessStack({ DATABASE_URL: database.url, WDT_TIMEOUT_MS: '20000' });
  }, 60_000);
  afterEach(async () => {
    stack.wdt.faults.reset();
    await stack.killBots();
  });
  afterAll(async () => {
    await stack?.stop();
    await database?.drop();
  });

  /** Two replicas whose leases have settled, so that each may judge the other's. */
  async function twoReplicas(): Promise<[BotProcess, BotProcess]> {
    const replicas = await Promise.all([stack.spawn(), stack.spawn()]);
    await new Promise((resolve) => setTimeout(resolve, 4 * SECOND));
    return replicas;
  }

  /**
   * Confirms `order` in `bot` with `faults` on WDT's `method`, set after the dialog's preview so that they
   * apply to the call under the lock only; stops the bot (SIGSTOP) as soon as WDT receives that call.
   * Returns the call, and when the stopped bot's lease ends.
   */
  async function freezeOnceWdtReceives(
    bot: BotProcess,
    order: string,
    method: string,
    faults: SandboxFaults,
  ): Promise<{ received: SandboxCall; leaseEnd: number }> {
    await bot.driver.command(order);
    const view = await bot.driver.openedView();
    const fromCall = stack.wdt.calls.length;
    stack.wdt.faults.set(faults, method);
    await bot.driver.submit(view, `frozen once WDT receives ${method}`);
    const received = await eventually(() =>
      stack.wdt.calls.slice(fromCall).find((call) => call.method === method),
    );
    bot.child.kill('SIGSTOP');
    const held = await lockHolder({ databaseUrl: database.url }, order);
    expect(held?.record.state).toBe('calling');
    return { received, leaseEnd: held!.leaseEnd };
  }

  async function expectChainVerifies() {
    await readAudit({ databaseUrl: database.url }, async (store) => {
      expect(await store.verifyChain()).toMatchObject({ ok: true });
    });
  }

  it('frozen during the check under the lock: one cancel in all, and the channel’s last word is "Cancelled"', async () => {
    const [one, two] = await twoReplicas();
    const order = addEditingOrder(stack.wdt, 'RK2006039901');
    const before = await metricsOf(two);
    const { leaseEnd } = await freezeOnceWdtReceives(one, order, QUERY, { latencyMs: 3_000 });
    // Faults are read when a call arrives: the check keeps its latency, the other replica's queries are quick.
    stack.wdt.faults.reset();

    // It never passed a fence: nothing it signed can reach WDT, so the verdict is due at once.
    await expectHeadlineWithin(
      stack.slack,
      order,
      'Not cancelled (checked with WDT)',
      { at: leaseEnd, what: 'PostgreSQL: the frozen replica’s lease end' },
      10 * SECOND,
    );

    await confirmOrder(two, order, 'second confirmation, on the other replica');
    await waitForHeadline(stack.slack, order, 'Cancelled');
    expect(stack.wdt.orders.get(order)?.status).toBe(10);

    // The frozen replica runs again: its check answers "editing" (WDT answered it before the second cancel),
    // and its fence fails, so it sends nothing.
    one.child.kill('SIGCONT');
    const done = await one.waitForLine(CALL_ENDED, 15 * SECOND);
    await new Promise((resolve) => setTimeout(resolve, 2 * SECOND));

    console.info(
      `PostgreSQL frozen replica: the channel said ${statesAnnounced(stack.slack, order).join(' → ')}`,
    );
    expect(cancelsOf(stack.wdt, order)).toHaveLength(1);
    expect(statesAnnounced(stack.slack, order).at(-1)).toBe('cancelled');
    expect(statesAnnounced(stack.slack, order)).not.toContain('refused');
    expect(await attemptMoves({ databaseUrl: database.url }, order)).toEqual([
      ['requested', 'confirmed', 'calling', 'awaiting_verdict', 'reconciled_not_cancelled'],
      ['requested', 'confirmed', 'calling', 'cancelled'],
    ]);
    expect(JSON.parse(done)).toMatchObject({
      msg: expect.stringMatching(/no longer owns the call/),
      refusal: 'superseded',
    });
    const after = await metricsOf(two);
    expect(metricDelta(before, after, `${P}verdicts_awaited_total`)).toBe(1);
    expect(metricDelta(before, after, `${P}cancels_total{outcome="reconciled_not_cancelled"}`)).toBe(1);
    expect(metricDelta(before, after, `${P}cancels_total{outcome="cancelled"}`)).toBe(1);
    await expectChainVerifies();
  }, 90_000);

  it('frozen right after the send: the other replica keeps the lock, then gives WDT’s verdict once the cancel lands', async () => {
    const [one, two] = await twoReplicas();
    const order = addEditingOrder(stack.wdt, 'RK2006039902');
    const before = await metricsOf(two);
    const { received: sent, leaseEnd } = await freezeOnceWdtReceives(one, order, CANCEL, {
      latencyMs: 15_000,
    });
    stack.wdt.faults.reset();

    await expectHeadlineWithin(
      stack.slack,
      order,
      'Outcome not known yet',
      { at: leaseEnd, what: 'PostgreSQL: the frozen replica’s lease end' },
      10 * SECOND,
    );
    const awaiting = await lockHolder({ databaseUrl: database.url }, order);
    expect(awaiting?.record.state).toBe('awaiting_verdict');
    expect(Date.parse(awaiting?.record.verdictAfter ?? '')).toBeGreaterThanOrEqual(windowClosesAt(sent));
    await confirmWhileLocked(stack.slack, two, order);
    const stuck = await metricsOf(two);
    expect(stuck.get(`${P}stuck_calls`)).toBe(0);

    const landedAt = await eventually(
      () => stack.wdt.orders.get(order)?.status === 10 && Date.now(),
      20 * SECOND,
    );
    await expectHeadlineWithin(
      stack.slack,
      order,
      'Cancelled (checked with WDT)',
      { at: landedAt, what: 'PostgreSQL: the frozen replica’s cancel lands' },
      10 * SECOND,
    );

    // The frozen replica runs again and reads WDT's answer: it is late, and the record already says so.
    one.child.kill('SIGCONT');
    await one.waitForLine(/after another process recorded this attempt; its record stands/, 15 * SECOND);
    expect(cancelsOf(stack.wdt, order)).toHaveLength(1);
    expect(await attemptMoves({ databaseUrl: database.url }, order)).toEqual([
      ['requested', 'confirmed', 'calling', 'awaiting_verdict', 'reconciled_cancelled'],
      ['requested', 'confirmed', 'failed'],
    ]);
    expect(statesAnnounced(stack.slack, order).at(-1)).toBe('reconciled_cancelled');
    const after = await metricsOf(two);
    expect(metricDelta(before, after, `${P}verdicts_awaited_total`)).toBe(1);
    expect(metricDelta(before, after, `${P}cancels_total{outcome="reconciled_cancelled"}`)).toBe(1);
    expect(await lockHolder({ databaseUrl: database.url }, order)).toBeNull();
    await expectChainVerifies();
  }, 90_000);

  it('frozen while WDT rate-limits its cancel: once it runs again, its retry is not signed', async () => {
    const [one, two] = await twoReplicas();
    const order = addEditingOrder(stack.wdt, 'RK2006039903');
    const { received: sent } = await freezeOnceWdtReceives(one, order, CANCEL, {
      latencyMs: 10_000,
      rateLimitNext: 1,
    });
    // The next cancel, if any, would go through at once.
    stack.wdt.faults.set({ latencyMs: 0 }, CANCEL);

    await waitForHeadline(stack.slack, order, 'Outcome not known yet', { timeoutMs: 20 * SECOND });
    // WDT refuses the held request for its rate limit (nothing done) while the replica is still frozen.
    await eventually(() => sent.status === 100, 15 * SECOND);
    one.child.kill('SIGCONT');
    // It waits out the rate limit, asks its fence before signing the retry, and is refused.
    const done = await one.waitForLine(CALL_ENDED, 15 * SECOND);
    await new Promise((resolve) => setTimeout(resolve, 2 * SECOND));

    expect(cancelsOf(stack.wdt, order)).toHaveLength(1);
    expect(JSON.parse(done)).toMatchObject({
      msg: expect.stringMatching(/no longer owns the call/),
      refusal: 'superseded',
    });
    expect(stack.wdt.orders.get(order)?.status).toBe(20);
    expect(await attemptMoves({ databaseUrl: database.url }, order)).toEqual([
      ['requested', 'confirmed', 'calling', 'awaiting_verdict'],
    ]);
    // Locked until WDT can no longer accept what the frozen replica signed (its verdict is for later).
    await confirmWhileLocked(stack.slack, two, order);
    await expectChainVerifies();
  }, 90_000);
});
