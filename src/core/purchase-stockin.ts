/**
 * Everything specific to WDT's purchase stock-in order (采购入库单) that the cancel use case reasons about
 * or records: what its number looks like, its statuses, which qjb methods cancel and read it, and the exact
 * arguments of a cancel (whose digest goes into the audit record). How those travel over the wire lives
 * beside the client, in `src/wdt/purchase-stockin.ts`.
 */

export const PURCHASE_STOCKIN_METHOD = {
  cancel: 'wms.stockin.Purchase.cancel',
  query: 'wms.stockin.Purchase.queryWithDetail',
} as const;

/**
 * What `/cancel-stockin` accepts as one order number, after normalising (see `order-number.ts`). Anything
 * else is refused rather than guessed at: cancelling the wrong order is worse than asking again.
 */
export const ORDER_NUMBER_PATTERN = /^RK[0-9]{6,24}$/;

/** Stock-in statuses as WDT reports them. */
export const STOCKIN_STATUS = {
  cancelled: 10,
  editing: 20,
  pendingReview: 30,
  pendingQc: 37,
  qcConfirmed: 40,
  completed: 80,
} as const;

/** WDT's stock-in statuses with the vendor's Chinese name and an English one; both are shown to people. */
export const STOCKIN_STATUS_NAMES: Readonly<Record<number, { zh: string; en: string }>> = {
  [STOCKIN_STATUS.cancelled]: { zh: '已取消', en: 'cancelled' },
  [STOCKIN_STATUS.editing]: { zh: '编辑中', en: 'editing' },
  [STOCKIN_STATUS.pendingReview]: { zh: '待审核', en: 'pending review' },
  [STOCKIN_STATUS.pendingQc]: { zh: '待质检', en: 'pending QC' },
  [STOCKIN_STATUS.qcConfirmed]: { zh: '质检确认', en: 'QC confirmed' },
  [STOCKIN_STATUS.completed]: { zh: '已完成', en: 'completed' },
};

/** `20 编辑中 (editing)`; an unknown status is shown as its number. */
export function statusLabel(status: number): string {
  const names = STOCKIN_STATUS_NAMES[status];
  return names ? `${status} ${names.zh} (${names.en})` : String(status);
}

/**
 * The status as a reader of `locale` should see it: Chinese readers get WDT's own name (`20 编辑中`), English
 * readers also get it, since it is what WDT's screens show, with a gloss (`20 编辑中 (editing)`).
 */
export function statusLabelIn(locale: 'en' | 'zh-CN', status: number): string {
  const names = STOCKIN_STATUS_NAMES[status];
  if (!names) return String(status);
  return locale === 'zh-CN' ? `${status} ${names.zh}` : statusLabel(status);
}

/** What a cancel did to the order's status: `20 编辑中 → 10 已取消`. */
export function statusChangeIn(locale: 'en' | 'zh-CN', before: number, after: number): string {
  return `${statusLabelIn(locale, before)} → ${statusLabelIn(locale, after)}`;
}

/** WDT cancels only an order in editing state; there is no force flag. */
export function isCancellable(status: number): boolean {
  return status === STOCKIN_STATUS.editing;
}

/** The arguments of the cancel call: the order number, alone in an array. */
export function cancelArgs(orderNo: string): [string] {
  return [orderNo];
}

/** The exact JSON the WDT client posts for a cancel; its digest goes into the audit record. */
export function cancelBody(orderNo: string): string {
  return JSON.stringify(cancelArgs(orderNo));
}
