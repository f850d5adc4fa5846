import { lookupOrder, type OrderLookup } from './order-lookup.js';
import type { StockinOrder, WdtPort } from './ports/wdt.js';
import { isCancellable, statusLabel } from './purchase-stockin.js';

export type OrderVerdict = 'cancellable' | 'not_cancellable' | 'not_found' | 'lookup_failed';

export interface OrderCheck {
  orderNo: string;
  lookup: OrderLookup;
  verdict: OrderVerdict;
  /** Whether a cancel may be sent for it: never for an order seen outside editing state. */
  confirmable: boolean;
  /** The status WDT reported, when it found the order. */
  status: number | null;
  order: StockinOrder | null;
}

export interface OrderCheckSettings {
  lookupDays: number;
  allowUnverified: boolean;
}

/**
 * What WDT says about an order right now, and whether it may be cancelled. A failed look-up says nothing
 * about the order, so it does not block: WDT itself refuses to cancel an order outside editing state. An
 * order not found in the window blocks unless the operator allowed unverified cancels (it is most often
 * a typo).
 */
export async function checkOrder(
  wdt: WdtPort,
  orderNo: string,
  now: Date,
  settings: OrderCheckSettings,
): Promise<OrderCheck> {
  const lookup = await lookupOrder(wdt, orderNo, { now, days: settings.lookupDays });
  switch (lookup.kind) {
    case 'found': {
      const cancellable = isCancellable(lookup.order.status);
      return {
        orderNo,
        lookup,
        verdict: cancellable ? 'cancellable' : 'not_cancellable',
        confirmable: cancellable,
        status: lookup.order.status,
        order: lookup.order,
      };
    }
    case 'not_found':
      return {
        orderNo,
        lookup,
        verdict: 'not_found',
        confirmable: settings.allowUnverified,
        status: null,
        order: null,
      };
    case 'error':
      return { orderNo, lookup, verdict: 'lookup_failed', confirmable: true, status: null, order: null };
  }
}

/** One line for the audit trail's `detail` (English, never secrets). */
export function checkDetail(check: OrderCheck): string {
  switch (check.verdict) {
    case 'cancellable':
      return `order in status ${statusLabel(check.status ?? 0)}`;
    case 'not_cancellable':
      return `not cancellable: order is in status ${statusLabel(check.status ?? 0)}; no cancel was sent`;
    case 'not_found':
      return `not found in the last ${check.lookup.kind === 'not_found' ? check.lookup.searchedDays : '?'} days`;
    case 'lookup_failed':
      return `status look-up failed: ${lookupFailure(check.lookup)}`;
  }
}

/** A short reason for a failed look-up: the WDT status and message, or the transport failure. */
export function lookupFailure(lookup: OrderLookup): string {
  if (lookup.kind !== 'error') return '';
  const outcome = lookup.outcome;
  switch (outcome.kind) {
    case 'refused':
      return `status ${outcome.status ?? '?'}: ${outcome.message}`;
    case 'rate_limited':
      return `rate limited: ${outcome.message}`;
    case 'protocol_error':
      return `HTTP ${outcome.httpStatus}: ${outcome.reason}`;
    default:
      return outcome.reason;
  }
}
