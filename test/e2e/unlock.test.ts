import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteAuditStore } from '../../src/audit/sqlite/store.js';
import type { AuditEntry } from '../../src/core/ports/audit.js';
import { DEFAULT_ACTOR, DEFAULT_CHANNEL } from '../../src/local/slack-standin/payloads.js';
import type { RecordedCall } from '../../src/local/slack-standin/web-api.js';
import { attemptMoves, readAudit } from '../support/audit-at.js';
import {
  type BotProcess,
  eventually,
  type ProcessStack,
  startProcessStack,
} from '../support/process-stack.js';
import { addEditingOrder, CANCEL, cancelsOf, QUERY } from '../support/wdt-sandbox.js';

const OPS = { id: 'U0OPS00001', name: 'ops' };
const MALLORY = { id: 'U0MALLORY1', name: 'mallory' };
const AUDIT_CHANNEL = 'C0AUDITLOG';

let stack: ProcessStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

async function start(): Promise<ProcessStack> {
  // WDT_TIMEOUT_MS 20 s: the longest call is 1135 s, so only leases tell a dead process's call apart.
  stack = await startProcessStack({
    CANCEL_ADMINS: OPS.id,
    AUDIT_CHANNEL_ID: AUDIT_CHANNEL,
    WDT_TIMEOUT_MS: '20000',
  });
  return stack;
}

/** Types `text` as `as` into `bot` and resolves with the ephemeral answer the bot sent to the response URL. */
async function say(s: ProcessStack, bot: BotProcess, text: string, as = OPS): Promise<string> {
  const fromIndex = s.slack.calls.length;
  await bot.driver.command(text, as);
  const reply = await s.slack.waitFor('response_url', { fromIndex, timeoutMs: 10_000 });
  expect(reply.args).toMatchObject({ response_type: 'ephemeral' });
  return String(reply.args.text);
}

async function historyOf(s: ProcessStack, orderNo: string): Promise<AuditEntry[]> {
  const store = openSqliteAuditStore({ path: s.auditDbPath });
  try {
    return await store.orderHistory(orderNo);
  } finally {
    await store.close();
  }
}

async function deniedDetails(s: ProcessStack): Promise<string[]> {
  const store = openSqliteAuditStore({ path: s.auditDbPath });
  try {
    const denied = await store.recentAttempts({ states: ['denied'], limit: 100 });
    return denied.map((record) => record.detail ?? '').reverse();
  } finally {
    await store.close();
  }
}

/** Starts a cancel of `order` in `bot` and waits until WDT has applied it (the answer is held back). */
async function callInFlight(s: ProcessStack, bot: BotProcess, order: string, answerDelayMs: number) {
  await bot.driver.command(order);
  const view = await bot.driver.openedView();
  s.wdt.faults.set({ answerDelayMs }, CANCEL);
  await bot.driver.submit(view, 'unlock test');
  await eventually(() => s.wdt.orders.get(order)?.status === 10);
}

const postedTo = (channel: string, text: string) => (c: RecordedCall) =>
  c.method === 'chat.postMessage' &&
  c.args.channel === channel &&
  JSON.stringify(c.args.blocks).includes(text);

describe('/cancel-stockin unlock (two processes on one SQLite file)', () => {
  it('refuses while a live process calls WDT, refuses non-admins, and says when nothing is locked', async () => {
    const s = await start();
    const [one, two] = await Promise.all([s.spawn(), s.spawn()]);
    // Both leases settled: the second process knows who is live.
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    const order = addEditingOrder(s.wdt, 'RK2006039701');
    await callInFlight(s, one, order, 8_000);

    expect(await say(s, two, `unlock ${order} looks stuck`)).toBe(
      `A call is in progress for ${order} (asked by <@${DEFAULT_ACTOR.id}>); wait for it. Nothing was changed.`,
    );
    expect(await say(s, two, `unlock ${order} looks stuck`, MALLORY)).toMatch(
      /^Only operators may use `unlock`/,
    );

    await s.slack.waitFor(postedTo(DEFAULT_CHANNEL.id, 'Cancelled'), { timeoutMs: 20_000 });
    // The post's record is written once Slack has answered, by whichever process delivered it.
    await eventually(async () => (await historyOf(s, order)).at(-1)?.event === 'notified');
    expect(await say(s, one, `unlock ${order}`)).toBe(
      `${order} is not locked: no cancel of it is in flight. Nothing was changed.`,
    );
    // `audit show RK…` lists the refused unlocks with the order's own history: who tried, and when.
    const history = await historyOf(s, order);
    expect(history.map((e) => [e.event, e.record.requesterId])).toEqual([
      ['requested', DEFAULT_ACTOR.id],
      ['confirmed', DEFAULT_ACTOR.id],
      ['calling', DEFAULT_ACTOR.id],
      ['denied', OPS.id],
      ['denied', MALLORY.id],
      ['cancelled', DEFAULT_ACTOR.id],
      ['notified', DEFAULT_ACTOR.id],
      ['denied', OPS.id],
    ]);
    expect(await deniedDetails(s)).toEqual([
      expect.stringMatching(
        new RegExp(`^unlock ${order}: attempt \\w+ may still be calling WDT in a live process`),
      ),
      'operator command `unlock` refused: not an admin (not_listed)',
      `unlock ${order}: the order is not locked; nothing changed`,
    ]);
  }, 90_000);

  it('keeps a killed process’s order locked while WDT may still accept its cancel: unlock says until when', async () => {
    const s = await start();
    const one = await s.spawn();
    const order = addEditingOrder(s.wdt, 'RK2006039703');
    await one.driver.command(order);
    const view = await one.driver.openedView();
    s.wdt.faults.set({ hang: true }, CANCEL);
    await one.driver.submit(view, 'unlock test');
    await eventually(() => cancelsOf(s.wdt, order)[0]);
    one.child.kill('SIGKILL');
    await one.exited;
    const two = await s.spawn();
    await s.slack.waitFor(postedTo(DEFAULT_CHANNEL.id, 'Outcome not known yet'), { timeoutMs: 20_000 });
    const [held] = await readAudit({ sqlitePath: s.auditDbPath }, (store) => store.heldCalls());
    expect(held?.record.state).toBe('awaiting_verdict');

    for (const text of [`unlock ${order}`, `unlock ${order} checked in WDT by hand`]) {
      expect(await say(s, two, text)).toMatch(
        new RegExp(
          `^${order} stays locked until .+: a cancel the bot signed could still reach WDT until then\\.`,
        ),
      );
    }
    expect(await attemptMoves({ sqlitePath: s.auditDbPath }, order)).toEqual([
      ['requested', 'confirmed', 'calling', 'awaiting_verdict'],
      ['denied'],
      ['denied'],
    ]);
    expect(cancelsOf(s.wdt, order)).toHaveLength(1);
  }, 60_000);

  it('releases a killed process’s order whose cancel was never signed: needs a reason when WDT cannot say, posts the follow-up', async () => {
    const s = await start();
    const one = await s.spawn();
    const order = addEditingOrder(s.wdt, 'RK2006039702');
    await one.driver.command(order);
    const view = await one.driver.openedView();
    // Killed during the check under the lock: nothing was signed, so the verdict is due at once.
    const fromCall = s.wdt.calls.length;
    s.wdt.faults.set({ latencyMs: 60_000 }, QUERY);
    await one.driver.submit(view, 'unlock test');
    await eventually(() => s.wdt.calls.slice(fromCall).some((call) => call.method === QUERY));
    one.child.kill('SIGKILL');
    await one.exited;
    // WDT's order query fails from now on: neither the reconciler nor unlock can learn what happened.
    s.wdt.faults.set({ latencyMs: 0, http500Html: true }, QUERY);
    const two = await s.spawn();
    await two.waitForLine(/no verdict yet: WDT did not show the order/, 20_000);
    // The channel is told the outcome is not known yet, and the record says so.
    await eventually(async () => (await historyOf(s, order)).at(-1)?.event === 'notified');

    expect(await say(s, two, `unlock ${order}`)).toBe(
      `WDT could not confirm what became of the call on ${order}. To release it anyway, say why: \`/cancel-stockin unlock ${order} <reason>\`. Nothing was changed.`,
    );
    // The refusal is recorded under the order; the attempt itself is taken over, still holding the lock.
    expect((await historyOf(s, order)).map((e) => e.event)).toEqual([
      'requested',
      'confirmed',
      'calling',
      'awaiting_verdict',
      'notified',
      'denied',
    ]);

    expect(await say(s, two, `unlock ${order} checked in WDT by hand: <!channel> cancelled`)).toBe(
      `Released ${order}: Lock released by an operator (outcome not verified). The follow-up is posted in <#${DEFAULT_CHANNEL.id}> and recorded in the audit trail.`,
    );
    const followUp = await s.slack.waitFor(postedTo(DEFAULT_CHANNEL.id, 'Lock released by an operator'));
    const copy = await s.slack.waitFor(postedTo(AUDIT_CHANNEL, 'Lock released by an operator'));
    for (const message of [followUp, copy]) {
      const blocks = JSON.stringify(message.args.blocks);
      expect(blocks).toContain(
        `*Released by* <@${OPS.id}>: checked in WDT by hand: &lt;!channel&gt; cancelled`,
      );
      expect(blocks).not.toContain('<!channel>');
    }
    const history = await eventually(async () => {
      const entries = await historyOf(s, order);
      return entries.at(-1)?.event === 'notified' && entries;
    });
    expect(history.map((e) => e.event)).toEqual([
      'requested',
      'confirmed',
      'calling',
      'awaiting_verdict',
      'notified',
      'denied',
      'released_unverified',
      'notified',
    ]);
    expect(history[6]!.record).toMatchObject({
      releasedBy: OPS.id,
      releaseReason: 'checked in WDT by hand: <!channel> cancelled',
    });
    expect(cancelsOf(s.wdt, order)).toEqual([]);
    expect(await deniedDetails(s)).toEqual([
      expect.stringMatching(
        new RegExp(`^unlock ${order}: WDT: \\w+, and no reason was given; nothing changed$`),
      ),
    ]);
  }, 90_000);
});
