import { describe, expect, it } from 'vitest';
import type { LocalStack, Person } from '../../src/local/demo/local-stack.js';
import { DEFAULT_ACTOR, DEFAULT_CHANNEL } from '../../src/local/slack-standin/payloads.js';
import { Approval, ConfirmModal } from '../../src/slack/ids.js';
import { en } from '../../src/slack/texts/en.js';
import { zhCN } from '../../src/slack/texts/zh-cn.js';
import { auditEntriesAt } from '../support/local-stack-audit.js';
import { localStackPerTest } from '../support/local-stack-per-test.js';
import { firstPostedMessage } from '../support/posted-message.js';
import { eventually } from '../support/process-stack.js';

const OPERATOR: Person = DEFAULT_ACTOR;
const BOB: Person = { id: 'U0BOBAPPROVE', name: 'bob' };
const MALLORY: Person = { id: 'U0MALLORY1', name: 'mallory' };
const CANCEL = 'wms.stockin.Purchase.cancel';
const ALERT_TS = '1700000999.000100';
const alert = (
  text: string,
  extra: { blocks?: unknown[]; attachments?: unknown[]; thread_ts?: string } = {},
) => ({
  ts: ALERT_TS,
  text,
  ...extra,
});

const start = localStackPerTest();

const cancelCalls = (s: LocalStack) => s.wdt.calls.filter((c) => c.method === CANCEL);

async function privateReply(s: LocalStack, text: string) {
  return s.slack.waitFor((c) => c.method === 'response_url' && String(c.args.text).includes(text), {
    timeoutMs: 5_000,
  });
}

describe('message shortcut "Cancel stock-in order…"', () => {
  it('finds the number in the message, opens the same dialog, and answers in the message thread', async () => {
    const s = await start();
    const ack = await s.driver.messageShortcut(alert('WDT 提醒：入库单 RK2006030008 到货有误，请取消。'));
    expect(ack.statusCode).toBe(200);
    const view = await s.openedView();
    expect(view.callback_id).toBe(ConfirmModal.callbackId);
    expect(JSON.stringify(view.blocks)).toContain('RK2006030008');
    await s.submit(view, 'wrong goods delivered');
    const post = await s.slack.waitFor('chat.postMessage', { timeoutMs: 5_000 });
    expect(post.args).toMatchObject({ channel: DEFAULT_CHANNEL.id, thread_ts: ALERT_TS });
    // The status change, not only the status before.
    expect(JSON.stringify(post.args.blocks)).toContain('20 编辑中 (editing) → 10 已取消 (cancelled)');
    expect(cancelCalls(s)).toHaveLength(1);
    const entries = await eventually(async () => {
      const all = await auditEntriesAt(s.auditDbPath);
      return all.at(-1)?.event === 'notified' && all;
    });
    expect(entries.map((e) => e.event)).toEqual([
      'requested',
      'confirmed',
      'calling',
      'cancelled',
      'notified',
    ]);
    expect(entries.at(-1)!.record).toMatchObject({ entryPoint: 'message_shortcut', threadTs: ALERT_TS });
  });

  it('reads numbers from blocks too, drops duplicates, and offers one batch dialog', async () => {
    const s = await start();
    const blocks = [
      { type: 'section', text: { type: 'mrkdwn', text: '*RK2006030009* and rk2006030008' } },
      {
        type: 'rich_text',
        elements: [{ type: 'rich_text_section', elements: [{ type: 'text', text: 'again RK2006030008' }] }],
      },
    ];
    await s.driver.messageShortcut(alert('cancel RK2006030008 please', { blocks }));
    const view = await s.openedView();
    const shown = JSON.stringify(view.blocks);
    expect(shown).toContain('2 of 2 orders can be cancelled');
    await s.submit(view, 'both wrong');
    await eventually(() => cancelCalls(s).length === 2);
    const requested = (await auditEntriesAt(s.auditDbPath)).filter((e) => e.event === 'requested');
    expect(requested.map((e) => e.record.orderNo)).toEqual(['RK2006030008', 'RK2006030009']);
  });

  it('reads a WDT alert forwarded by an incoming webhook, where the numbers live only in attachments', async () => {
    const s = await start();
    const forwarded = {
      color: '#d00000',
      fallback: '旺店通告警：采购入库异常',
      pretext: '旺店通告警',
      title: '采购入库异常 RK2006030009',
      fields: [
        { title: '入库单号', value: 'RK2006030008', short: true },
        { title: '仓库', value: 'WH01', short: true },
      ],
      footer: 'wdt-alerts',
    };
    await s.driver.messageShortcut(alert('', { attachments: [forwarded] }));
    const view = await s.openedView();
    expect(view.callback_id).toBe(ConfirmModal.callbackId);
    expect(JSON.stringify(view.blocks)).toContain('2 of 2 orders can be cancelled');
    await s.submit(view, 'alert says wrong goods');
    await eventually(() => cancelCalls(s).length === 2);
    const post = await s.slack.waitFor('chat.postMessage', { timeoutMs: 5_000 });
    expect(post.args.thread_ts).toBe(ALERT_TS);
  });

  it('refuses someone not on the allowlist privately, audits it, and opens no dialog', async () => {
    const s = await start();
    await s.driver.messageShortcut(alert('RK2006030008'), MALLORY);
    await privateReply(s, 'You are not allowed to cancel');
    expect(s.slack.callsTo('views.open')).toHaveLength(0);
    const entries = await auditEntriesAt(s.auditDbPath);
    expect(entries.map((e) => e.event)).toEqual(['denied']);
    expect(entries[0]!.record).toMatchObject({ requesterId: MALLORY.id, entryPoint: 'message_shortcut' });
    expect(cancelCalls(s)).toHaveLength(0);
  });

  it('refuses a message in a channel outside CANCEL_ALLOWED_CHANNELS', async () => {
    const s = await start({ env: { CANCEL_ALLOWED_CHANNELS: 'C0OTHERCHAN' } });
    await s.driver.messageShortcut(alert('RK2006030008'));
    await privateReply(s, 'cannot be cancelled from this channel');
    expect(s.slack.callsTo('views.open')).toHaveLength(0);
    expect((await auditEntriesAt(s.auditDbPath)).map((e) => e.record.detail)).toEqual([
      'request refused: channel_not_allowed',
    ]);
  });

  it('says so when the message holds no order number, shows the format, and records nothing', async () => {
    const s = await start();
    await s.driver.messageShortcut(alert('Lunch at 12? RK12345 is not a number, nor is XRK2006030008'));
    const open = await s.slack.waitFor('views.open', { timeoutMs: 5_000 });
    const text = JSON.stringify(open.args.view);
    expect(text).toContain('holds no stock-in order number');
    expect(text).toContain('RK2006030008');
    expect(JSON.stringify((open.args.view as { submit?: unknown }).submit ?? null)).toBe('null');
    expect(await auditEntriesAt(s.auditDbPath)).toHaveLength(0);
  });

  it('refuses a message with a hidden character inside a number, as the command does', async () => {
    const s = await start();
    await s.driver.messageShortcut(alert('RK200603\u200b0008'));
    const open = await s.slack.waitFor('views.open', { timeoutMs: 5_000 });
    expect(JSON.stringify(open.args.view)).toContain('hidden or control characters');
    expect(await auditEntriesAt(s.auditDbPath)).toHaveLength(0);
    expect(cancelCalls(s)).toHaveLength(0);
  });

  it('refuses more numbers than MAX_BATCH', async () => {
    const s = await start({ env: { MAX_BATCH: '2' } });
    await s.driver.messageShortcut(alert('RK2006030008 RK2006030009 RK2006020003'));
    const open = await s.slack.waitFor('views.open', { timeoutMs: 5_000 });
    expect(JSON.stringify(open.args.view)).toContain('At most 2 order numbers');
    expect(await auditEntriesAt(s.auditDbPath)).toHaveLength(0);
  });

  it('goes through peer approval, in the thread, and the requester cannot approve', async () => {
    const s = await start({
      env: { APPROVAL_MODE: 'peer', CANCEL_ALLOWED_USERS: `${OPERATOR.id},${BOB.id}` },
    });
    await s.driver.messageShortcut(alert('RK2006030008'));
    await s.submit(await s.openedView(), 'wrong goods');
    const post = await s.slack.waitFor('chat.postMessage', { timeoutMs: 5_000 });
    expect(post.args.thread_ts).toBe(ALERT_TS);
    const message = await firstPostedMessage(s.slack);
    await s.driver.clickMessageButton(message(), Approval.approveAction, OPERATOR);
    await s.slack.waitFor(
      (c) => c.method === 'chat.postEphemeral' && String(c.args.text).includes(en.selfApproval),
    );
    expect(cancelCalls(s)).toHaveLength(0);
    await s.driver.clickMessageButton(message(), Approval.approveAction, BOB);
    await eventually(() => JSON.stringify(message().blocks).includes('Finished'));
    expect(cancelCalls(s)).toHaveLength(1);
  });

  it("speaks the reader's language once it is known, and keeps channel posts in BOT_LOCALE", async () => {
    const s = await start({ userLocales: { [OPERATOR.id]: 'zh-CN' } });
    // The first request answers in BOT_LOCALE (nothing waits for users.info), and learns the locale after.
    await s.driver.messageShortcut(alert('nothing here'));
    await s.slack.waitFor('users.info', { timeoutMs: 5_000 });
    await s.driver.messageShortcut(alert('still nothing'));
    const opens = await eventually(
      () => s.slack.callsTo('views.open').length === 2 && s.slack.callsTo('views.open'),
    );
    expect(JSON.stringify(opens[0]!.args.view)).toContain('holds no stock-in order number');
    expect(JSON.stringify(opens[1]!.args.view)).toContain(zhCN.noOrdersInMessage.slice(0, 12));

    await s.driver.messageShortcut(alert('RK2006030008'));
    const view = await s.openedView();
    expect(view.title.text).toBe(zhCN.modalTitle);
    expect(JSON.stringify(view.blocks)).toContain('20 编辑中');
    expect(JSON.stringify(view.blocks)).not.toContain('(editing)');
    await s.submit(view, '到货错误');
    const post = await s.slack.waitFor('chat.postMessage', { timeoutMs: 5_000 });
    expect(JSON.stringify(post.args.blocks)).toContain('Cancelled');
  });
});
