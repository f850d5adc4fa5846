import { describe, expect, it } from 'vitest';
import type { DecisionResult } from '../../src/core/approval-service.js';
import { APPROVER, coreHarness, OUTSIDER, REQUESTER } from '../support/core-harness.js';
import { buildOrder } from '../support/scripted-wdt.js';

const ORDER = 'RK2024050100001';
const OTHER = 'RK2024050100002';
const TTL_MS = 30 * 60_000;

/** A peer-mode batch confirmed by its requester: the approval request is posted and waits for a decision. */
async function awaitingApproval(orderNos = [ORDER]) {
  const core = coreHarness({
    orders: [buildOrder({ stockinNo: ORDER }), buildOrder({ stockinNo: OTHER })],
    settings: { approvalMode: 'peer', approvalTtlMs: TTL_MS },
    allow: { users: [REQUESTER, APPROVER, OUTSIDER], usergroups: [] },
    // The requester may approve other people's requests: only the self-approval rule stops them here.
    approvers: { users: [APPROVER, REQUESTER], usergroups: [] },
  });
  const attemptIds = await core.requestAndPreview(orderNos);
  const confirmed = await core.cancel.confirm({ attemptIds, userId: REQUESTER, reason: '重复入库' });
  expect(confirmed.kind).toBe('awaiting_approval');
  return { core, attemptIds };
}

const deniedDetails = async (core: ReturnType<typeof coreHarness>) =>
  (await core.store.recentAttempts({ states: ['denied'], limit: 10 })).map((r) => [r.requesterId, r.detail]);

describe('four-eyes approval', () => {
  it('cancels the batch once a listed approver approves, and records who approved', async () => {
    const { core, attemptIds } = await awaitingApproval([ORDER, OTHER]);

    const result = await core.approval.approve({ attemptIds, actorId: APPROVER });

    expect(result.kind).toBe('decided');
    expect(
      core.wdt
        .callsOf('cancelStockin')
        .map((c) => c.stockinNo)
        .sort(),
    ).toEqual([ORDER, OTHER]);
    for (const attemptId of attemptIds) {
      expect(await core.store.findAttempt(attemptId)).toMatchObject({
        state: 'cancelled',
        approverIds: [APPROVER],
        reason: '重复入库',
      });
    }
  });

  it('never runs an order without its approved record: awaiting approval is said by the confirmation itself', async () => {
    const { core, attemptIds } = await awaitingApproval([ORDER, OTHER]);
    // Nothing records where the approval request went (its delivery has not happened, or failed to record):
    // the request still waits for approval, and only approval runs it.
    expect(await core.store.findAttempt(attemptIds[0]!)).toMatchObject({
      state: 'confirmed',
      approvalRequested: true,
      notifiedVia: null,
    });

    expect((await core.approval.approve({ attemptIds, actorId: APPROVER })).kind).toBe('decided');

    for (const attemptId of attemptIds) {
      const events = await core.eventsOf(attemptId);
      expect(events.slice(events.indexOf('confirmed'))).toEqual([
        'confirmed',
        'approved',
        'calling',
        'cancelled',
      ]);
    }
  });

  it('refuses the requester approving their own request, records the click, and cancels nothing', async () => {
    const { core, attemptIds } = await awaitingApproval();

    const result = await core.approval.approve({ attemptIds, actorId: REQUESTER });

    expect(result.kind).toBe('self_approval');
    expect(core.wdt.callsOf('cancelStockin')).toEqual([]);
    expect(await core.store.findAttempt(attemptIds[0]!)).toMatchObject({ state: 'confirmed' });
    expect(await deniedDetails(core)).toEqual([
      [REQUESTER, 'self-approval refused: the requester cannot approve'],
    ]);
  });

  it('refuses someone who may not approve, records the click, and leaves the request open', async () => {
    const { core, attemptIds } = await awaitingApproval();

    const result = await core.approval.approve({ attemptIds, actorId: OUTSIDER });

    expect(result).toMatchObject({
      kind: 'not_approver',
      decision: { allowed: false, reason: 'not_listed' },
    });
    expect(core.wdt.callsOf('cancelStockin')).toEqual([]);
    expect(await deniedDetails(core)).toEqual([[OUTSIDER, 'approval refused: not_listed']]);
    expect((await core.approval.approve({ attemptIds, actorId: APPROVER })).kind).toBe('decided');
  });

  it('expires a request clicked after its time, once, and says so on its message', async () => {
    const { core, attemptIds } = await awaitingApproval();
    core.clock.advance(TTL_MS);

    const result = await core.approval.approve({ attemptIds, actorId: APPROVER });

    expect(result.kind).toBe('expired');
    expect(await core.store.findAttempt(attemptIds[0]!)).toMatchObject({
      state: 'expired',
      detail: 'nobody approved within 30 minutes',
    });
    // Its message now says so: a new version of it is owed with the expiry.
    expect(core.owed().map((item) => item.key)).toContain(`batch:${attemptIds[0]}:${attemptIds[0]}:expired`);
    expect((await core.approval.approve({ attemptIds, actorId: APPROVER })).kind).toBe('already_decided');
    expect(core.wdt.callsOf('cancelStockin')).toEqual([]);
  });

  it('still takes a click one millisecond before the expiry', async () => {
    const { core, attemptIds } = await awaitingApproval();
    core.clock.advance(TTL_MS - 1);

    expect((await core.approval.approve({ attemptIds, actorId: APPROVER })).kind).toBe('decided');
  });

  it('the sweep expires due requests once and leaves younger ones', async () => {
    const { core, attemptIds } = await awaitingApproval();
    core.clock.advance(TTL_MS - 1);
    expect(await core.approval.expireDue()).toBe(0);
    core.clock.advance(1);

    expect(await core.approval.expireDue()).toBe(1);
    expect(await core.approval.expireDue()).toBe(0);
    expect(await core.store.findAttempt(attemptIds[0]!)).toMatchObject({ state: 'expired' });
  });

  it('acts on a double click once: one decision, one call', async () => {
    const { core, attemptIds } = await awaitingApproval();

    const results: DecisionResult[] = await Promise.all([
      core.approval.approve({ attemptIds, actorId: APPROVER }),
      core.approval.approve({ attemptIds, actorId: APPROVER }),
    ]);

    expect(results.map((r) => r.kind).sort()).toEqual(['already_decided', 'decided']);
    expect(core.wdt.callsOf('cancelStockin')).toHaveLength(1);
    expect((await core.eventsOf(attemptIds[0]!)).filter((e) => e === 'approved')).toHaveLength(1);
  });

  it('lets an approver reject with a reason; nothing is cancelled and a later approve changes nothing', async () => {
    const { core, attemptIds } = await awaitingApproval();

    const result = await core.approval.reject({ attemptIds, actorId: APPROVER, reason: '不是重复的' });

    expect(result.kind).toBe('decided');
    expect(await core.store.findAttempt(attemptIds[0]!)).toMatchObject({
      state: 'rejected',
      approverIds: [APPROVER],
      detail: '不是重复的',
    });
    expect((await core.approval.approve({ attemptIds, actorId: APPROVER })).kind).toBe('already_decided');
    expect(core.wdt.callsOf('cancelStockin')).toEqual([]);
  });

  it('lists for an approver the requests they may act on: not their own, not expired, only if they may approve', async () => {
    const { core } = await awaitingApproval();

    expect(await core.approval.pendingFor(APPROVER)).toHaveLength(1);
    expect(await core.approval.pendingFor(REQUESTER)).toEqual([]);
    expect(await core.approval.pendingFor(OUTSIDER)).toEqual([]);
    core.clock.advance(TTL_MS);
    expect(await core.approval.pendingFor(APPROVER)).toEqual([]);
  });
});
