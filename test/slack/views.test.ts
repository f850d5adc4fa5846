import { describe, expect, it } from 'vitest';
import { advance, newAttempt } from '../../src/core/attempt.js';
import type { AttemptRecord } from '../../src/core/ports/audit.js';
import type { WdtEnvironment } from '../../src/core/ports/wdt.js';
import { ConfirmModal, REASON_MAX_LENGTH } from '../../src/slack/ids.js';
import { sealMetadata } from '../../src/slack/private-metadata.js';
import { LOCALES } from '../../src/slack/texts/index.js';
import { buildConfirmationDialog } from '../../src/slack/views/confirmation-dialog.js';
import { buildOutcomeMessage } from '../../src/slack/views/outcome-message.js';
import { buildStatusModal } from '../../src/slack/views/status-modal.js';
import { buildUsageReply } from '../../src/slack/views/usage.js';
import { expectWithinSlackLimits } from './slack-published-limits.js';

const production: WdtEnvironment = { host: 'wdt.wangdian.cn', kind: 'production' };
const at = new Date('2026-11-28T13:05:09Z');

function buildAttempt(overrides: Partial<AttemptRecord> = {}): AttemptRecord {
  const record = newAttempt({
    attemptId: '01JDZ7W3Q4K5M6N7P8R9S0T1V2',
    batchId: '01JDZ7W3Q4K5M6N7P8R9S0T1V2',
    teamId: 'T1',
    channelId: 'COPS',
    requesterId: 'UALICE',
    orderNo: 'RK2006030008',
    wdtHost: production.host,
    state: 'requested',
    at,
  });
  return { ...record, ...overrides };
}

const allTextOf = (value: unknown): string => JSON.stringify(value);

describe.each(Object.values(LOCALES))('Block Kit builders ($locale)', (texts) => {
  it('builds a confirmation modal within limits, with the shared ids and a bounded reason', () => {
    const metadata = sealMetadata(
      'k',
      'confirm',
      { attemptIds: [buildAttempt().attemptId] },
      new Date('2026-03-01T08:00:00Z'),
    );
    const modal = buildConfirmationDialog({
      texts,
      items: [
        {
          attempt: buildAttempt(),
          check: {
            orderNo: 'RK2006030008',
            lookup: { kind: 'not_found', searchedDays: 30 },
            verdict: 'lookup_failed',
            confirmable: true,
            status: null,
            order: null,
          },
        },
      ],
      environment: production,
      channelId: 'COPS',
      privateMetadata: metadata,
      settings: { lookupDays: 30, approvalMode: 'self', approvalTtlMinutes: 30 },
    });
    expect(modal.callback_id).toBe(ConfirmModal.callbackId);
    expectWithinSlackLimits('modal', modal);
    const input = modal.blocks.find((b) => b.type === 'input');
    expect(input).toMatchObject({
      block_id: ConfirmModal.reasonBlock,
      element: { action_id: ConfirmModal.reasonAction, max_length: REASON_MAX_LENGTH },
    });
    const text = allTextOf(modal);
    expect(text).toContain('RK2006030008');
    expect(text).toContain('wdt.wangdian.cn');
    expect(text).toContain('<#COPS>');
  });

  it('escapes the reason and WDT message in the outcome message', () => {
    const record = advance(buildAttempt(), 'refused', at, {
      reason: '<!channel> see <https://evil.example|click> & `code`',
      wdtStatus: 100,
      wdtMessage: '入库单状态不为编辑中 <b>',
      durationMs: 42,
    });
    const message = buildOutcomeMessage({ texts, record, environment: production, chainHead: null });
    const text = allTextOf(message.blocks);
    expect(text).not.toContain('<!channel>');
    expect(text).not.toContain('<https://evil.example');
    expect(text).toContain('&lt;!channel&gt;');
    expect(text).toContain('入库单状态不为编辑中 &lt;b&gt;');
    expect(text).toContain('<@UALICE>');
    expect(text).toContain('42 ms');
    expect(text).toContain(record.attemptId);
    expect(text).toContain('2026-11-28 13:05:09 UTC');
    expect(text).toContain('2026-11-28 21:05:09 Asia/Shanghai');
  });

  it("shows the audit chain's head in the outcome message, and nothing in its place without one", () => {
    const record = advance(buildAttempt(), 'cancelled', at, { durationMs: 42 });
    const hash = 'ab'.repeat(32);
    const withHead = allTextOf(
      buildOutcomeMessage({ texts, record, environment: production, chainHead: { seq: 1234, hash } }).blocks,
    );
    expect(withHead).toContain(texts.chainHead(1234, hash));
    expect(texts.chainHead(1234, hash)).toContain(hash);
    const withoutHead = allTextOf(
      buildOutcomeMessage({ texts, record, environment: production, chainHead: null }).blocks,
    );
    expect(withoutHead).not.toContain(hash);
    expect(withoutHead).not.toContain('1234');
    expect(withoutHead).toContain(record.method);
  });

  it('keeps every outcome text within Block Kit limits even for a 500-character reason', () => {
    const record = advance(buildAttempt(), 'unknown', at, {
      reason: '<'.repeat(REASON_MAX_LENGTH),
      detail: 'x',
    });
    const message = buildOutcomeMessage({ texts, record, environment: production, chainHead: null });
    expectWithinSlackLimits('message', message);
    expect(message.text.length).toBeLessThanOrEqual(3000);
  });

  it('adds operator advice for a bad-sign refusal and retry advice for rate limiting', () => {
    const badSign = advance(buildAttempt(), 'refused', at, { wdtStatus: 1, wdtMessage: '验证失败' });
    expect(
      allTextOf(buildOutcomeMessage({ texts, record: badSign, environment: production, chainHead: null })),
    ).toContain(texts.operatorProblem);
    const limited = advance(buildAttempt(), 'refused', at, { wdtStatus: 100, wdtOutcome: 'rate_limited' });
    expect(
      allTextOf(buildOutcomeMessage({ texts, record: limited, environment: production, chainHead: null })),
    ).toContain(texts.rateLimitedAdvice);
  });

  it('builds usage replies and status modals within limits', () => {
    const reply = buildUsageReply(texts, '/cancel-stockin', 'problem');
    expect(reply.response_type).toBe('ephemeral');
    expect(reply.text).toContain('/cancel-stockin');
    const modal = buildStatusModal({ texts, title: texts.cancellingTitle, mrkdwn: 'x'.repeat(5000) });
    expectWithinSlackLimits('modal', modal);
    expectWithinSlackLimits('message', reply);
    expect(allTextOf(modal).length).toBeLessThan(3500);
  });
});
