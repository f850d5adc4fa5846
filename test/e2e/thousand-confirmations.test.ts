import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteAuditStore } from '../../src/audit/sqlite/store.js';
import { type LocalStack, startLocalStack } from '../../src/local/demo/local-stack.js';
import { eventually } from '../support/process-stack.js';

const ORDER = 'RK2006030008';
const CANCEL = 'wms.stockin.Purchase.cancel';
const PEOPLE = 1_000;

let stack: LocalStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

async function inBatches<T, R>(items: T[], size: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += size)
    results.push(...(await Promise.all(items.slice(i, i + size).map(work))));
  return results;
}

describe(`${PEOPLE} people confirming the same order at once`, () => {
  it('makes exactly one WDT call; everyone else is told it is already being cancelled', async () => {
    const people = Array.from({ length: PEOPLE }, (_, i) => ({
      id: `U${String(i).padStart(7, '0')}`,
      name: `p${i}`,
    }));
    stack = await startLocalStack({
      env: {
        CANCEL_ALLOWED_USERS: '',
        CANCEL_ALLOWED_USERGROUPS: 'S0EVERYONE',
        WDT_TIMEOUT_MS: '30000',
        // This is about confirmations racing, not about back-pressure: let every command in.
        COMMANDS_PER_SECOND: '1000',
        COMMAND_BURST: '1000',
        // A batch's dialogs are on screen a moment before the bot has finished with them.
        COMMANDS_IN_FLIGHT: '1000',
      },
      usergroups: { S0EVERYONE: people.map((p) => p.id) },
      logLevel: 'silent',
    });
    const s = stack;
    const views = await inBatches(people, 50, async (person) => {
      const triggerId = `${Date.now()}.${person.id}.t`;
      const answer = await s.driver.command(ORDER, person, undefined, triggerId);
      expect(answer.statusCode).toBe(200);
      expect(answer.text).toBe(''); // admitted, not turned away as too busy
      return { person, view: await s.driver.openedView(triggerId) };
    });

    // Long enough that every confirmation reaches the order's lock while the first cancel is still running.
    s.wdt.faults.set({ latencyMs: 20_000 }, CANCEL);
    const answers = await Promise.all(
      views.map(({ person, view }) => s.submit(view, `me, ${person.name}`, person)),
    );
    expect(answers.every((a) => a.statusCode === 200)).toBe(true);

    const store = openSqliteAuditStore({ path: s.auditDbPath });
    try {
      const finished = await eventually(async () => {
        const history = await store.orderHistory(ORDER);
        const done = history.filter((e) => ['cancelled', 'failed', 'refused', 'unknown'].includes(e.event));
        return done.length === PEOPLE && history;
      }, 60_000);
      expect(finished.filter((e) => e.event === 'cancelled')).toHaveLength(1);
      expect(finished.filter((e) => e.event === 'failed')).toHaveLength(PEOPLE - 1);
      expect(await store.verifyChain()).toMatchObject({ ok: true });
    } finally {
      await store.close();
    }
    expect(s.wdt.calls.filter((c) => c.method === CANCEL)).toHaveLength(1);
    const told = await eventually(() => {
      const busy = s.slack
        .callsTo('chat.postEphemeral')
        .filter((c) => String(c.args.text).includes('already being cancelled'));
      return busy.length === PEOPLE - 1 && busy;
    }, 30_000);
    expect(new Set(told.map((c) => c.args.user)).size).toBe(PEOPLE - 1);
  }, 120_000);
});
