import { describe, expect, it } from 'vitest';
import { advance, newAttempt } from '../../src/core/attempt.js';
import type { PreviewItem } from '../../src/core/cancel-service.js';
import type { AttemptRecord } from '../../src/core/ports/audit.js';
import type { StockinOrder, WdtEnvironment } from '../../src/core/ports/wdt.js';
import { sealMetadata } from '../../src/slack/private-metadata.js';
import { LOCALES } from '../../src/slack/texts/index.js';
import { buildBatchMessage } from '../../src/slack/views/batch-message.js';
import { buildConfirmationDialog } from '../../src/slack/views/confirmation-dialog.js';
import { buildHelpReply } from '../../src/slack/views/help-reply.js';
import { buildHomeView } from '../../src/slack/views/home-view.js';
import { expectWithinSlackLimits } from './slack-published-limits.js';

const production: WdtEnvironment = { host: 'wdt.wangdian.cn', kind: 'production' };
const at = new Date('2026-11-28T13:05:09Z');
const LONG = '<供应商&名称>'.repeat(200);

function ulid(i: number): string {
  return `01JDZ7W3Q4K5M6N7P8R9S0T1${String(i).padStart(2, '0')}`;
}

function attempt(i: number, overrides: Partial<AttemptRecord> = {}): AttemptRecord {
  const record = newAttempt({
    attemptId: ulid(i),
    batchId: ulid(0),
    teamId: 'T1',
    channelId: 'COPS',
    requesterId: 'UALICE',
    orderNo: `RK${String(2006030000 + i).padStart(24, '9')}`,
    wdtHost: production.host,
    state: 'requested',
    at,
  });
  return { ...record, reason: '<'.repeat(500), ...overrides };
}

function order(i: number, status: number): StockinOrder {
  return {
    stockinNo: attempt(i).orderNo!,
    status,
    warehouseNo: LONG,
    purchaseNo: LONG,
    providerName: LONG,
    goodsCount: 123456,
    totalPrice: 9876543.21,
    remark: LONG,
    operatorName: LONG,
    createdAt: at,
    modifiedAt: at,
    details: Array.from({ length: 40 }, () => ({ goodsName: LONG, specName: LONG, quantity: 1 })),
  };
}

function items(): PreviewItem[] {
  return Array.from({ length: 20 }, (_, i) => {
    const status = i % 3 === 0 ? 30 : 20;
    return {
      attempt: attempt(i),
      check: {
        orderNo: attempt(i).orderNo!,
        lookup: { kind: 'found', order: order(i, status) },
        verdict: status === 20 ? 'cancellable' : 'not_cancellable',
        confirmable: status === 20,
        status,
        order: order(i, status),
      },
    };
  });
}

describe.each(Object.values(LOCALES))('a batch of 20 within Block Kit limits ($locale)', (texts) => {
  const sealed = sealMetadata(
    'k',
    'approval',
    { attemptIds: Array.from({ length: 20 }, (_, i) => ulid(i)) },
    new Date('2026-03-01T08:00:00Z'),
  );

  it('builds the preview modal of 20 orders within the modal limits', () => {
    for (const approvalMode of ['self', 'peer'] as const) {
      const modal = buildConfirmationDialog({
        texts,
        items: items(),
        environment: production,
        channelId: 'COPS',
        privateMetadata: sealed,
        settings: { lookupDays: 30, approvalMode, approvalTtlMinutes: 30 },
      });
      expectWithinSlackLimits('modal', modal);
      expect(JSON.stringify(modal.blocks)).not.toContain('<供应商');
    }
  });

  it('builds the one message of 20 orders within the message limits at every stage', () => {
    const awaiting = items().map((item) => advance(item.attempt, 'confirmed', at));
    const finished = awaiting.map((record, i) =>
      advance(record, i % 2 ? 'refused' : 'failed', at, {
        approverIds: ['UBOB'],
        statusBefore: i % 4 === 0 ? 30 : 20,
        wdtStatus: 100,
        wdtMessage: LONG,
        detail: LONG,
      }),
    );
    const stages = [
      { records: awaiting, stage: { kind: 'awaiting_approval', expiresAt: at } as const },
      { records: awaiting, stage: { kind: 'running' } as const },
      {
        records: finished,
        stage: { kind: 'done', chainHead: { seq: 987_654, hash: 'f'.repeat(64) } } as const,
      },
    ];
    for (const { records, stage } of stages) {
      const message = buildBatchMessage({
        texts,
        records,
        stage,
        environment: production,
        sealedRef: sealed,
        approvalTtlMinutes: 30,
      });
      expectWithinSlackLimits('message', message);
      expect(message.text.length).toBeLessThanOrEqual(3000);
      const text = JSON.stringify(message.blocks);
      expect(text).not.toContain('<供应商');
      for (const record of records) expect(text).toContain(record.orderNo!.slice(0, 12));
      // The chain's head survives the message's trimming: it is what Slack keeps of the audit trail.
      const head = texts.chainHead(987_654, 'f'.repeat(64));
      if (stage.kind === 'done') expect(text).toContain(head);
      else expect(text).not.toContain(head);
    }
  });

  it('builds the App Home and help within limits', () => {
    const many = Array.from({ length: 40 }, (_, i) =>
      advance(attempt(i % 20), 'cancelled', at, { detail: LONG }),
    );
    const home = buildHomeView(texts, {
      mine: many,
      recentCancellations: { kind: 'shown', records: many.slice(0, 20) },
      pending: Array.from({ length: 30 }, () => ({
        records: many.slice(0, 20),
        expiresAt: at,
        sealedRef: sealed,
      })),
    });
    expectWithinSlackLimits('home', home);
    const help = buildHelpReply(texts, {
      command: '/cancel-stockin',
      mayRequest: true,
      mayApprove: true,
      approvalMode: 'peer',
      approvalTtlMinutes: 30,
      maxBatch: 20,
      askWhom: 'ops',
    });
    expectWithinSlackLimits('message', help);
  });
});
