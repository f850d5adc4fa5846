import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../src/local/demo/local-stack.js';
import { WDT_METHOD } from '../../src/wdt/methods.js';
import { createTestDatabase, postgresUnavailableReason } from '../audit/postgres-test-db.js';
import { commandCounts, watchCommandCounts } from '../support/command-counts.js';
import { eventually } from '../support/process-stack.js';
import { startTcpProxy } from '../support/tcp-proxy.js';

const ORDER = 'RK2006030008';
/** Not in the WDT sandbox: the preview closes its attempt in the audit trail, a write of its own. */
const MISSING = 'RK2099010101';
const CANCEL = 'wms.stockin.Purchase.cancel';

const unavailable = await postgresUnavailableReason();
if (unavailable && process.env.CI) throw new Error(`CI needs PostgreSQL for the outage test: ${unavailable}`);
if (unavailable) console.warn(`Skipping the PostgreSQL outage test: ${unavailable}`);

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

const readyz = async (s: LocalStack) => (await fetch(s.url.replace('/slack/events', '/readyz'))).status;

/** The bot on a fresh PostgreSQL database reached through a proxy the test can cut or darken; ready. */
async function startStackBehindProxy() {
  const database = await createTestDatabase();
  cleanups.push(() => database.drop());
  const proxy = await startTcpProxy({ host: '127.0.0.1', port: 5432 });
  cleanups.push(() => proxy.close());
  const url = new URL(database.url);
  url.port = String(proxy.port);
  const s = await startLocalStack({ env: { DATABASE_URL: url.toString() }, logLevel: 'silent' });
  cleanups.push(() => s.stop());
  expect(await readyz(s)).toBe(200);
  return { s, proxy };
}

describe('the audit store unavailable', () => {
  it('an unwritable SQLite path: the bot starts, /readyz is 503, cancels are refused, until the path works', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cancel-stockin-unwritable-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const blocker = join(dir, 'not-a-directory');
    await writeFile(blocker, 'a file where the audit directory should be');
    const s = await startLocalStack({
      env: { AUDIT_DB_PATH: join(blocker, 'audit.db') },
      logLevel: 'silent',
    });
    cleanups.push(() => s.stop());

    expect(await readyz(s)).toBe(503);
    const commands = await watchCommandCounts(s.url);
    await s.command(ORDER);
    const reply = await s.slack.waitFor('response_url');
    expect(String(reply.args.text)).toContain('cannot write its audit record');
    expect(await commands.moved()).toEqual(commandCounts({ failed: 1 }));
    // The "Looking up…" dialog opens while the request is being recorded; it ends saying why, with no button.
    const update = await s.slack.waitFor('views.update');
    const dialog = s.slack.views.get(String(update.args.view_id));
    expect(JSON.stringify(dialog?.blocks)).toContain('cannot write its audit record');
    expect(dialog?.submit ?? undefined).toBeUndefined();
    expect(s.wdt.calls.filter((c) => c.method === 'wms.stockin.Purchase.cancel')).toHaveLength(0);

    await rm(blocker);
    await eventually(async () => (await readyz(s)) === 200, 10_000);
    await s.command(ORDER);
    await s.submit(await s.openedView(), 'after recovery');
    const post = await s.slack.waitFor('chat.postMessage');
    expect(JSON.stringify(post.args.blocks)).toContain('Cancelled');
  }, 30_000);

  it.skipIf(unavailable !== null)(
    'PostgreSQL going down mid-run: no cancel without a durable pending record, /readyz 503 until it is back',
    async () => {
      const { s, proxy } = await startStackBehindProxy();

      await s.command(ORDER);
      const view = await s.openedView();
      await proxy.cut();
      await eventually(async () => (await readyz(s)) === 503, 10_000);
      await s.submit(view, 'database is down');
      const told = await s.slack.waitFor(
        (c) =>
          c.method === 'views.update' &&
          JSON.stringify(c.args.view).includes('cannot write its audit record'),
        { timeoutMs: 15_000 },
      );
      expect(told.answer?.status).toBe(200);
      expect(s.wdt.calls.filter((c) => c.method === CANCEL)).toHaveLength(0);

      await proxy.restore();
      await eventually(async () => (await readyz(s)) === 200, 15_000);
      await s.command(ORDER);
      await s.submit(await s.openedView(), 'database is back');
      const post = await s.slack.waitFor('chat.postMessage', { timeoutMs: 10_000 });
      expect(JSON.stringify(post.args.blocks)).toContain('Cancelled');
      expect(s.wdt.calls.filter((c) => c.method === CANCEL)).toHaveLength(1);
    },
    60_000,
  );

  it.skipIf(unavailable !== null)(
    'PostgreSQL going down while the dialog looks the order up: the requester is told, nothing is cancelled',
    async () => {
      const { s, proxy } = await startStackBehindProxy();
      s.wdt.faults.set({ latencyMs: 1_000 }, WDT_METHOD.queryStockin);
      const commands = await watchCommandCounts(s.url);

      await s.command(MISSING);
      // The request is recorded before the look-up starts; the outage meets the preview's own write.
      await eventually(() => s.wdt.calls.some((c) => c.method === WDT_METHOD.queryStockin));
      await proxy.cut();
      const reply = await s.slack.waitFor('response_url', { timeoutMs: 15_000 });
      expect(String(reply.args.text)).toContain('cannot write its audit record');
      expect(await commands.moved()).toEqual(commandCounts({ failed: 1 }));
      expect(s.wdt.calls.filter((c) => c.method === CANCEL)).toHaveLength(0);
    },
    40_000,
  );

  it.skipIf(unavailable !== null)(
    'PostgreSQL gone silent (no answer, no reset): /readyz says 503 within its 2 s bound instead of hanging',
    async () => {
      const { s, proxy } = await startStackBehindProxy();

      proxy.darken();
      const started = performance.now();
      const response = await fetch(s.url.replace('/slack/events', '/readyz'));
      expect(response.status).toBe(503);
      expect(((await response.json()) as { checks: Record<string, string> }).checks.audit).toBe(
        'not answering',
      );
      expect(performance.now() - started).toBeLessThan(4_000);

      // Connections reset instead of silent: the pool reconnects and the bot is ready again.
      proxy.light();
      await proxy.cut();
      await proxy.restore();
      await eventually(async () => (await readyz(s)) === 200, 15_000);
    },
    40_000,
  );
});
