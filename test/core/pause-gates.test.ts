import { describe, expect, it } from 'vitest';
import { isAwaitingApproval } from '../../src/core/approval-service.js';
import { isStoppedByPause, type PauseView } from '../../src/core/pause-state.js';
import { APPROVER, CHANNEL, coreHarness, REQUESTER } from '../support/core-harness.js';
import { buildOrder } from '../support/scripted-wdt.js';

const ORDERS = [
  'RK2024050100001',
  'RK2024050100002',
  'RK2024050100003',
  'RK2024050100004',
  'RK2024050100005',
];
const PAUSED: PauseView = {
  kind: 'paused',
  by: 'U0OPERATOR',
  since: '2024-05-01T04:00:00.000Z',
  reason: 'stocktake',
  channelId: 'C0OPS',
};

function harness(approvalMode: 'self' | 'peer' = 'self') {
  return coreHarness({
    orders: ORDERS.map((stockinNo) => buildOrder({ stockinNo })),
    settings: { approvalMode, concurrency: 2 },
  });
}

describe('cancels while an operator has paused them', () => {
  it('refuses a request with the pause named in a denied record: no dialog, no WDT call', async () => {
    const core = harness();
    core.pause.view = PAUSED;
    let dialogOpened = false;

    const result = await core.cancel.request(
      { teamId: 'T0TEAM', channelId: CHANNEL, userId: REQUESTER, orderNos: [ORDERS[0]!] },
      { onAllowed: () => (dialogOpened = true) },
    );

    expect(result).toMatchObject({ kind: 'paused', halt: PAUSED, record: { state: 'denied' } });
    expect(dialogOpened).toBe(false);
    expect(core.wdt.calls).toEqual([]);
    const [denied] = await core.store.recentAttempts({ states: ['denied'], limit: 5 });
    expect(denied?.detail).toBe(
      'request refused: cancels are paused by U0OPERATOR since 2024-05-01T04:00:00.000Z: stocktake',
    );
  });

  it('sends nothing while the pause state cannot be read: the confirmation is refused, saying so', async () => {
    const core = harness();
    const attemptIds = await core.requestAndPreview([ORDERS[0]!]);
    core.pause.view = { kind: 'unknown', cause: 'connection refused' };
    const result = await core.cancel.confirm({ attemptIds, userId: REQUESTER, reason: 'r' });
    expect(core.wdt.callsOf('cancelStockin')).toEqual([]);
    expect(result.kind === 'paused' && result.records[0]!.detail).toMatch(
      /^confirmation refused: .*pause state is unknown \(connection refused\)/,
    );
  });

  it('refuses to confirm a dialog opened before the pause: its orders are closed as denied, nothing sent', async () => {
    const core = harness();
    const attemptIds = await core.requestAndPreview([ORDERS[0]!, ORDERS[1]!]);
    core.pause.view = PAUSED;

    const result = await core.cancel.confirm({ attemptIds, userId: REQUESTER, reason: '重复入库' });

    expect(result.kind).toBe('paused');
    expect(core.wdt.callsOf('cancelStockin')).toEqual([]);
    for (const attemptId of attemptIds) {
      expect(await core.store.findAttempt(attemptId)).toMatchObject({
        state: 'denied',
        detail: expect.stringMatching(/^confirmation refused: cancels are paused by U0OPERATOR/),
      });
    }
  });

  it('refuses a single-order confirmation too (the one-write path)', async () => {
    const core = harness();
    const attemptIds = await core.requestAndPreview([ORDERS[0]!]);
    core.pause.view = PAUSED;
    const result = await core.cancel.confirm({ attemptIds, userId: REQUESTER, reason: '重复入库' });
    expect(result.kind).toBe('paused');
    expect(core.wdt.callsOf('cancelStockin')).toEqual([]);
  });

  it('refuses an approval while paused: the approver is told, the request stays pending, and runs after resume', async () => {
    const core = harness('peer');
    const attemptIds = await core.requestAndPreview([ORDERS[0]!]);
    expect((await core.cancel.confirm({ attemptIds, userId: REQUESTER, reason: 'r' })).kind).toBe(
      'awaiting_approval',
    );
    core.pause.view = PAUSED;

    const refused = await core.approval.approve({ attemptIds, actorId: APPROVER });

    expect(refused).toMatchObject({ kind: 'paused', halt: PAUSED });
    expect(core.wdt.callsOf('cancelStockin')).toEqual([]);
    const waiting = await core.store.findAttempt(attemptIds[0]!);
    expect(waiting && isAwaitingApproval(waiting)).toBe(true);
    const clicks = await core.store.recentAttempts({ states: ['denied'], limit: 5 });
    expect(clicks.map((r) => [r.requesterId, r.detail])).toEqual([
      [APPROVER, expect.stringMatching(/^approval refused: cancels are paused by U0OPERATOR/)],
    ]);

    core.pause.view = { kind: 'running' };
    expect((await core.approval.approve({ attemptIds, actorId: APPROVER })).kind).toBe('decided');
    expect(core.wdt.callsOf('cancelStockin').map((c) => c.stockinNo)).toEqual([ORDERS[0]]);
  });

  it('stops a running batch before its next order: calls in flight finish, the rest are not sent and say why', async () => {
    const core = harness();
    const attemptIds = await core.requestAndPreview(ORDERS);
    // The pause lands while the first two orders (BATCH_CONCURRENCY = 2) are being cancelled.
    let answered = 0;
    const slowOk = async () => {
      core.pause.view = PAUSED;
      answered += 1;
      return { kind: 'ok' as const, data: null, durationMs: 5 };
    };
    core.wdt.next('cancelStockin', slowOk, slowOk, slowOk, slowOk, slowOk);

    const result = await core.cancel.confirm({ attemptIds, userId: REQUESTER, reason: 'batch' });

    expect(result.kind).toBe('batch_finished');
    expect(answered).toBe(2);
    const records = await Promise.all(attemptIds.map((id) => core.store.findAttempt(id)));
    expect(records.map((r) => r?.state)).toEqual(['cancelled', 'cancelled', 'failed', 'failed', 'failed']);
    expect(records.slice(2).every((r) => r && isStoppedByPause(r) && r.wdtOutcome === 'not_sent')).toBe(true);
    // Each order not sent owed its line in the batch's message, which says why.
    const owedKeys = core.owed().map((item) => item.key);
    for (const attemptId of attemptIds.slice(2)) {
      expect(owedKeys).toContain(`batch:${attemptIds[0]}:${attemptId}:failed`);
    }
  });
});
