import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresAuditStore } from '../../src/audit/postgres/store.js';
import { DEFAULT_CHANNEL } from '../../src/local/slack-standin/payloads.js';
import {
  createTestDatabase,
  postgresUnavailableReason,
  type TestDatabase,
} from '../audit/postgres-test-db.js';
import { acceptedPosts, messagesWithKey, refusedPosts, slackOutage } from '../support/outbox-e2e.js';
import { eventually, type ProcessStack, startProcessStack } from '../support/process-stack.js';
import { scrapeMetrics } from '../support/prometheus-text.js';

const ORDER = 'RK2006030008';
const OUTAGE_MS = 60_000;
const OUTCOME = /^outcome:.+:cancelled$/;

const unavailable = await postgresUnavailableReason();
if (unavailable && process.env.CI)
  throw new Error(`CI needs PostgreSQL for the outbox takeover test: ${unavailable}`);
if (unavailable) console.warn(`Skipping the outbox takeover test: ${unavailable}`);

describe.skipIf(unavailable !== null)('two replicas on PostgreSQL, Slack down for a minute', () => {
  let database: TestDatabase;
  let stack: ProcessStack;

  beforeAll(async () => {
    database = await createTestDatabase();
    stack = await startProcessStack({ DATABASE_URL: database.url });
  }, 60_000);
  afterAll(async () => {
    await stack?.stop();
    await database?.drop();
  });

  it(
    'the replica that cancelled is killed mid-outage; the other delivers the outcome exactly once within a minute of healing',
    async () => {
      const one = await stack.spawn();
      await one.driver.command(ORDER);
      const view = await one.driver.openedView();
      const { healsAt } = slackOutage(stack.slack, { httpStatus: 503, forMs: OUTAGE_MS });
      await one.driver.submit(view, 'Slack outage, replica death');
      await eventually(() => stack.wdt.orders.get(ORDER)?.status === 10, 20_000);
      // The first replica owes it and has tried: now it dies, holding whatever it held.
      await eventually(() => refusedPosts(stack.slack, DEFAULT_CHANNEL.id).length >= 1, 20_000);
      const two = await stack.spawn();
      one.child.kill('SIGKILL');
      expect((await one.exited).signal).toBe('SIGKILL');

      const delivered = await eventually(() => acceptedPosts(stack.slack, OUTCOME)[0], OUTAGE_MS + 70_000);
      const afterHealingMs = delivered.at.getTime() - healsAt;
      console.info(`PostgreSQL replica takeover: outcome posted ${afterHealingMs} ms after Slack healed`);
      expect(afterHealingMs).toBeGreaterThanOrEqual(0);
      expect(afterHealingMs).toBeLessThan(60_000);

      await new Promise((resolve) => setTimeout(resolve, 5_000));
      expect(messagesWithKey(stack.slack, OUTCOME)).toHaveLength(1);
      expect(acceptedPosts(stack.slack, OUTCOME)).toHaveLength(1);
      // The survivor posted it (the dead one cannot have).
      const samples = await scrapeMetrics(`http://127.0.0.1:${two.port}`);
      expect(samples.get('cancel_stockin_outbox_deliveries_total{kind="outcome",how="posted"}')).toBe(1);
      const store = await openPostgresAuditStore({ connectionString: database.url });
      try {
        expect((await store.orderHistory(ORDER)).at(-1)?.record).toMatchObject({
          state: 'cancelled',
          notifiedVia: 'channel',
          slackTs: messagesWithKey(stack.slack, OUTCOME)[0]!.ts,
        });
        expect(await store.outboxSummary()).toMatchObject({ pending: 0, givenUp: 0 });
      } finally {
        await store.close();
      }
      two.child.kill('SIGTERM');
      await two.exited;
    },
    OUTAGE_MS * 3,
  );
});
