import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestDatabase,
  postgresUnavailableReason,
  type TestDatabase,
} from '../audit/postgres-test-db.js';
import { attemptMoves, lockHolder, readAudit } from '../support/audit-at.js';
import { statesAnnounced } from '../support/channel-posts.js';
import {
  type BotProcess,
  eventually,
  type ProcessStack,
  startProcessStack,
} from '../support/process-stack.js';
import { scrapeMetrics } from '../support/prometheus-text.js';
import { skipOutsideCi } from '../support/skip-outside-ci.js';
import { startTcpProxy } from '../support/tcp-proxy.js';
import { addEditingOrder, CANCEL, cancelsOf } from '../support/wdt-sandbox.js';

const SECOND = 1_000;
const OUTAGE_MS = 8 * SECOND;
const FINAL: readonly string[] = [
  'cancelled',
  'refused',
  'failed',
  'reconciled_cancelled',
  'reconciled_not_cancelled',
];

const unavailable = skipOutsideCi(await postgresUnavailableReason(), 'mid-call PostgreSQL outage');

const storeUp = async (bot: BotProcess) =>
  (await scrapeMetrics(new URL('/', bot.url).toString())).get('cancel_stockin_audit_store_up');

/**
 * The bot's only way to PostgreSQL goes through a proxy that the test breaks while a cancel is at WDT, for
 * longer than a lease and longer than the bot retries its outcome write: connections reset (the server's
 * address refuses), or silent (a vanished host: no answer, no reset). No other replica is there to take
 * the call over. Once the database is back, the record must still end with what WDT did, and release the lock.
 */
describe.skipIf(unavailable !== null)('PostgreSQL lost while a cancel is at WDT', () => {
  let database: TestDatabase;
  let proxy: Awaited<ReturnType<typeof startTcpProxy>>;
  let stack: ProcessStack;

  beforeAll(async () => {
    database = await createTestDatabase();
    proxy = await startTcpProxy({ host: '127.0.0.1', port: 5432 });
    const url = new URL(database.url);
    url.port = String(proxy.port);
    stack = await startProcessStack({ DATABASE_URL: url.toString() });
  }, 60_000);
  afterEach(async () => {
    stack.wdt.faults.reset();
    await stack.killBots();
  });
  afterAll(async () => {
    await stack?.stop();
    await proxy?.close();
    await database?.drop();
  });

  it.each([
    { outage: 'connections reset', orderNo: 'RK2006039911' },
    { outage: 'silent', orderNo: 'RK2006039912' },
  ])(
    '$outage for 8 s: one cancel, and once the database is back the record says what WDT did',
    async ({ outage, orderNo }) => {
      const bot = await stack.spawn();
      const order = addEditingOrder(stack.wdt, orderNo);
      await bot.driver.command(order);
      const view = await bot.driver.openedView();
      // WDT answers 2 s after it receives the cancel, while the database is away.
      stack.wdt.faults.set({ latencyMs: 2 * SECOND }, CANCEL);
      await bot.driver.submit(view, `database ${outage} mid-call`);
      await eventually(() => cancelsOf(stack.wdt, order)[0]);
      if (outage === 'silent') proxy.darken();
      else await proxy.cut();
      const brokeAt = Date.now();
      stack.wdt.faults.reset();

      await eventually(() => stack.wdt.orders.get(order)?.status === 10);
      // While it lasts, the failure has a name: the store's gauge and the log.
      expect(await storeUp(bot)).toBe(0);
      await bot.waitForLine(/could not renew this process’s instance lease/, OUTAGE_MS);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, brokeAt + OUTAGE_MS - Date.now())));
      if (outage === 'silent') proxy.light();
      else await proxy.restore();
      const healedAt = Date.now();

      // Recorded by the bot that made the call, or by a reconciler from WDT; a write stuck on a silent
      // connection first waits out the store's 20 s read timeout.
      const moves = await eventually(async () => {
        const [attempt] = await attemptMoves({ databaseUrl: database.url }, order);
        return attempt && FINAL.includes(attempt.at(-1)!) && attempt;
      }, 30 * SECOND).catch(async () => {
        const [attempt] = await attemptMoves({ databaseUrl: database.url }, order);
        throw new Error(`30 s after the database came back the attempt is still ${attempt?.at(-1)}`);
      });
      console.info(
        `PostgreSQL ${outage} for ${OUTAGE_MS} ms mid-call: healed → recorded ${moves.at(-1)} after ${Date.now() - healedAt} ms; the channel said ${statesAnnounced(stack.slack, order).join(' → ')}`,
      );
      expect(moves.slice(0, 3)).toEqual(['requested', 'confirmed', 'calling']);
      expect(['cancelled', 'reconciled_cancelled']).toContain(moves.at(-1));
      expect(moves.filter((move) => move !== 'awaiting_verdict')).toHaveLength(4);
      const recorded = moves.at(-1);
      await eventually(() => statesAnnounced(stack.slack, order).some((said) => said === recorded));
      for (const said of statesAnnounced(stack.slack, order)) {
        expect(['awaiting_verdict', 'cancelled', 'reconciled_cancelled']).toContain(said);
      }
      await eventually(async () => (await storeUp(bot)) === 1, 15 * SECOND);
      expect(cancelsOf(stack.wdt, order)).toHaveLength(1);
      expect(await lockHolder({ databaseUrl: database.url }, order)).toBeNull();
      await readAudit({ databaseUrl: database.url }, async (store) => {
        expect(await store.verifyChain()).toMatchObject({ ok: true });
      });
    },
    120_000,
  );
});
