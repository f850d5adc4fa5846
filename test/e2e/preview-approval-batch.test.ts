import { afterEach, describe, expect, it } from 'vitest';
import { sharedClock } from '../../src/audit/sqlite/shared-clock.js';
import { openSqliteAuditStore } from '../../src/audit/sqlite/store.js';
import type { AuditEntry } from '../../src/core/ports/audit.js';
import { type LocalStack, type Person, startLocalStack } from '../../src/local/demo/local-stack.js';
import { DEFAULT_ACTOR } from '../../src/local/slack-standin/payloads.js';
import { Approval } from '../../src/slack/ids.js';
import { en } from '../../src/slack/texts/en.js';
import { eventually } from '../support/process-stack.js';

const OPERATOR: Person = DEFAULT_ACTOR;
const BOB: Person = { id: 'U0BOBAPPROVE', name: 'bob' };
const CAROL: Person = { id: 'U0CAROLAPPR', name: 'carol' };
const MALLORY: Person = { id: 'U0MALLORY1', name: 'mallory' };
const EDITING = 'RK2006030008';
const EDITING_2 = 'RK2006030009';
const PENDING_REVIEW = 'RK2006020003';
const COMPLETED = 'RK2006020015';
const MISSING = 'RK2099010101';
const CANCEL = 'wms.stockin.Purchase.cancel';
const PEER = {
  APPROVAL_MODE: 'peer',
  CANCEL_ALLOWED_USERS: `${OPERATOR.id},${BOB.id},${CAROL.id}`,
};

let stack: LocalStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

async function start(options: Parameters<typeof startLocalStack>[0] = {}): Promise<LocalStack> {
  stack = await startLocalStack(options);
  return stack;
}

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

/** The one message the bot posted in the channel, as it stands now. */
async function postedMessage(s: LocalStack) {
  const call = await s.slack.waitFor(
    (c) => c.method === 'chat.postMessage' && c.args.channel === 'C0STOCKOPS',
    {
      timeoutMs: 5_000,
    },
  );
  const ts = (call.answer?.body as { ts?: string } | undefined)?.ts ?? '';
  return () => s.slack.messages.get(ts)!;
}

const hasButtons = (blocks: unknown) => JSON.stringify(blocks).includes(Approval.approveAction);

async function ephemeralTo(s: LocalStack, person: Person, text: string) {
  return s.slack.waitFor(
    (c) =>
      c.method === 'chat.postEphemeral' && c.args.user === person.id && String(c.args.text).includes(text),
    { timeoutMs: 5_000 },
  );
}

/** Command, preview, confirm in peer mode: resolves to the approval request message (live). */
async function requestApproval(s: LocalStack, orders = EDITING) {
  await s.command(orders, OPERATOR);
  await s.submit(await s.openedView(), 'supplier sent the wrong goods', OPERATOR);
  return postedMessage(s);
}

describe('preview before confirming', () => {
  it('opens at once with "Looking up", then shows the order as WDT sees it, updated with the view hash', async () => {
    const s = await start();
    await s.command(EDITING);
    const opened = await s.slack.waitFor('views.open');
    expect(JSON.stringify(opened.args.view)).toContain('Looking up');
    expect((opened.args.view as { submit?: unknown }).submit).toBeUndefined();
    const view = await s.openedView();
    const update = s.slack.callsTo('views.update')[0]!;
    expect(update.args.hash).toBe(
      (opened.answer?.body as { view?: { hash?: string } } | undefined)?.view?.hash ?? '',
    );
    const text = JSON.stringify(view.blocks);
    for (const shown of [
      '20 编辑中 (editing)',
      'HZ-XS01',
      '义乌市恒达日用品有限公司',
      'CG2006030005',
      '王芳',
    ]) {
      expect(text).toContain(shown);
    }
    expect(text).toContain('不锈钢保温杯');
    expect(text).toContain('到货待清点');
    expect(text).toContain('240 pcs');
    expect(view.submit?.text).toBe('Cancel order');
  });

  it('explains why an order outside editing state cannot be cancelled: no submit, never a cancel call', async () => {
    const s = await start();
    await s.command(PENDING_REVIEW);
    const view = await s.openedView();
    expect(view.submit).toBeNull();
    const text = JSON.stringify(view.blocks);
    expect(text).toContain('30 待审核 (pending review)');
    expect(text).toContain('Only orders in');
    await new Promise((r) => setTimeout(r, 100));
    expect(cancelCalls(s)).toHaveLength(0);
    const entries = await auditEntries(s);
    expect(entries.map((e) => e.event)).toEqual(['requested', 'failed']);
    expect(entries[1]!.record.statusBefore).toBe(30);
  });

  it('says "not found in the last N days" and allows confirming only with ALLOW_UNVERIFIED', async () => {
    const s = await start({ env: { LOOKUP_DAYS: '45' } });
    await s.command(MISSING);
    const view = await s.openedView();
    expect(JSON.stringify(view.blocks)).toContain('Not found in the last 45 days');
    expect(view.submit).toBeNull();
    // 45 days is searched in two windows: WDT allows at most 30 days per query.
    expect(s.wdt.calls.filter((c) => c.method === 'wms.stockin.Purchase.queryWithDetail')).toHaveLength(2);
    await s.stop();

    const allowed = await start({ env: { ALLOW_UNVERIFIED: 'true' } });
    await allowed.command(MISSING);
    const unverified = await allowed.openedView();
    expect(JSON.stringify(unverified.blocks)).toContain('You may still confirm');
    expect(unverified.submit?.text).toBe('Cancel order');
  });
});

describe('four-eyes approval', () => {
  it('posts a request, cancels once someone else approves, and updates the same message in place', async () => {
    const s = await start({ env: PEER });
    await s.command(EDITING, OPERATOR);
    const view = await s.openedView();
    expect(view.submit?.text).toBe('Request approval');
    await s.submit(view, 'supplier sent the wrong goods', OPERATOR);
    const message = await postedMessage(s);
    expect(JSON.stringify(message().blocks)).toContain('Approval needed');
    expect(hasButtons(message().blocks)).toBe(true);
    expect(cancelCalls(s)).toHaveLength(0);

    await s.driver.clickMessageButton(message(), Approval.approveAction, BOB);
    await eventually(() => JSON.stringify(message().blocks).includes('Finished'));
    const final = JSON.stringify(message().blocks);
    expect(final).toContain('Cancelled');
    expect(final).toContain(`Approved by <@${BOB.id}>`);
    expect(hasButtons(message().blocks)).toBe(false);
    expect(message().edits).toBeGreaterThanOrEqual(2);
    expect(s.slack.callsTo('chat.postMessage')).toHaveLength(1);
    expect(cancelCalls(s)).toHaveLength(1);

    const entries = await eventually(async () => {
      const all = await auditEntries(s);
      return all.at(-1)?.event === 'notified' && all.some((e) => e.event === 'cancelled') && all;
    });
    expect(entries.map((e) => e.event)).toEqual([
      'requested',
      'confirmed',
      'notified',
      'approved',
      'calling',
      'cancelled',
      'notified',
    ]);
    expect(entries.at(-1)!.record).toMatchObject({
      approverIds: [BOB.id],
      statusBefore: 20,
      state: 'cancelled',
    });
    // The finished message keeps a copy of the chain's head as it was once the outcome was recorded.
    const outcome = entries.find((e) => e.event === 'cancelled')!;
    expect(final).toContain(`Audit chain head: entry #${outcome.seq} \`${outcome.hash}\``);
  });

  it('refuses self-approval with a private explanation, audits the click, and changes nothing', async () => {
    const s = await start({ env: PEER });
    const message = await requestApproval(s);
    await s.driver.clickMessageButton(message(), Approval.approveAction, OPERATOR);
    await ephemeralTo(s, OPERATOR, en.selfApproval);
    expect(cancelCalls(s)).toHaveLength(0);
    expect(hasButtons(message().blocks)).toBe(true);
    const denied = (await auditEntries(s)).filter((e) => e.event === 'denied');
    expect(denied).toHaveLength(1);
    expect(denied[0]!.record).toMatchObject({ requesterId: OPERATOR.id });
    expect(denied[0]!.record.detail).toContain('self-approval');
  });

  it('refuses someone who may not approve, and audits the click', async () => {
    const s = await start({ env: { ...PEER, CANCEL_APPROVERS: BOB.id } });
    const message = await requestApproval(s);
    await s.driver.clickMessageButton(message(), Approval.approveAction, MALLORY);
    await ephemeralTo(s, MALLORY, en.notApprover);
    await s.driver.clickMessageButton(message(), Approval.approveAction, CAROL);
    await ephemeralTo(s, CAROL, en.notApprover);
    expect(cancelCalls(s)).toHaveLength(0);
    const denied = (await auditEntries(s)).filter((e) => e.event === 'denied');
    expect(denied.map((e) => e.record.requesterId).sort()).toEqual([CAROL.id, MALLORY.id].sort());
  });

  it('re-checks the requester when approving: removed from the allowed group, the click sends nothing (19.2)', async () => {
    // The bot's clock and its store's, ahead of real time by what the test says.
    const clock = sharedClock(new Date(), 'offset');
    const s = await start({
      env: {
        APPROVAL_MODE: 'peer',
        CANCEL_ALLOWED_USERS: '',
        CANCEL_ALLOWED_USERGROUPS: 'S0BUYERS',
        CANCEL_APPROVERS: BOB.id,
      },
      usergroups: { S0BUYERS: [OPERATOR.id] },
      clock,
    });
    const message = await requestApproval(s);
    s.slack.membership.setUsergroup('S0BUYERS', []);
    // Past the 60 s group cache: the bot must ask Slack again, and learn the requester left the group.
    clock.advance(61_000);
    await s.driver.clickMessageButton(message(), Approval.approveAction, BOB);
    await ephemeralTo(s, BOB, en.requesterNoLongerAllowed);
    await eventually(() => !hasButtons(message().blocks));
    expect(JSON.stringify(message().blocks)).toContain(en.requesterRevokedHeadline);
    expect(cancelCalls(s)).toHaveLength(0);
    // The request's message, rewritten with the refusal, is noted on the record once more.
    const entries = await eventually(async () => {
      const all = await auditEntries(s);
      return all.at(-1)?.event === 'notified' && all;
    });
    expect(entries.map((e) => e.event)).toEqual(['requested', 'confirmed', 'notified', 'denied', 'notified']);
    expect(entries.find((e) => e.event === 'denied')!.record).toMatchObject({
      requesterId: OPERATOR.id,
      approverIds: [BOB.id],
      state: 'denied',
      detail: 'approval refused: the requester may no longer cancel (not_listed)',
    });
  });

  it('expires after APPROVAL_TTL_MINUTES: a late click is refused, and the sweep marks and updates the rest', async () => {
    // The bot's clock and its store's, ahead of real time by what the test says.
    const clock = sharedClock(new Date(), 'offset');
    const s = await start({ env: { ...PEER, APPROVAL_TTL_MINUTES: '30' }, clock });
    const first = await requestApproval(s);
    await s.command(EDITING_2, OPERATOR);
    await s.submit(await s.openedView(), 'second', OPERATOR);
    await eventually(() => s.slack.callsTo('chat.postMessage').length === 2);
    const secondTs =
      (s.slack.callsTo('chat.postMessage')[1]!.answer?.body as { ts?: string } | undefined)?.ts ?? '';

    clock.advance(29 * 60_000);
    expect(await s.bot.expireApprovals()).toBe(0);
    clock.advance(2 * 60_000);
    await s.driver.clickMessageButton(first(), Approval.approveAction, BOB);
    await ephemeralTo(s, BOB, en.approvalExpired);
    await eventually(() => JSON.stringify(first().blocks).includes('Expired'));
    expect(hasButtons(first().blocks)).toBe(false);

    expect(await s.bot.expireApprovals()).toBe(1);
    const second = () => s.slack.messages.get(secondTs)!;
    await eventually(() => JSON.stringify(second().blocks).includes('Expired'));
    expect(hasButtons(second().blocks)).toBe(false);
    expect(await s.bot.expireApprovals()).toBe(0);
    expect(cancelCalls(s)).toHaveLength(0);
    const expired = (await auditEntries(s)).filter((e) => e.event === 'expired');
    expect(expired.map((e) => e.record.orderNo).sort()).toEqual([EDITING, EDITING_2]);
  });

  it('rejects with a reason asked in a small dialog; the message says who and why, and nothing is sent', async () => {
    const s = await start({ env: PEER });
    const message = await requestApproval(s);
    await s.driver.clickMessageButton(message(), Approval.rejectAction, BOB);
    const opened = await s.slack.waitFor(
      (c) => c.method === 'views.open' && c.seq > 2 && JSON.stringify(c.args.view).includes('reject'),
    );
    const id = (opened.answer?.body as { view?: { id?: string } } | undefined)?.view?.id ?? '';
    await s.driver.submitRejection(s.slack.views.get(id)!, 'wrong supplier <!channel>', BOB);
    await eventually(() => JSON.stringify(message().blocks).includes('Rejected'));
    const text = JSON.stringify(message().blocks);
    expect(text).toContain(`Rejected by <@${BOB.id}>`);
    expect(text).toContain('wrong supplier &lt;!channel&gt;');
    expect(hasButtons(message().blocks)).toBe(false);
    expect(cancelCalls(s)).toHaveLength(0);
    const rejected = (await auditEntries(s)).find((e) => e.event === 'rejected')!;
    expect(rejected.record).toMatchObject({ approverIds: [BOB.id], detail: 'wrong supplier <!channel>' });
  });

  it('makes one decision when two approvers click at once, and tells the second', async () => {
    const s = await start({ env: PEER });
    s.wdt.faults.set({ latencyMs: 200 }, CANCEL);
    const message = await requestApproval(s);
    const snapshot = message();
    await Promise.all([
      s.driver.clickMessageButton(snapshot, Approval.approveAction, BOB),
      s.driver.clickMessageButton(snapshot, Approval.approveAction, CAROL),
      s.driver.clickMessageButton(snapshot, Approval.approveAction, BOB),
    ]);
    await eventually(() => JSON.stringify(message().blocks).includes('Finished'));
    await eventually(() => s.slack.callsTo('chat.postEphemeral').length >= 2);
    expect(cancelCalls(s)).toHaveLength(1);
    const approved = (await auditEntries(s)).filter((e) => e.event === 'approved');
    expect(approved).toHaveLength(1);
    expect(
      s.slack.callsTo('chat.postEphemeral').every((c) => String(c.args.text) === en.alreadyDecided),
    ).toBe(true);
  });
});

describe('batches', () => {
  it('previews 5 mixed orders in one dialog, cancels the 2 cancellable ones, one message, one record each', async () => {
    const s = await start();
    await s.command(`${EDITING}, ${PENDING_REVIEW}\n${COMPLETED} ${MISSING} ${EDITING_2} ${EDITING}`);
    const view = await s.openedView();
    const text = JSON.stringify(view.blocks);
    expect(text).toContain('2 of 5 orders can be cancelled');
    for (const excluded of [PENDING_REVIEW, COMPLETED, MISSING])
      expect(text).toContain(`~${excluded}~ (excluded)`);
    expect(view.submit?.text).toBe('Cancel 2 orders');

    await s.submit(view, 'batch clean-up');
    const message = await postedMessage(s);
    await eventually(() => JSON.stringify(message().blocks).includes('Finished'));
    const final = JSON.stringify(message().blocks);
    for (const order of [EDITING, EDITING_2, PENDING_REVIEW, COMPLETED, MISSING])
      expect(final).toContain(order);
    expect(final).toContain('2 × Cancelled');
    // Rewritten in place: progress the channel had no time to see is folded into the next edit.
    expect(message().edits).toBeGreaterThanOrEqual(1);
    expect(s.slack.callsTo('chat.postMessage')).toHaveLength(1);
    expect(cancelCalls(s).map((c) => c.body)).toEqual(expect.arrayContaining([[EDITING], [EDITING_2]]));
    expect(cancelCalls(s)).toHaveLength(2);

    const entries = await auditEntries(s);
    const attempts = new Map(entries.map((e) => [e.record.attemptId, e.record]));
    expect(attempts.size).toBe(5);
    expect(new Set([...attempts.values()].map((r) => r.batchId)).size).toBe(1);
    const byOrder = Object.fromEntries([...attempts.values()].map((r) => [r.orderNo, r.state]));
    expect(byOrder).toEqual({
      [EDITING]: 'cancelled',
      [EDITING_2]: 'cancelled',
      [PENDING_REVIEW]: 'failed',
      [COMPLETED]: 'failed',
      [MISSING]: 'failed',
    });
  });

  it('refuses more than MAX_BATCH orders with the usage', async () => {
    const s = await start({ env: { MAX_BATCH: '2' } });
    const answer = await s.command(`${EDITING} ${EDITING_2} RK2006030010`);
    expect(JSON.stringify(answer.json)).toContain('At most 2 order numbers');
    expect(s.slack.callsTo('views.open')).toHaveLength(0);
  });
});

describe('help and App Home', () => {
  it('shows each person only what they may do', async () => {
    const s = await start({ env: { APPROVAL_MODE: 'peer', CANCEL_APPROVERS: BOB.id } });
    const operator = JSON.stringify((await s.command('help', OPERATOR)).json);
    expect(operator).toContain('You may *request* cancels');
    expect(operator).toContain('Approval mode:* peer');
    expect(operator).not.toContain('approve or reject');
    const bob = JSON.stringify((await s.command('help', BOB)).json);
    expect(bob).toContain('approve or reject');
    expect(bob).not.toContain('You may *request*');
    expect(bob).not.toContain('RK2006030008 RK2006030009');
    const mallory = JSON.stringify((await s.command('help', MALLORY)).json);
    expect(mallory).toContain('You may not request or approve');
    expect(mallory).not.toContain('/cancel-stockin RK');
  });

  it('publishes my requests, approvals I may act on (whose buttons work), and recent cancellations', async () => {
    const s = await start({ env: PEER });
    s.slack.membership.setChannel('C0STOCKOPS', { isPrivate: false, members: [OPERATOR.id, BOB.id] });
    await requestApproval(s);
    await s.driver.openHome(OPERATOR);
    await eventually(() => s.slack.homeViews.get(OPERATOR.id));
    const mine = JSON.stringify(s.slack.homeViews.get(OPERATOR.id)!.blocks);
    expect(mine).toContain(EDITING);
    expect(mine).toContain('Nothing is waiting for your approval');

    await s.driver.openHome(BOB);
    const bobHome = await eventually(() => s.slack.homeViews.get(BOB.id));
    expect(JSON.stringify(bobHome.blocks)).toContain('Waiting for your approval');
    expect(hasButtons(bobHome.blocks)).toBe(true);
    await s.driver.clickHomeButton(bobHome, Approval.approveAction, BOB);
    await eventually(() => cancelCalls(s).length === 1 && s.slack.callsTo('views.publish').length >= 3);
    const after = await eventually(() => {
      const home = JSON.stringify(s.slack.homeViews.get(BOB.id)!.blocks);
      return home.includes('Nothing is waiting') && home;
    });
    expect(after).toContain(EDITING);
    expect(after).toContain(en.homeRecentCancellations);
  });

  it('shows recent cancellations only to who may request or approve, and only from their channels (19.9)', async () => {
    const s = await start({ env: { CANCEL_ALLOWED_USERS: `${OPERATOR.id},${BOB.id}` } });
    s.slack.membership.setChannel('C0STOCKOPS', {
      isPrivate: false,
      members: [OPERATOR.id, BOB.id, MALLORY.id],
    });
    s.slack.membership.setChannel('G0SECRET01', { isPrivate: true, members: [OPERATOR.id] });
    await s.command(EDITING, OPERATOR);
    await s.submit(await s.openedView(), 'wrong goods', OPERATOR);
    await s.command(EDITING_2, OPERATOR, { id: 'G0SECRET01', name: 'secret-buying' });
    await s.submit(await s.openedView(), 'wrong goods', OPERATOR);
    await eventually(async () => (await auditEntries(s)).filter((e) => e.event === 'cancelled').length === 2);

    const homeOf = async (person: Person) => {
      const before = s.slack.callsTo('views.publish').length;
      await s.driver.openHome(person);
      await eventually(() => s.slack.callsTo('views.publish').length > before);
      return JSON.stringify(s.slack.homeViews.get(person.id)!.blocks);
    };
    const operator = await homeOf(OPERATOR);
    expect(operator).toContain(en.homeRecentCancellations);
    expect(operator).toContain(EDITING);
    expect(operator).toContain(EDITING_2);

    const bob = await homeOf(BOB);
    expect(bob).toContain(en.homeRecentCancellations);
    expect(bob).toContain(EDITING);
    expect(bob).not.toContain(EDITING_2);

    const mallory = await homeOf(MALLORY);
    expect(mallory).toContain(en.homeTitle);
    expect(mallory).not.toContain(en.homeRecentCancellations);
    expect(mallory).not.toContain(EDITING);
    expect(mallory).not.toContain(EDITING_2);
  });

  it('shows no recent cancellations when the channel look-up fails, and says why (19.9)', async () => {
    const s = await start({ env: { CANCEL_ALLOWED_USERS: `${OPERATOR.id},${BOB.id}` } });
    s.slack.membership.setChannel('C0STOCKOPS', { isPrivate: false, members: [OPERATOR.id, BOB.id] });
    await s.command(EDITING, OPERATOR);
    await s.submit(await s.openedView(), 'wrong goods', OPERATOR);
    await eventually(async () => (await auditEntries(s)).some((e) => e.event === 'cancelled'));
    s.slack.faults.set('users.conversations', { error: 'missing_scope' });
    await s.driver.openHome(BOB);
    const bob = JSON.stringify((await eventually(() => s.slack.homeViews.get(BOB.id))).blocks);
    expect(bob).toContain(en.homeChannelsUnknown);
    expect(bob).not.toContain(EDITING);
  });
});
