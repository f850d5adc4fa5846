import type { KnownBlock, ModalView } from '@slack/types';
import type { PreviewItem } from '../../core/cancel-service.js';
import { lookupFailure } from '../../core/order-check.js';
import type { StockinOrder, WdtEnvironment } from '../../core/ports/wdt.js';
import { statusLabelIn } from '../../core/purchase-stockin.js';
import { LIMITS, truncate } from '../block-kit-limits.js';
import { formatUtcAndShanghai } from '../format-time.js';
import { ConfirmModal, REASON_MAX_LENGTH, StatusModal } from '../ids.js';
import { escapeMrkdwn, mentionChannel } from '../mrkdwn.js';
import type { Texts } from '../texts/index.js';
import { environmentLabel, plain } from './text-objects.js';

const DETAIL_LINES_SHOWN = 5;

export interface PreviewSettings {
  lookupDays: number;
  approvalMode: 'self' | 'peer';
  approvalTtlMinutes: number;
}

const mrkdwn = (text: string, max: number = LIMITS.sectionText) => ({
  type: 'mrkdwn' as const,
  text: truncate(text, max),
});

/** The dialog as it opens: no submit, just "Looking up RK…" while WDT is asked. */
export function buildLoadingModal(texts: Texts, orderNos: readonly string[]): ModalView {
  const list = orderNos.map((no) => `*${escapeMrkdwn(no)}*`).join(', ');
  return {
    type: 'modal',
    callback_id: StatusModal.callbackId,
    title: plain(texts.lookingUpTitle, LIMITS.modalTitle),
    close: plain(texts.modalClose, LIMITS.modalButton),
    blocks: [{ type: 'section', text: mrkdwn(texts.lookingUp(list)) }],
  };
}

function formatTime(date: Date | null): string {
  return date ? formatUtcAndShanghai(date.toISOString()) : '—';
}

function amount(order: StockinOrder): string {
  return order.totalPrice.toFixed(2);
}

/** What a person must know about an order that is not simply cancellable. */
export function verdictNotice(texts: Texts, item: PreviewItem, settings: PreviewSettings): string | null {
  const { check } = item;
  switch (check.verdict) {
    case 'cancellable':
      return null;
    case 'not_cancellable':
      return texts.notCancellable(statusLabelIn(texts.locale, check.status ?? 0));
    case 'not_found': {
      const days = check.lookup.kind === 'not_found' ? check.lookup.searchedDays : settings.lookupDays;
      return check.confirmable ? texts.notFoundAllowed(days) : texts.notFound(days);
    }
    case 'lookup_failed':
      return texts.lookupFailed(escapeMrkdwn(truncate(lookupFailure(check.lookup), 200)));
  }
}

function orderBlocks(texts: Texts, item: PreviewItem, environment: WdtEnvironment): KnownBlock[] {
  const order = item.check.order;
  const env = `*${texts.labelEnvironment}*\n${environment.kind === 'production' ? ':warning: ' : ''}${escapeMrkdwn(environmentLabel(texts, environment))}`;
  const orderField = `*${texts.labelOrder}*\n${escapeMrkdwn(item.attempt.orderNo ?? '')}`;
  if (!order) return [{ type: 'section', fields: [mrkdwn(orderField, 2000), mrkdwn(env, 2000)] }];
  const fields = [
    orderField,
    `*${texts.labelStatus}*\n${escapeMrkdwn(statusLabelIn(texts.locale, order.status))}`,
    `*${texts.labelWarehouse}*\n${escapeMrkdwn(order.warehouseNo || '—')}`,
    `*${texts.labelSupplier}*\n${escapeMrkdwn(order.providerName || '—')}`,
    `*${texts.labelPurchaseNo}*\n${escapeMrkdwn(order.purchaseNo || '—')}`,
    `*${texts.labelGoodsAndAmount}*\n${escapeMrkdwn(texts.goodsAndAmount(String(order.goodsCount), amount(order)))}`,
    `*${texts.labelCreated}*\n${formatTime(order.createdAt)}`,
    `*${texts.labelModified}*\n${formatTime(order.modifiedAt)}`,
    `*${texts.labelOperator}*\n${escapeMrkdwn(order.operatorName || '—')}`,
    env,
  ];
  const blocks: KnownBlock[] = [
    { type: 'section', fields: fields.slice(0, LIMITS.fields).map((f) => mrkdwn(f, LIMITS.fieldText)) },
  ];
  if (order.remark) {
    blocks.push({ type: 'section', text: mrkdwn(`*${texts.labelRemark}:* ${escapeMrkdwn(order.remark)}`) });
  }
  if (order.details.length > 0) {
    const lines = order.details
      .slice(0, DETAIL_LINES_SHOWN)
      .map((d) => `• ${escapeMrkdwn(d.goodsName)} · ${escapeMrkdwn(d.specName)} × ${d.quantity}`);
    if (order.details.length > DETAIL_LINES_SHOWN) {
      lines.push(texts.moreDetails(order.details.length - DETAIL_LINES_SHOWN));
    }
    blocks.push({ type: 'section', text: mrkdwn(`*${texts.labelDetails}*\n${lines.join('\n')}`) });
  }
  return blocks;
}

/** One compact line (two rows) per order in a batch dialog. */
export function batchOrderLine(texts: Texts, item: PreviewItem, settings: PreviewSettings): string {
  const orderNo = escapeMrkdwn(item.attempt.orderNo ?? '');
  const order = item.check.order;
  const mark = item.check.confirmable ? ':white_check_mark:' : ':no_entry:';
  const head = item.check.confirmable ? `*${orderNo}*` : `~${orderNo}~ (${texts.excluded})`;
  const status = order ? ` · ${escapeMrkdwn(statusLabelIn(texts.locale, order.status))}` : '';
  const second = order
    ? [order.warehouseNo, order.providerName, texts.goodsAndAmount(String(order.goodsCount), amount(order))]
        .filter(Boolean)
        .map(escapeMrkdwn)
        .join(' · ')
    : (verdictNotice(texts, item, settings) ?? '');
  const notice = order && !item.check.confirmable ? verdictNotice(texts, item, settings) : null;
  return [`${mark} ${head}${status}`, truncate(second, 400), notice ? truncate(notice, 400) : null]
    .filter(Boolean)
    .join('\n');
}

/**
 * The dialog once WDT has answered: each order as WDT sees it. Orders that cannot be cancelled are marked
 * and excluded; when none can be, there is no submit button at all.
 */
export function buildConfirmationDialog(args: {
  texts: Texts;
  items: readonly PreviewItem[];
  environment: WdtEnvironment;
  channelId: string;
  privateMetadata: string;
  settings: PreviewSettings;
}): ModalView {
  const { texts, items, environment, settings } = args;
  const confirmable = items.filter((item) => item.check.confirmable).length;
  const peer = settings.approvalMode === 'peer';
  const blocks: KnownBlock[] = [];

  if (items.length === 1) {
    const item = items[0]!;
    if (confirmable > 0) blocks.push({ type: 'section', text: mrkdwn(texts.modalIntro) });
    blocks.push(...orderBlocks(texts, item, environment));
    const notice = verdictNotice(texts, item, settings);
    if (notice) blocks.push({ type: 'section', text: mrkdwn(notice) });
  } else {
    const intro =
      confirmable > 0 ? texts.previewIntroBatch(items.length, confirmable) : texts.nothingToCancel;
    blocks.push({ type: 'section', text: mrkdwn(intro) });
    blocks.push({
      type: 'section',
      fields: [
        mrkdwn(`*${texts.labelEnvironment}*\n${escapeMrkdwn(environmentLabel(texts, environment))}`, 2000),
        mrkdwn(`*${texts.labelOutcomeChannel}*\n${mentionChannel(args.channelId)}`, 2000),
      ],
    });
    for (const item of items)
      blocks.push({ type: 'section', text: mrkdwn(batchOrderLine(texts, item, settings)) });
  }

  const title = plain(texts.modalTitle, LIMITS.modalTitle);
  if (confirmable === 0) {
    return {
      type: 'modal',
      callback_id: StatusModal.callbackId,
      title,
      close: plain(texts.modalDone, LIMITS.modalButton),
      blocks,
    };
  }
  if (peer)
    blocks.push({ type: 'section', text: mrkdwn(texts.previewPeerNote(settings.approvalTtlMinutes)) });
  if (items.length === 1) {
    blocks.push({
      type: 'context',
      elements: [mrkdwn(`*${texts.labelOutcomeChannel}:* ${mentionChannel(args.channelId)}`, 2000)],
    });
  }
  blocks.push({
    type: 'input',
    block_id: ConfirmModal.reasonBlock,
    label: plain(texts.labelReason, 2000),
    hint: plain(texts.reasonHint, 2000),
    element: {
      type: 'plain_text_input',
      action_id: ConfirmModal.reasonAction,
      multiline: true,
      min_length: 1,
      max_length: REASON_MAX_LENGTH,
      placeholder: plain(texts.reasonPlaceholder, 150),
    },
  });
  const submit = peer
    ? texts.modalSubmitPeer
    : items.length === 1
      ? texts.modalSubmit
      : texts.modalSubmitBatch(confirmable);
  return {
    type: 'modal',
    callback_id: ConfirmModal.callbackId,
    title,
    submit: plain(submit, LIMITS.modalButton),
    close: plain(texts.modalClose, LIMITS.modalButton),
    notify_on_close: false,
    private_metadata: args.privateMetadata,
    blocks,
  };
}
