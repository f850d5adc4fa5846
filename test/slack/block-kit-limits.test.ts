import { describe, expect, it } from 'vitest';
import { advance, newAttempt } from '../../src/core/attempt.js';
import { LIMITS, truncate } from '../../src/slack/block-kit-limits.js';
import { sealMetadata } from '../../src/slack/private-metadata.js';
import { LOCALES } from '../../src/slack/texts/index.js';
import { buildApprovalButtons } from '../../src/slack/views/approval-buttons.js';
import { buildLoadingModal } from '../../src/slack/views/confirmation-dialog.js';
import { buildOutcomeMessage } from '../../src/slack/views/outcome-message.js';
import { buildRejectModal } from '../../src/slack/views/reject-modal.js';
import { buildOutcomeModal, buildStatusModal } from '../../src/slack/views/status-modal.js';
import { expectWithinSlackLimits, SLACK } from './slack-published-limits.js';

const LONG = '<供应商&名称>'.repeat(800);
const at = new Date('2026-11-28T13:05:09Z');

describe('the app’s Block Kit limits are Slack’s published ones', () => {
  it('never allows more than Slack does', () => {
    const published: Record<string, number> = {
      modalTitle: SLACK.modalTitle,
      modalButton: SLACK.modalSubmit,
      privateMetadata: SLACK.privateMetadata,
      sectionText: SLACK.sectionText,
      fieldText: SLACK.fieldText,
      fields: SLACK.sectionFields,
      contextElementText: SLACK.textObject,
      headerText: SLACK.headerText,
      modalBlocks: SLACK.modalBlocks,
      messageBlocks: SLACK.messageBlocks,
      messageText: SLACK.messageText,
      plainTextInput: SLACK.plainTextInputMaxLength,
    } satisfies Record<keyof typeof LIMITS, number>;
    for (const [name, value] of Object.entries(LIMITS)) {
      expect(value, name).toBeLessThanOrEqual(published[name] ?? -1);
    }
  });

  it('truncates by code point and marks the cut', () => {
    expect(truncate('短文', 24)).toBe('短文');
    const cut = truncate('😀'.repeat(30), SLACK.modalTitle);
    expect(Array.from(cut)).toHaveLength(SLACK.modalTitle);
    expect(cut.endsWith('…')).toBe(true);
  });
});

describe.each(Object.values(LOCALES))('every surface within Slack’s limits ($locale)', (texts) => {
  const sealed = sealMetadata(
    'k',
    'approval',
    { attemptIds: Array.from({ length: 20 }, (_, i) => `01ATTEMPT${i}`) },
    new Date('2030-01-01T00:00:00Z'),
  );

  it('the loading, reject, status and outcome modals', () => {
    const orderNos = Array.from({ length: 20 }, (_, i) => `RK${String(i).padStart(24, '9')}`);
    expectWithinSlackLimits('modal', buildLoadingModal(texts, orderNos));
    expectWithinSlackLimits('modal', buildRejectModal(texts, sealed));
    expectWithinSlackLimits('modal', buildStatusModal({ texts, title: LONG, mrkdwn: LONG }));
    const record = advance(
      newAttempt({
        attemptId: '01ATTEMPT0',
        batchId: '01ATTEMPT0',
        teamId: 'T1',
        channelId: 'COPS',
        requesterId: 'UALICE',
        orderNo: orderNos[0]!,
        wdtHost: 'wdt.wangdian.cn',
        state: 'requested',
        at,
      }),
      'refused',
      at,
      { reason: LONG.slice(0, 500), wdtStatus: 1, wdtCode: LONG, wdtMessage: LONG, detail: LONG },
    );
    const message = buildOutcomeMessage({
      texts,
      record,
      environment: { host: LONG, kind: 'other' },
      chainHead: { seq: 1, hash: 'f'.repeat(64) },
    });
    expectWithinSlackLimits('message', message);
    expectWithinSlackLimits('modal', buildOutcomeModal(texts, message));
  });

  it('the approval buttons', () => {
    expectWithinSlackLimits('message', { blocks: [buildApprovalButtons(texts, sealed)] });
  });
});
