import { PURCHASE_STOCKIN_METHOD } from '../core/purchase-stockin.js';

/** The qjb methods this bot calls, shared by the client and the sandbox so no method name is written twice. */
export const WDT_METHOD = {
  cancelStockin: PURCHASE_STOCKIN_METHOD.cancel,
  queryStockin: PURCHASE_STOCKIN_METHOD.query,
  serverTime: 'system.Core.now',
} as const;

/** The only `v` qjb accepts. */
export const WDT_API_VERSION = '1.0';

/** Every rate-limit refusal (`…调用频率限制…`, `…并发次数限制…`, either comma width) contains this. */
export const RATE_LIMIT_MARKER = '超过每分钟最大';
