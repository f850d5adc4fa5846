import type { WdtOutcome, WdtPort } from '../core/ports/wdt.js';
import { WDT_METHOD } from '../wdt/methods.js';
import type { BotMetrics, WdtMethod } from './bot-metrics.js';

/** Counts and times every WDT call by method and outcome kind; the outcomes pass through unchanged. */
export function instrumentWdt<T extends WdtPort>(wdt: T, metrics: BotMetrics): T {
  async function timed<R>(method: WdtMethod, call: () => Promise<WdtOutcome<R>>): Promise<WdtOutcome<R>> {
    const started = performance.now();
    const outcome = await call();
    metrics.observeWdtCall(method, outcome.kind, (performance.now() - started) / 1000);
    return outcome;
  }
  return {
    ...wdt,
    environment: wdt.environment,
    cancelStockin: (stockinNo, fence) =>
      timed(WDT_METHOD.cancelStockin, () => wdt.cancelStockin(stockinNo, fence)),
    queryStockin: (query) => timed(WDT_METHOD.queryStockin, () => wdt.queryStockin(query)),
    serverTime: () => timed(WDT_METHOD.serverTime, () => wdt.serverTime()),
  };
}
