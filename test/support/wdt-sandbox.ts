import type { SandboxCall, WdtSandbox } from '../../src/local/wdt-standin/server.js';
import { wdtTimestamp } from '../../src/wdt/sign.js';

export const CANCEL = 'wms.stockin.Purchase.cancel';
export const QUERY = 'wms.stockin.Purchase.queryWithDetail';

/** A fresh order in editing state (status 20) in the sandbox, so that each test cancels its own. */
export function addEditingOrder(wdt: Pick<WdtSandbox, 'orders'>, orderNo: string): string {
  const template = [...wdt.orders.values()][0]!;
  wdt.orders.set(orderNo, { ...structuredClone(template), stockinNo: orderNo, status: 20 });
  return orderNo;
}

/** The cancels WDT received for `orderNo` (whatever became of them). */
export function cancelsOf(wdt: Pick<WdtSandbox, 'calls'>, orderNo: string): SandboxCall[] {
  return wdt.calls.filter((call) => call.method === CANCEL && JSON.stringify(call.body).includes(orderNo));
}

/**
 * The first moment (epoch ms) at which WDT refuses `call` as too old: its signed timestamp (whole seconds)
 * more than 120 s behind WDT's clock. Before it, WDT could still have accepted that request.
 */
export function windowClosesAt(call: SandboxCall): number {
  const epochSeconds = Math.floor(call.at.getTime() / 1000) - wdtTimestamp(call.at);
  return (Number(call.query.timestamp) + 121 + epochSeconds) * 1000;
}
