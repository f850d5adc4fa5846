import { describe, expect, it } from 'vitest';
import type { ConfirmResult } from '../../src/core/cancel-service.js';
import { STOCKIN_STATUS } from '../../src/core/purchase-stockin.js';
import { APPROVER, coreHarness, OUTSIDER, REQUESTER, readBarrier } from '../support/core-harness.js';
import { buildOrder } from '../support/scripted-wdt.js';

const ORDER = 'RK2024050100001';
const OTHER = 'RK2024050100002';
const orders = () => [buildOrder({ stockinNo: ORDER }), buildOrder({ stockinNo: OTHER })];
const kinds = (results: ConfirmResult[]) => results.map((r) => r.kind).sort();

describe('confirming one order', () => {
  it('claims, confirms, locks, re-checks the order, makes one call and records the outcome', async () => {
    const core = coreHarness({ orders: orders() });
    const [attemptId] = await core.requestAndPreview([ORDER]);

    const result = await core.cancel.confirm({
      attemptIds: [attemptId!],
      userId: REQUESTER,
      reason: '重复入库',
    });

    expect(result).toMatchObject({ kind: 'finished', record: { state: 'cancelled', reason: '重复入库' } });
    expect(core.wdt.callsOf('cancelStockin')).toEqual([{ method: 'cancelStockin', stockinNo: ORDER }]);
    expect(await core.eventsOf(attemptId!)).toEqual(['requested', 'confirmed', 'calling', 'cancelled']);
    expect(await core.store.findAttempt(attemptId!)).toMatchObject({
      statusBefore: STOCKIN_STATUS.editing,
      statusAfter: STOCKIN_STATUS.cancelled,
    });
    // The outcome is owed in the same write: its post in the channel, and a copy in the audit channel, both
    // showing the chain's head after the outcome.
    const head = await core.store.head();
    expect(core.owed()).toMatchObject([
      {
        key: `outcome:${attemptId}:cancelled`,
        channelId: 'C0STOCKOPS',
        body: { kind: 'outcome', chainHead: head },
      },
      {
        key: `audit-outcome:${attemptId}:cancelled`,
        channelId: null,
        body: { kind: 'outcome', chainHead: head },
      },
    ]);
    expect(await core.store.verifyChain()).toMatchObject({ ok: true });
  });

  it('makes one call when the same dialog is submitted twice at once (both read it as requested)', async () => {
    const barrier = readBarrier();
    const core = coreHarness({ orders: orders(), wrapStore: barrier.wrap });
    const [attemptId] = await core.requestAndPreview([ORDER]);
    barrier.arm(2);

    const results = await Promise.all([
      core.cancel.confirm({ attemptIds: [attemptId!], userId: REQUESTER, reason: 'first' }),
      core.cancel.confirm({ attemptIds: [attemptId!], userId: REQUESTER, reason: 'second' }),
    ]);
    barrier.disarm();

    expect(kinds(results)).toEqual(['duplicate', 'finished']);
    expect(core.wdt.callsOf('cancelStockin')).toHaveLength(1);
    expect((await core.eventsOf(attemptId!)).filter((e) => e === 'confirmed')).toHaveLength(1);
    expect(
      core.owed().filter((item) => item.body.kind === 'outcome' && item.channelId !== null),
    ).toHaveLength(1);
  });

  it('answers a second submit after the outcome as a duplicate, without a call or a record', async () => {
    const core = coreHarness({ orders: orders() });
    const [attemptId] = await core.requestAndPreview([ORDER]);
    await core.cancel.confirm({ attemptIds: [attemptId!], userId: REQUESTER, reason: 'once' });
    const entries = (await core.store.verifyChain()).entries;

    const again = await core.cancel.confirm({ attemptIds: [attemptId!], userId: REQUESTER, reason: 'twice' });

    expect(again).toMatchObject({ kind: 'duplicate', record: { state: 'cancelled' } });
    expect(core.wdt.callsOf('cancelStockin')).toHaveLength(1);
    expect((await core.store.verifyChain()).entries).toBe(entries);
  });

  it('never sends a cancel for a dialog whose order the preview already closed, even if WDT now shows it', async () => {
    const core = coreHarness({ orders: [] });
    const [attemptId] = await core.requestAndPreview([ORDER]);
    expect(await core.store.findAttempt(attemptId!)).toMatchObject({ state: 'failed' });
    core.wdt.orders.set(ORDER, buildOrder({ stockinNo: ORDER }));

    const result = await core.cancel.confirm({ attemptIds: [attemptId!], userId: REQUESTER, reason: 'x' });

    expect(result).toMatchObject({ kind: 'duplicate', record: { state: 'failed' } });
    expect(core.wdt.callsOf('cancelStockin')).toEqual([]);
    expect(await core.eventsOf(attemptId!)).toEqual(['requested', 'failed']);
  });

  it('does not send a cancel when the order left editing state before the call', async () => {
    const core = coreHarness({ orders: orders() });
    const [attemptId] = await core.requestAndPreview([ORDER]);
    core.wdt.orders.get(ORDER)!.status = STOCKIN_STATUS.pendingReview;

    const result = await core.cancel.confirm({ attemptIds: [attemptId!], userId: REQUESTER, reason: 'x' });

    expect(result).toMatchObject({
      kind: 'finished',
      record: { state: 'failed', statusBefore: STOCKIN_STATUS.pendingReview },
    });
    expect(core.wdt.callsOf('cancelStockin')).toEqual([]);
  });

  it('keeps an order whose cancel got no answer locked until WDT can no longer accept it, and never tries again', async () => {
    const core = coreHarness({ orders: orders() });
    const [attemptId] = await core.requestAndPreview([ORDER]);
    core.wdt.next('cancelStockin', { kind: 'unknown', reason: 'headers timeout', durationMs: 10_000 });

    const result = await core.cancel.confirm({ attemptIds: [attemptId!], userId: REQUESTER, reason: 'x' });

    expect(result).toMatchObject({
      kind: 'finished',
      record: { state: 'awaiting_verdict', detail: 'headers timeout' },
    });
    expect(core.wdt.callsOf('cancelStockin')).toHaveLength(1);
    // The request was signed behind a fence: WDT may accept it until the fence's time plus its window.
    const held = await core.store.heldCalls();
    expect(held).toHaveLength(1);
    const verdictAfter = Date.parse(held[0]!.record.verdictAfter!);
    expect(verdictAfter - core.clock.now().getTime()).toBeGreaterThanOrEqual(120_000);
    expect(held[0]!.acceptUntil).toBe(held[0]!.record.verdictAfter);
  });

  it('records WDT’s answer as soon as the store takes writes again, however long it refused them', async () => {
    let refusing = false;
    const core = coreHarness({
      orders: orders(),
      wrapStore: (store) => ({
        ...store,
        write: (transitions, at, owed) =>
          refusing ? Promise.reject(new Error('connection reset')) : store.write(transitions, at, owed),
      }),
    });
    const [attemptId] = await core.requestAndPreview([ORDER]);
    core.wdt.next('cancelStockin', async () => {
      refusing = true;
      return { kind: 'ok', data: null, durationMs: 5 };
    });

    const result = await core.cancel.confirm({ attemptIds: [attemptId!], userId: REQUESTER, reason: 'x' });
    expect(result).toMatchObject({ kind: 'finished', record: { state: 'cancelled' } });
    expect(await core.store.findAttempt(attemptId!)).toMatchObject({ state: 'calling' });
    expect(core.execution.isRunning(attemptId!)).toBe(true);

    refusing = false;
    await expect
      .poll(async () => (await core.store.findAttempt(attemptId!))?.state, { timeout: 5_000 })
      .toBe('cancelled');
    expect(core.execution.isRunning(attemptId!)).toBe(false);
    expect(await core.store.heldLocks()).toEqual([]);
    expect(core.wdt.callsOf('cancelStockin')).toHaveLength(1);
  });

  it('sends nothing when WDT cannot show the order’s status under the lock, and says so', async () => {
    const core = coreHarness({ orders: orders() });
    const [attemptId] = await core.requestAndPreview([ORDER]);
    const down = { kind: 'not_sent', reason: 'connect ECONNREFUSED', durationMs: 1 } as const;
    core.wdt.next('queryStockin', down);

    const result = await core.cancel.confirm({ attemptIds: [attemptId!], userId: REQUESTER, reason: 'x' });

    expect(result).toMatchObject({ kind: 'finished', record: { state: 'failed', wdtOutcome: 'not_sent' } });
    expect((result as { record: { detail: string } }).record.detail).toMatch(
      /^not sent: status look-up failed/,
    );
    expect(core.wdt.callsOf('cancelStockin')).toEqual([]);
    expect(await core.store.heldLocks()).toEqual([]);
  });

  it('tells a second requester the order is busy while another attempt holds its lock', async () => {
    const core = coreHarness({ orders: orders() });
    const [mine] = await core.requestAndPreview([ORDER]);
    const [theirs] = await core.requestAndPreview([ORDER]);
    let answer: (value: { kind: 'ok'; data: null; durationMs: number }) => void = () => undefined;
    core.wdt.next('cancelStockin', () => new Promise((resolve) => (answer = resolve)));

    const first = core.cancel.confirm({ attemptIds: [mine!], userId: REQUESTER, reason: 'first' });
    await expect.poll(() => core.wdt.callsOf('cancelStockin').length).toBe(1);
    const second = await core.cancel.confirm({ attemptIds: [theirs!], userId: REQUESTER, reason: 'second' });
    answer({ kind: 'ok', data: null, durationMs: 5 });

    expect(second).toMatchObject({ kind: 'busy', record: { state: 'failed' }, holderRequesterId: REQUESTER });
    expect(await first).toMatchObject({ kind: 'finished', record: { state: 'cancelled' } });
    expect(core.wdt.callsOf('cancelStockin')).toHaveLength(1);
  });

  it('refuses someone who is not the requester, and an attempt it does not know', async () => {
    const core = coreHarness({ orders: orders() });
    const [attemptId] = await core.requestAndPreview([ORDER]);

    expect(
      await core.cancel.confirm({ attemptIds: [attemptId!], userId: OUTSIDER, reason: 'x' }),
    ).toMatchObject({ kind: 'not_requester' });
    expect(
      await core.cancel.confirm({ attemptIds: ['01NOSUCHATTEMPT'], userId: REQUESTER, reason: 'x' }),
    ).toEqual({ kind: 'unknown_request' });
    expect(core.wdt.callsOf('cancelStockin')).toEqual([]);
  });
});

describe('confirming a batch', () => {
  it('runs one batch when its dialog is submitted twice at once: one claim, one message, one call per order', async () => {
    const barrier = readBarrier();
    const core = coreHarness({ orders: orders(), wrapStore: barrier.wrap });
    const attemptIds = await core.requestAndPreview([ORDER, OTHER]);
    barrier.arm(2);

    const results = await Promise.all([
      core.cancel.confirm({ attemptIds, userId: REQUESTER, reason: 'first' }),
      core.cancel.confirm({ attemptIds, userId: REQUESTER, reason: 'second' }),
    ]);
    barrier.disarm();

    expect(kinds(results)).toEqual(['batch_finished', 'duplicate']);
    // One confirmation, so one version of the batch's message per order owed by it.
    expect(core.owed().filter((item) => item.key.endsWith(':confirmed'))).toHaveLength(2);
    expect(
      core.wdt
        .callsOf('cancelStockin')
        .map((c) => c.stockinNo)
        .sort(),
    ).toEqual([ORDER, OTHER]);
    for (const attemptId of attemptIds) {
      expect((await core.eventsOf(attemptId)).filter((e) => e === 'confirmed')).toHaveLength(1);
    }
  });

  it('in peer mode, posts one approval request when the dialog is submitted twice at once, and cancels nothing', async () => {
    const barrier = readBarrier();
    const core = coreHarness({
      orders: orders(),
      settings: { approvalMode: 'peer' },
      wrapStore: barrier.wrap,
    });
    const attemptIds = await core.requestAndPreview([ORDER]);
    barrier.arm(2);

    const results = await Promise.all([
      core.cancel.confirm({ attemptIds, userId: REQUESTER, reason: 'first' }),
      core.cancel.confirm({ attemptIds, userId: REQUESTER, reason: 'second' }),
    ]);
    barrier.disarm();

    expect(kinds(results)).toEqual(['awaiting_approval', 'duplicate']);
    expect(core.owed().filter((item) => item.key.endsWith(':confirmed'))).toHaveLength(1);
    expect(core.wdt.callsOf('cancelStockin')).toEqual([]);
    expect((await core.eventsOf(attemptIds[0]!)).filter((e) => e === 'confirmed')).toHaveLength(1);
  });

  it('records a confirmation refused by the policy as denied for every order, and sends nothing', async () => {
    const allowed = [REQUESTER, APPROVER];
    const core = coreHarness({ orders: orders(), allow: { users: allowed, usergroups: [] } });
    const attemptIds = await core.requestAndPreview([ORDER, OTHER]);
    allowed.splice(0, 1); // the allowlist changed while the dialog was open

    const result = await core.cancel.confirm({ attemptIds, userId: REQUESTER, reason: 'x' });

    expect(result).toMatchObject({ kind: 'denied', decision: { allowed: false, reason: 'not_listed' } });
    for (const attemptId of attemptIds) {
      expect(await core.store.findAttempt(attemptId)).toMatchObject({ state: 'denied' });
    }
    expect(core.wdt.callsOf('cancelStockin')).toEqual([]);
  });
});
