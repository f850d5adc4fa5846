import type { StockinOrder, WdtOutcome, WdtPort } from './ports/wdt.js';

const DAY_MS = 86_400_000;
/** WDT refuses a query window longer than 30 days. */
export const MAX_WINDOW_DAYS = 30;

export type OrderLookup =
  | { kind: 'found'; order: StockinOrder }
  | { kind: 'not_found'; searchedDays: number }
  | { kind: 'error'; outcome: Exclude<WdtOutcome<StockinOrder[]>, { kind: 'ok' }> };

/**
 * Finds an order by its last-modified time, newest window first, going back at most `days` in windows of
 * at most 30 days (the vendor's limit). `notBefore` narrows the search when the order is known to have
 * changed after a moment (e.g. a cancel that was sent then).
 */
export async function lookupOrder(
  wdt: WdtPort,
  orderNo: string,
  options: { now: Date; days: number; notBefore?: Date },
): Promise<OrderLookup> {
  const floor = Math.max(options.now.getTime() - options.days * DAY_MS, options.notBefore?.getTime() ?? 0);
  let end = options.now.getTime() + 60_000;
  while (end > floor) {
    const start = Math.max(floor, end - MAX_WINDOW_DAYS * DAY_MS + 1_000);
    const outcome = await wdt.queryStockin({
      stockinNo: orderNo,
      start: new Date(start),
      end: new Date(end),
    });
    if (outcome.kind !== 'ok') return { kind: 'error', outcome };
    const order = outcome.data.find((candidate) => candidate.stockinNo === orderNo);
    if (order) return { kind: 'found', order };
    end = start - 1_000;
  }
  return { kind: 'not_found', searchedDays: Math.round((options.now.getTime() - floor) / DAY_MS) };
}
