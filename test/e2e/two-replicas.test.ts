import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresAuditStore } from '../../src/audit/postgres/store.js';
import {
  createTestDatabase,
  postgresUnavailableReason,
  type TestDatabase,
} from '../audit/postgres-test-db.js';
import { eventually, type ProcessStack, startProcessStack } from '../support/process-stack.js';

const CANCEL = 'wms.stockin.Purchase.cancel';
const ALICE = { id: 'U0ALICE001', name: 'alice' };
const BOB = { id: 'U0BOB00001', name: 'bob' };

const unavailable = await postgresUnavailableReason();
if (unavailable && process.env.CI)
  throw new Error(`CI needs PostgreSQL for the two-replica test: ${unavailable}`);
if (unavailable) console.warn(`Skipping the two-replica test: ${unavailable}`);

describe.skipIf(unavailable !== null)('two bot processes on one PostgreSQL database', () => {
  let database: TestDatabase;
  let stack: ProcessStack;

  beforeAll(async () => {
    database = await createTestDatabase();
    stack = await startProcessStack({
      DATABASE_URL: database.url,
      CANCEL_ALLOWED_USERS: `${ALICE.id},${BOB.id}`,
    });
  }, 60_000);

  afterAll(async () => {
    await stack?.stop();
    await database?.drop();
  });

  it('makes exactly one WDT call when both replicas confirm the same order at once', async () => {
    const [one, two] = await Promise.all([stack.spawn(), stack.spawn()]);
    const orders = [...stack.wdt.orders.values()].filter((o) => o.status === 20).map((o) => o.stockinNo);
    expect(orders.length).toBeGreaterThanOrEqual(3);

    for (const order of orders.slice(0, 3)) {
      await one.driver.command(order, ALICE);
      const viewOne = await one.driver.openedView();
      await two.driver.command(order, BOB);
      const viewTwo = await two.driver.openedView();
      stack.wdt.faults.set({ latencyMs: 200 }, CANCEL);
      await Promise.all([
        one.driver.submit(viewOne, 'replica one', ALICE),
        two.driver.submit(viewTwo, 'replica two', BOB),
      ]);
      await eventually(() =>
        stack.slack.calls.some(
          (c) => c.method === 'chat.postMessage' && JSON.stringify(c.args.blocks).includes(order),
        ),
      );
      await eventually(() =>
        stack.slack.calls.some(
          (c) =>
            c.method === 'chat.postEphemeral' &&
            String(c.args.text).includes(`${order} is already being cancelled`),
        ),
      );
      expect(
        stack.wdt.calls.filter((c) => c.method === CANCEL && JSON.stringify(c.body).includes(order)),
      ).toHaveLength(1);
    }

    const store = await openPostgresAuditStore({ connectionString: database.url });
    try {
      expect(await store.verifyChain()).toMatchObject({ ok: true });
      const history = await store.orderHistory(orders[0]!);
      expect(history.filter((e) => e.event === 'cancelled')).toHaveLength(1);
      expect(history.filter((e) => e.event === 'failed')).toHaveLength(1);
    } finally {
      await store.close();
    }
  }, 90_000);

  it('confirms a dialog once when Slack delivers its submission to both replicas', async () => {
    const [one, two] = await Promise.all([stack.spawn(), stack.spawn()]);
    const order = 'RK2006039901';
    const template = [...stack.wdt.orders.values()][0]!;
    stack.wdt.orders.set(order, { ...structuredClone(template), stockinNo: order, status: 20 });
    await one.driver.command(order, ALICE);
    const view = await one.driver.openedView();
    stack.wdt.faults.set({ latencyMs: 200 }, CANCEL);

    // The same view_submission (a retry behind a load balancer) arrives at both replicas at once.
    await Promise.all([
      one.driver.submit(view, 'delivered twice', ALICE),
      two.driver.submit(view, 'delivered twice', ALICE),
    ]);
    await eventually(() =>
      stack.slack.calls.some(
        (c) => c.method === 'chat.postMessage' && JSON.stringify(c.args.blocks).includes(order),
      ),
    );

    expect(
      stack.wdt.calls.filter((c) => c.method === CANCEL && JSON.stringify(c.body).includes(order)),
    ).toHaveLength(1);
    const store = await openPostgresAuditStore({ connectionString: database.url });
    try {
      const history = await store.orderHistory(order);
      expect(new Set(history.map((e) => e.record.attemptId)).size).toBe(1);
      expect(history.map((e) => e.event).filter((e) => e !== 'notified')).toEqual([
        'requested',
        'confirmed',
        'calling',
        'cancelled',
      ]);
      expect(await store.verifyChain()).toMatchObject({ ok: true });
    } finally {
      await store.close();
    }
  }, 90_000);
});
