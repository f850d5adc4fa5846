import { timingSafeEqual } from 'node:crypto';
import { STOCKIN_STATUS } from '../../core/purchase-stockin.js';
import { parseShanghai } from '../../shanghai-time.js';
import { WDT_API_VERSION, WDT_METHOD } from '../../wdt/methods.js';
import { signRequest, splitAppSecret, wdtTimestamp } from '../../wdt/sign.js';
import { type SandboxOrder, toVendorOrder } from './orders.js';

export interface SandboxCredentials {
  sid: string;
  appKey: string;
  /** `secret:salt`, as WDT issues it. */
  appSecret: string;
}

/** A qjb JSON answer. */
export type QjbAnswer = { status: number; message?: string; data?: unknown };

/** WDT accepts a timestamp at most this far from its own clock. */
const TIMESTAMP_WINDOW_SEC = 120;
const MAX_QUERY_WINDOW_MS = 30 * 86_400_000;
const DEFAULT_PAGE_SIZE = 30;

/** Vendor texts the sandbox answers with; tests and the demo assert on some of them. */
export const SANDBOX_MESSAGES = {
  unknownSid: 'sid is not exists',
  authFailed: '验证失败',
  missingParameter: '缺少公共参数',
  badVersion: '不支持的版本号,v必须为1.0',
  badTimestamp: '时间戳与服务器时间相差超过120秒',
  unknownMethod: '接口不存在',
  badBody: '参数错误: 请求体必须是JSON数组',
  notEditing: '入库单状态不为编辑中',
  notFound: '未找到对应的单据信息!',
  missingStockinNo: '采购入库单号不能为空',
  badTimeRange: 'start_time和end_time为空或不是有效的时间格式[0000-00-00 00:00:00]',
  timeRangeTooLong: 'start_time和end_time最大跨度为30天',
  badPager: '分页参数错误',
  rateLimited: '超过每分钟最大调用频率限制,请稍后重试',
  codeOnly: '参数错误',
  ipNotWhitelisted: 'ip限制',
} as const;

const REQUIRED_PARAMS = ['sid', 'key', 'salt', 'method', 'v', 'timestamp', 'sign'] as const;

/**
 * Checks a call's public parameters the way qjb does: seller account, appkey, salt, version, sign, then the
 * timestamp window. `system.Core.now` is exempt from the window (an assumption: it is the call a client
 * makes to find out how far off its clock is). Null when the call may run.
 */
export function authenticate(
  query: URLSearchParams,
  rawBody: string,
  credentials: SandboxCredentials,
  now: Date,
): QjbAnswer | null {
  const { secret, salt } = splitAppSecret(credentials.appSecret);
  if (query.get('sid') !== credentials.sid) return { status: 1, message: SANDBOX_MESSAGES.unknownSid };
  for (const name of REQUIRED_PARAMS) {
    if (!query.get(name)) return { status: 1, message: `${SANDBOX_MESSAGES.missingParameter}: ${name}` };
  }
  if (!sameText(query.get('key')!, credentials.appKey))
    return { status: 1, message: SANDBOX_MESSAGES.authFailed };
  if (!sameText(query.get('salt')!, salt)) return { status: 1, message: SANDBOX_MESSAGES.authFailed };
  if (query.get('v') !== WDT_API_VERSION) return { status: 8, message: SANDBOX_MESSAGES.badVersion };
  const params = Object.fromEntries([...query].filter(([name]) => name !== 'sign'));
  if (!sameText(query.get('sign')!, signRequest(secret, params, rawBody))) {
    return { status: 1, message: SANDBOX_MESSAGES.authFailed };
  }
  const timestamp = query.get('timestamp')!;
  const skew = /^-?\d+$/.test(timestamp)
    ? Math.abs(Number(timestamp) - wdtTimestamp(now))
    : Number.POSITIVE_INFINITY;
  if (skew > TIMESTAMP_WINDOW_SEC && query.get('method') !== WDT_METHOD.serverTime) {
    return { status: 7, message: SANDBOX_MESSAGES.badTimestamp };
  }
  return null;
}

/** Runs an authenticated call against the order store. */
export function runMethod(
  method: string,
  args: unknown[],
  query: URLSearchParams,
  orders: Map<string, SandboxOrder>,
  now: Date,
): QjbAnswer {
  switch (method) {
    case WDT_METHOD.cancelStockin:
      return cancelStockin(args[0], orders, now);
    case WDT_METHOD.queryStockin:
      return queryStockin(args[0], query, orders);
    case WDT_METHOD.serverTime:
      return { status: 0, data: Math.floor(now.getTime() / 1000) };
    default:
      return { status: 99, message: `${SANDBOX_MESSAGES.unknownMethod}: ${method}` };
  }
}

function cancelStockin(stockinNo: unknown, orders: Map<string, SandboxOrder>, now: Date): QjbAnswer {
  if (typeof stockinNo !== 'string' || stockinNo === '') {
    return { status: 100, message: SANDBOX_MESSAGES.missingStockinNo };
  }
  const order = orders.get(stockinNo);
  if (!order) return { status: 100, message: SANDBOX_MESSAGES.notFound };
  if (order.status !== STOCKIN_STATUS.editing) return { status: 100, message: SANDBOX_MESSAGES.notEditing };
  order.status = STOCKIN_STATUS.cancelled;
  order.modifiedAt = now;
  return { status: 0 };
}

function queryStockin(params: unknown, query: URLSearchParams, orders: Map<string, SandboxOrder>): QjbAnswer {
  const filter = typeof params === 'object' && params !== null ? (params as Record<string, unknown>) : {};
  const start = typeof filter.start_time === 'string' ? parseShanghai(filter.start_time) : null;
  const end = typeof filter.end_time === 'string' ? parseShanghai(filter.end_time) : null;
  if (!start || !end) return { status: 100, message: SANDBOX_MESSAGES.badTimeRange };
  if (end.getTime() < start.getTime() || end.getTime() - start.getTime() > MAX_QUERY_WINDOW_MS) {
    return { status: 100, message: SANDBOX_MESSAGES.timeRangeTooLong };
  }
  const pageSize = readInt(query.get('page_size'), DEFAULT_PAGE_SIZE);
  const pageNo = readInt(query.get('page_no'), 0);
  if (pageSize === null || pageSize < 1 || pageNo === null)
    return { status: 1, message: SANDBOX_MESSAGES.badPager };

  const statuses = listOf(filter.status)?.map(Number);
  const stockinNo = text(filter.stockin_no);
  // By number it is one order at most: look it up rather than scan every order (a benchmark holds thousands).
  const candidates = stockinNo
    ? [orders.get(stockinNo)].filter((order) => order !== undefined)
    : orders.values();
  const matches = [...candidates]
    .filter((order) => order.modifiedAt >= start && order.modifiedAt <= end)
    .filter((order) => !stockinNo || order.stockinNo === stockinNo)
    .filter((order) => !text(filter.warehouse_no) || order.warehouseNo === text(filter.warehouse_no))
    .filter((order) => !text(filter.purchase_no) || order.purchaseNo === text(filter.purchase_no))
    .filter((order) => !statuses || statuses.includes(order.status))
    .sort((a, b) => a.modifiedAt.getTime() - b.modifiedAt.getTime() || a.stockinId - b.stockinId);
  const page = matches.slice(pageNo * pageSize, (pageNo + 1) * pageSize).map(toVendorOrder);
  const data =
    query.get('calc_total') === '1' ? { total_count: matches.length, order: page } : { order: page };
  return { status: 0, data };
}

function readInt(value: string | null, fallback: number): number | null {
  if (value === null || value === '') return fallback;
  return /^\d+$/.test(value) ? Number(value) : null;
}

function text(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' ? String(value).trim() : '';
}

/** `status` is documented as comma-joined values: `"20,30"`. */
function listOf(value: unknown): string[] | null {
  const joined = text(value);
  return joined ? joined.split(',').map((part) => part.trim()) : null;
}

function sameText(given: string, expected: string): boolean {
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
