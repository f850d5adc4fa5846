import type { WdtOutcome, WdtPort } from '../core/ports/wdt.js';
import type { SkewClock } from './skew-clock.js';

/** qjb status 7: the timestamp is more than 120 s from WDT's clock. The call was refused before it ran. */
const TIMESTAMP_REFUSED = 7;

/**
 * Status 7 means WDT refused the request before running it, so after reading WDT's clock again one retry
 * is safe — even for a cancel, whose retry is signed anew behind its own fence. A clock that drifts between
 * the periodic syncs then costs one round trip, not a failed cancel.
 */
export function resyncOnTimestampRefusal<T extends WdtPort>(wdt: T, clock: SkewClock): T {
  async function once<R>(call: () => Promise<WdtOutcome<R>>): Promise<WdtOutcome<R>> {
    const first = await call();
    if (first.kind !== 'refused' || first.status !== TIMESTAMP_REFUSED) return first;
    if ((await clock.measure(wdt)) === null) return first;
    const second = await call();
    return { ...second, durationMs: first.durationMs + second.durationMs };
  }
  return {
    ...wdt,
    environment: wdt.environment,
    cancelStockin: (stockinNo, fence) => once(() => wdt.cancelStockin(stockinNo, fence)),
    queryStockin: (query) => once(() => wdt.queryStockin(query)),
  };
}
