import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteAuditStore } from '../../src/audit/sqlite/store.js';
import type { AuditEntry } from '../../src/core/ports/audit.js';
import {
  LOCAL_BOT_TOKEN,
  LOCAL_SIGNING_SECRET,
  type LocalStack,
  startLocalStack,
} from '../../src/local/demo/local-stack.js';
import { buildSlashCommandBody, DEFAULT_ACTOR } from '../../src/local/slack-standin/payloads.js';
import { postToBolt } from '../../src/local/slack-standin/post-to-bolt.js';
import { SANDBOX_CREDENTIALS } from '../../src/local/wdt-standin/server.js';
import { en } from '../../src/slack/texts/en.js';
import { memoryLog } from '../support/memory-log.js';
import { eventually } from '../support/process-stack.js';

const BOB = { id: 'U0BOBBUYER', name: 'bob' };
const MALLORY = { id: 'U0MALLORY1', name: 'mallory' };
const EDITING_ORDER = 'RK2006030008';

let stack: LocalStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

async function start(options: Parameters<typeof startLocalStack>[0] = {}): Promise<LocalStack> {
  stack = await startLocalStack(options);
  return stack;
}

/** WDT calls other than the clock reading every start makes. */
const businessCalls = (s: LocalStack) => s.wdt.calls.filter((c) => c.method !== 'system.Core.now');
const QUERY = 'wms.stockin.Purchase.queryWithDetail';
const CANCEL = 'wms.stockin.Purchase.cancel';
const cancelCalls = (s: LocalStack) => s.wdt.calls.filter((c) => c.method === CANCEL);

async function auditEntries(s: LocalStack): Promise<AuditEntry[]> {
  const store = openSqliteAuditStore({ path: s.auditDbPath });
  try {
    const entries: AuditEntry[] = [];
    for await (const entry of store.entries()) entries.push(entry);
    return entries;
  } finally {
    await store.close();
  }
}

async function confirmFlow(s: LocalStack, order: string, reason: string, as = DEFAULT_ACTOR) {
  const ack = await s.command(order, as);
  expect(ack.statusCode).toBe(200);
  const view = await s.openedView();
  const submitted = await s.submit(view, reason, as);
  expect(submitted.statusCode).toBe(200);
  return { view, submitted };
}

describe('/cancel-stockin end to end over HTTP', () => {
  it('cancels an order in editing state after confirmation, posts one outcome and records it', async () => {
    const s = await start();
    const ack = await s.command(`  #${EDITING_ORDER.toLowerCase()} `);
    expect(ack.statusCode).toBe(200);
    const view = await s.openedView();
    expect(JSON.stringify(view.blocks)).toContain(EDITING_ORDER);
    expect(view.submit?.text).toBe('Cancel order');

    const submitted = await s.submit(view, 'Supplier shipped the wrong goods');
    expect(submitted.json).toMatchObject({ response_action: 'update' });

    const post = await s.slack.waitFor(
      (c) => c.method === 'chat.postMessage' && c.args.channel === 'C0STOCKOPS',
    );
    const posted = JSON.stringify(post.args.blocks);
    expect(posted).toContain('Cancelled');
    expect(posted).toContain(EDITING_ORDER);
    expect(posted).toContain(`<@${DEFAULT_ACTOR.id}>`);
    expect(posted).toContain('Supplier shipped the wrong goods');
    expect(posted).toMatch(/UTC/);
    expect(posted).toMatch(/Asia\/Shanghai/);

    expect(cancelCalls(s)).toHaveLength(1);
    expect(cancelCalls(s)[0]?.body).toEqual([EDITING_ORDER]);
    expect(s.wdt.orders.get(EDITING_ORDER)?.status).toBe(10);

    // The first views.update is the preview; a later one shows the outcome in the dialog. The channel's post
    // goes through the outbox, so the dialog may show the outcome before or after it.
    await s.slack.waitFor(
      (c) => c.method === 'views.update' && JSON.stringify(c.args.view).includes('Cancelled'),
    );
    const entries = await eventually(async () => {
      const all = await auditEntries(s);
      return all.at(-1)?.event === 'notified' && all;
    });
    expect(entries.map((e) => e.event)).toEqual([
      'requested',
      'confirmed',
      'calling',
      'cancelled',
      'notified',
    ]);
    const last = entries.at(-1)!;
    expect(posted).toContain(last.record.attemptId);
    expect(last.record).toMatchObject({
      orderNo: EDITING_ORDER,
      reason: 'Supplier shipped the wrong goods',
      wdtOutcome: 'ok',
      notifiedVia: 'channel',
    });
    expect(last.record.slackTs).toBeTruthy();
  });

  it('reports a WDT refusal with its status and message', async () => {
    // The order leaves editing state between the bot's last look and its cancel: only WDT can refuse then.
    const s = await start();
    await s.command(EDITING_ORDER);
    const view = await s.openedView();
    s.wdt.faults.set({ answerDelayMs: 300 }, QUERY);
    const queriesBefore = s.wdt.calls.filter((c) => c.method === QUERY).length;
    await s.submit(view, 'duplicate receipt');
    await eventually(() => s.wdt.calls.filter((c) => c.method === QUERY).length > queriesBefore);
    s.wdt.orders.get(EDITING_ORDER)!.status = 80;
    const post = await s.slack.waitFor('chat.postMessage', { timeoutMs: 5_000 });
    const posted = JSON.stringify(post.args.blocks);
    expect(posted).toContain('Refused by WDT');
    expect(posted).toContain('入库单状态不为编辑中');
    expect(posted).toContain('status 100');
    const entries = await auditEntries(s);
    expect(entries.find((e) => e.event === 'refused')?.record.wdtStatus).toBe(100);
  });

  it.each(['hello', 'RK2006030008 <!channel>', `RK${'9'.repeat(3000)}`, 'RK2006\u200b030008'])(
    'answers bad input %j with an ephemeral usage and does nothing else',
    async (text) => {
      const s = await start();
      const ack = await s.command(text);
      expect(ack.statusCode).toBe(200);
      expect(ack.json).toMatchObject({ response_type: 'ephemeral' });
      expect(JSON.stringify(ack.json)).toContain('/cancel-stockin RK2006030008');
      expect(JSON.stringify(ack.json)).not.toContain('<!channel>');
      await new Promise((r) => setTimeout(r, 100));
      expect(s.slack.callsTo('views.open')).toHaveLength(0);
      expect(businessCalls(s)).toHaveLength(0);
      expect(await auditEntries(s)).toHaveLength(0);
    },
  );

  it('shows usage for the bare command and for help', async () => {
    const s = await start();
    for (const text of ['', 'help']) {
      const ack = await s.command(text);
      expect(JSON.stringify(ack.json)).toContain('/cancel-stockin RK2006030008');
    }
    expect(s.slack.callsTo('views.open')).toHaveLength(0);
  });

  it('refuses someone not allowed, tells them privately and audits the refusal', async () => {
    const s = await start();
    await s.command(EDITING_ORDER, MALLORY);
    const reply = await s.slack.waitFor('response_url');
    expect(reply.args).toMatchObject({ response_type: 'ephemeral' });
    expect(String(reply.args.text)).toContain('not allowed');
    expect(s.slack.callsTo('views.open')).toHaveLength(0);
    expect(businessCalls(s)).toHaveLength(0);
    const entries = await auditEntries(s);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ event: 'denied', record: { requesterId: MALLORY.id } });
  });

  it('refuses a confirmation submitted by someone other than the requester, and audits it (19.10)', async () => {
    const s = await start({ env: { CANCEL_ALLOWED_USERS: `${DEFAULT_ACTOR.id},${BOB.id}` } });
    await s.command(EDITING_ORDER);
    const view = await s.openedView();
    expect((await s.submit(view, 'not mine to confirm', BOB)).statusCode).toBe(200);
    await s.slack.waitFor(
      (c) => c.method === 'views.update' && JSON.stringify(c.args.view).includes(en.notRequester),
      { timeoutMs: 5_000 },
    );
    expect(cancelCalls(s)).toHaveLength(0);
    const entries = await eventually(async () => {
      const all = await auditEntries(s);
      return all.some((e) => e.event === 'denied') && all;
    });
    expect(entries.map((e) => e.event)).toEqual(['requested', 'denied']);
    expect(entries[1]!.record).toMatchObject({
      requesterId: BOB.id,
      batchId: entries[0]!.record.batchId,
      orderNo: EDITING_ORDER,
      detail: 'confirmation refused: only the requester can confirm',
    });
    expect(entries[1]!.record.attemptId).not.toBe(entries[0]!.record.attemptId);
  });

  it('refuses everybody, and says so, when no allowlist is configured', async () => {
    const s = await start({ env: { CANCEL_ALLOWED_USERS: '' } });
    await s.command(EDITING_ORDER);
    const reply = await s.slack.waitFor('response_url');
    expect(String(reply.args.text)).toContain('CANCEL_ALLOWED_USERS');
    expect(s.slack.callsTo('views.open')).toHaveLength(0);
  });

  it('lets a member of an allowed user group cancel', async () => {
    const s = await start({
      env: { CANCEL_ALLOWED_USERS: '', CANCEL_ALLOWED_USERGROUPS: 'S0BUYERS' },
      usergroups: { S0BUYERS: [BOB.id] },
    });
    await confirmFlow(s, EDITING_ORDER, 'group member', BOB);
    const post = await s.slack.waitFor('chat.postMessage');
    expect(JSON.stringify(post.args.blocks)).toContain('Cancelled');
    expect(s.slack.callsTo('usergroups.users.list').length).toBeGreaterThanOrEqual(1);
    expect(cancelCalls(s)).toHaveLength(1);
  });

  it('rejects forged and stale signatures with 401', async () => {
    const s = await start();
    const body = buildSlashCommandBody({ text: EDITING_ORDER, response_url: s.slack.responseUrl() });
    const forged = await postToBolt(s.url, body, { signingSecret: 'not-the-secret' });
    expect(forged.statusCode).toBe(401);
    const stale = await postToBolt(s.url, body, {
      signingSecret: LOCAL_SIGNING_SECRET,
      timestampSec: Math.floor(Date.now() / 1000) - 10 * 60,
    });
    expect(stale.statusCode).toBe(401);
    await new Promise((r) => setTimeout(r, 100));
    expect(s.slack.callsTo('views.open')).toHaveLength(0);
  });

  it('makes one WDT call when the submit button is clicked three times', async () => {
    const s = await start();
    await s.command(EDITING_ORDER);
    const view = await s.openedView();
    const answers = await Promise.all([1, 2, 3].map(() => s.submit(view, 'triple click')));
    for (const answer of answers) expect(answer.statusCode).toBe(200);
    await s.slack.waitFor('chat.postMessage');
    await new Promise((r) => setTimeout(r, 200));
    expect(cancelCalls(s)).toHaveLength(1);
    expect(s.slack.callsTo('chat.postMessage')).toHaveLength(1);
  });

  it('makes one WDT call when two people confirm the same order at once, and tells the second', async () => {
    const s = await start({ env: { CANCEL_ALLOWED_USERS: `${DEFAULT_ACTOR.id},${BOB.id}` } });
    s.wdt.faults.set({ latencyMs: 300 });
    await s.command(EDITING_ORDER, DEFAULT_ACTOR);
    const first = await s.openedView();
    await s.command(EDITING_ORDER, BOB);
    const second = await s.openedView();
    await Promise.all([s.submit(first, 'me first', DEFAULT_ACTOR), s.submit(second, 'no, me', BOB)]);
    await s.slack.waitFor('chat.postMessage');
    const busy = await s.slack.waitFor(
      (c) => c.method === 'chat.postEphemeral' && String(c.args.text).includes('already being cancelled'),
    );
    expect([DEFAULT_ACTOR.id, BOB.id]).toContain(busy.args.user);
    expect(cancelCalls(s)).toHaveLength(1);
  });

  it('records no verdict yet, keeps the order locked and never retries when WDT hangs on the cancel', async () => {
    const s = await start({ env: { WDT_TIMEOUT_MS: '400' } });
    s.wdt.faults.set({ hang: true }, CANCEL);
    await confirmFlow(s, EDITING_ORDER, 'hang');
    const post = await s.slack.waitFor('chat.postMessage', { timeoutMs: 5_000 });
    expect(JSON.stringify(post.args.blocks)).toContain('Outcome not known yet');
    expect(cancelCalls(s)).toHaveLength(1);
    const entries = await auditEntries(s);
    expect(entries.find((e) => e.event === 'awaiting_verdict')?.record.wdtOutcome).toBe('unknown');
    expect(entries.some((e) => e.event === 'unknown')).toBe(false);
  });

  it('treats an HTTP 500 page for the cancel as no answer, not a failure', async () => {
    const s = await start();
    s.wdt.faults.set({ http500Html: true }, CANCEL);
    await confirmFlow(s, EDITING_ORDER, '500');
    const post = await s.slack.waitFor('chat.postMessage');
    expect(JSON.stringify(post.args.blocks)).toContain('Outcome not known yet');
    expect(cancelCalls(s)).toHaveLength(1);
  });

  it('sends nothing when WDT answers no call: the status check under the lock fails first', async () => {
    const s = await start();
    s.wdt.faults.set({ http500Html: true });
    await confirmFlow(s, EDITING_ORDER, '500 everywhere');
    const post = await s.slack.waitFor('chat.postMessage');
    expect(JSON.stringify(post.args.blocks)).toContain('Failed before reaching WDT');
    expect(cancelCalls(s)).toHaveLength(0);
    const failed = (await auditEntries(s)).find((e) => e.event === 'failed');
    expect(failed?.record).toMatchObject({ wdtOutcome: 'not_sent' });
    expect(failed?.record.detail).toMatch(/^not sent: status look-up failed/);
  });

  it('escapes an injected reason so it cannot ping or forge links', async () => {
    const s = await start();
    await confirmFlow(s, EDITING_ORDER, '<!channel> <https://evil.example|click here> <@U0BOSS>');
    const post = await s.slack.waitFor('chat.postMessage');
    const posted = JSON.stringify(post.args);
    expect(posted).not.toContain('<!channel>');
    expect(posted).not.toContain('<https://evil.example');
    expect(posted).not.toContain('<@U0BOSS>');
    expect(posted).toContain('&lt;!channel&gt;');
  });

  it('refuses an empty reason with a field error and changes nothing', async () => {
    const s = await start();
    await s.command(EDITING_ORDER);
    const view = await s.openedView();
    const answer = await s.submit(view, '   ');
    expect(answer.json).toMatchObject({ response_action: 'errors' });
    expect(cancelCalls(s)).toHaveLength(0);
  });

  it('keeps secrets out of every log line, even at trace level', async () => {
    const log = memoryLog();
    const s = await start({ logDestination: log.destination, logLevel: 'trace' });
    await confirmFlow(s, EDITING_ORDER, 'logging');
    await s.slack.waitFor('chat.postMessage');
    s.wdt.faults.set({ http500Html: true });
    const other = [...s.wdt.orders.values()].find((o) => o.status === 20 && o.stockinNo !== EDITING_ORDER)!;
    await confirmFlow(s, other.stockinNo, 'logging again');
    await s.slack.waitFor(
      (c) => c.method === 'chat.postMessage' && JSON.stringify(c.args).includes(other.stockinNo),
    );
    const text = log.text();
    expect(log.lines.length).toBeGreaterThan(10);
    const secret = SANDBOX_CREDENTIALS.appSecret.split(':')[0]!;
    for (const forbidden of [LOCAL_BOT_TOKEN, LOCAL_SIGNING_SECRET, secret, 'sign=']) {
      expect(text).not.toContain(forbidden);
    }
  });
});
