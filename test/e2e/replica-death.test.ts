import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestDatabase,
  postgresUnavailableReason,
  type TestDatabase,
} from '../audit/postgres-test-db.js';
import { attemptMoves, lockHolder } from '../support/audit-at.js';
import { waitForHeadline } from '../support/channel-posts.js';
import { eventually, type ProcessStack, startProcessStack } from '../support/process-stack.js';
import { addEditingOrder, CANCEL } from '../support/wdt-sandbox.js';

const unavailable = await postgresUnavailableReason();
if (unavailable && process.env.CI)
  throw new Error(`CI needs PostgreSQL for the replica-death test: ${unavailable}`);
if (unavailable) console.warn(`Skipping the replica-death test: ${unavailable}`);

describe.skipIf(unavailable !== null)('two replicas on PostgreSQL: one dies mid-call, one is slow', () => {
  let database: TestDatabase;
  let stack: ProcessStack;

  beforeAll(async () => {
    database = await createTestDatabase();
    // WDT_TIMEOUT_MS 20 s: the longest call is 1135 s, so the age rule cannot explain anything seen here.
    stack = await startProcessStack({ DATABASE_URL: database.url, WDT_TIMEOUT_MS: '20000' });
  }, 60_000);
  afterEach(() => stack.wdt.faults.reset());
  afterAll(async () => {
    await stack?.stop();
    await database?.drop();
  });

  it('the surviving replica posts the follow-up within 30 s of the other one’s kill -9', async () => {
    const [one, two] = await Promise.all([stack.spawn(), stack.spawn()]);
    const order = addEditingOrder(stack.wdt, 'RK2006039801');
    await one.driver.command(order);
    const view = await one.driver.openedView();
    stack.wdt.faults.set({ answerDelayMs: 120_000 }, CANCEL);
    await one.driver.submit(view, 'replica death');
    await eventually(() => stack.wdt.orders.get(order)?.status === 10);

    one.child.kill('SIGKILL');
    const killedAt = Date.now();
    expect((await one.exited).signal).toBe('SIGKILL');
    const held = await lockHolder({ databaseUrl: database.url }, order);
    // WDT already shows the order cancelled: the verdict is given at once, with no interim message.
    const followUp = await waitForHeadline(stack.slack, order, 'Cancelled (checked with WDT)', {
      timeoutMs: 30_000,
    });
    const deathToFollowUpMs = followUp.at.getTime() - killedAt;
    const leaseEndToFollowUpMs = followUp.at.getTime() - held!.leaseEnd;
    console.info(
      `PostgreSQL replica kill -9 → follow-up by the other replica: ${deathToFollowUpMs} ms (${leaseEndToFollowUpMs} ms after its lease ended)`,
    );
    expect(deathToFollowUpMs).toBeLessThan(30_000);
    expect(leaseEndToFollowUpMs).toBeLessThan(10_000);
    expect(JSON.parse(await two.waitForLine(/reconciled a call from WDT/))).toMatchObject({
      cause: 'owner_lapsed',
      state: 'reconciled_cancelled',
    });
    expect(await attemptMoves({ databaseUrl: database.url }, order)).toEqual([
      ['requested', 'confirmed', 'calling', 'reconciled_cancelled'],
    ]);
    expect(stack.wdt.calls.filter((c) => c.method === CANCEL)).toHaveLength(1);
    two.child.kill('SIGTERM');
    await two.exited;
  }, 90_000);

  it('never reconciles a live replica’s slow call (WDT answering after 8 s, longer than a lease)', async () => {
    const [one, two] = await Promise.all([stack.spawn(), stack.spawn()]);
    // Both leases settled, so that the other replica is able to judge during the whole call.
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    const order = addEditingOrder(stack.wdt, 'RK2006039802');
    await one.driver.command(order);
    const view = await one.driver.openedView();
    stack.wdt.faults.set({ answerDelayMs: 8_000 }, CANCEL);
    const callsBefore = stack.slack.calls.length;
    await one.driver.submit(view, 'slow call');
    await eventually(() => stack.wdt.orders.get(order)?.status === 10);

    const outcome = await stack.slack.waitFor(
      (c) =>
        c.method === 'chat.postMessage' &&
        JSON.stringify(c.args.blocks).includes(order) &&
        JSON.stringify(c.args.blocks).includes('Cancelled'),
      { timeoutMs: 30_000, fromIndex: callsBefore },
    );
    expect(JSON.stringify(outcome.args.blocks)).not.toContain('checked with WDT');
    expect(await attemptMoves({ databaseUrl: database.url }, order)).toEqual([
      ['requested', 'confirmed', 'calling', 'cancelled'],
    ]);
    for (const replica of [one, two]) {
      expect(
        replica.lines.filter((line) => /took over a call|reconciled a call from WDT/.test(line)),
      ).toEqual([]);
    }
    await Promise.all(
      [one, two].map(async (replica) => {
        replica.child.kill('SIGTERM');
        await replica.exited;
      }),
    );
  }, 90_000);
});
