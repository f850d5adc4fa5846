import { describe, expect, it } from 'vitest';
import type { LocalStack, Person } from '../../src/local/demo/local-stack.js';
import { DEFAULT_ACTOR, DEFAULT_CHANNEL } from '../../src/local/slack-standin/payloads.js';
import { Approval, ConfirmModal, GlobalShortcut } from '../../src/slack/ids.js';
import { auditEntriesAt } from '../support/local-stack-audit.js';
import { localStackPerTest } from '../support/local-stack-per-test.js';
import { firstPostedMessage } from '../support/posted-message.js';
import { eventually } from '../support/process-stack.js';

const OPERATOR: Person = DEFAULT_ACTOR;
const BOB: Person = { id: 'U0BOBAPPROVE', name: 'bob' };
const MALLORY: Person = { id: 'U0MALLORY1', name: 'mallory' };
const CANCEL = 'wms.stockin.Purchase.cancel';

const start = localStackPerTest();

const cancelCalls = (s: LocalStack) => s.wdt.calls.filter((c) => c.method === CANCEL);

/** The global shortcut, its dialog filled in and submitted: resolves to the ack and the dialog's next view. */
async function submitOrders(s: LocalStack, orders: string, channelId: string | null, as: Person = OPERATOR) {
  const dialog = await s.driver.globalShortcut(as);
  const from = s.slack.calls.length;
  const ack = await s.driver.submitGlobal(dialog, orders, channelId, as);
  return { dialog, ack, next: () => s.driver.updatedView(dialog.id, from) };
}

describe('global shortcut "Cancel stock-in order"', () => {
  it('asks for numbers and a channel, then the same preview and confirmation; the outcome goes there', async () => {
    const s = await start();
    const { ack, next } = await submitOrders(s, 'RK2006030008', DEFAULT_CHANNEL.id);
    expect(ack.json).toMatchObject({ response_action: 'update' });
    const preview = await next();
    expect(preview.callback_id).toBe(ConfirmModal.callbackId);
    expect(JSON.stringify(preview.blocks)).toContain('RK2006030008');
    await s.submit(preview, 'typed from the shortcuts menu');
    const post = await s.slack.waitFor('chat.postMessage', { timeoutMs: 5_000 });
    expect(post.args.channel).toBe(DEFAULT_CHANNEL.id);
    expect(post.args.thread_ts).toBeUndefined();
    expect(cancelCalls(s)).toHaveLength(1);
    const last = await eventually(async () => {
      const all = await auditEntriesAt(s.auditDbPath);
      return all.at(-1)?.event === 'notified' && all.at(-1);
    });
    expect(last.record).toMatchObject({ state: 'cancelled', entryPoint: 'global_shortcut' });
  });

  it('offers the first allowed channel as where the outcome goes', async () => {
    const s = await start({ env: { CANCEL_ALLOWED_CHANNELS: `${DEFAULT_CHANNEL.id},C0SECONDCH` } });
    const dialog = await s.driver.globalShortcut();
    const picker = JSON.stringify(dialog.blocks);
    expect(picker).toContain(GlobalShortcut.channelAction);
    expect(picker).toContain(`"initial_conversation":"${DEFAULT_CHANNEL.id}"`);
  });

  it('answers bad input with a field error in the ack, and records nothing', async () => {
    const s = await start();
    for (const [orders, error] of [
      ['hello', 'is not a stock-in order number'],
      ['', 'Type at least one order number'],
      ['RK2006030008\u200b', 'hidden or control characters'],
    ] as const) {
      const { ack } = await submitOrders(s, orders, DEFAULT_CHANNEL.id);
      expect(ack.json).toMatchObject({ response_action: 'errors' });
      expect(JSON.stringify(ack.json)).toContain(error);
    }
    expect(s.slack.callsTo('views.update')).toHaveLength(0);
    expect(await auditEntriesAt(s.auditDbPath)).toHaveLength(0);
  });

  it('refuses someone not on the allowlist in the dialog, and audits it', async () => {
    const s = await start();
    const { next } = await submitOrders(s, 'RK2006030008', DEFAULT_CHANNEL.id, MALLORY);
    const shown = await next();
    expect(JSON.stringify(shown.blocks)).toContain('You are not allowed to cancel');
    expect(shown.submit).toBeNull();
    const entries = await auditEntriesAt(s.auditDbPath);
    expect(entries.map((e) => e.event)).toEqual(['denied']);
    expect(entries[0]!.record).toMatchObject({ requesterId: MALLORY.id, entryPoint: 'global_shortcut' });
  });

  it('refuses an outcome channel outside CANCEL_ALLOWED_CHANNELS', async () => {
    const s = await start({ env: { CANCEL_ALLOWED_CHANNELS: DEFAULT_CHANNEL.id } });
    const { next } = await submitOrders(s, 'RK2006030008', 'C0ELSEWHERE');
    expect(JSON.stringify((await next()).blocks)).toContain('cannot be cancelled from this channel');
    expect((await auditEntriesAt(s.auditDbPath)).map((e) => e.record.detail)).toEqual([
      'request refused: channel_not_allowed',
    ]);
    expect(cancelCalls(s)).toHaveLength(0);
  });

  it('takes a batch: one dialog, the order that cannot be cancelled excluded', async () => {
    const s = await start();
    const { next } = await submitOrders(s, 'RK2006030008, RK2006020003\nRK2006030008', DEFAULT_CHANNEL.id);
    const preview = await next();
    expect(JSON.stringify(preview.blocks)).toContain('1 of 2 orders can be cancelled');
    await s.submit(preview, 'batch from the menu');
    await eventually(() => cancelCalls(s).length === 1);
    const states = await eventually(async () => {
      const all = await auditEntriesAt(s.auditDbPath);
      const finals = all.filter((e) => ['cancelled', 'failed'].includes(e.event));
      return finals.length === 2 && finals.map((e) => `${e.record.orderNo}:${e.event}`);
    });
    expect(states.sort()).toEqual(['RK2006020003:failed', 'RK2006030008:cancelled']);
  });

  it('goes through peer approval', async () => {
    const s = await start({
      env: { APPROVAL_MODE: 'peer', CANCEL_ALLOWED_USERS: `${OPERATOR.id},${BOB.id}` },
    });
    const { next } = await submitOrders(s, 'RK2006030008', DEFAULT_CHANNEL.id);
    await s.submit(await next(), 'needs a second pair of eyes');
    const message = await firstPostedMessage(s.slack);
    expect(cancelCalls(s)).toHaveLength(0);
    await s.driver.clickMessageButton(message(), Approval.approveAction, BOB);
    await eventually(() => JSON.stringify(message().blocks).includes('Finished'));
    expect(cancelCalls(s)).toHaveLength(1);
  });
});
