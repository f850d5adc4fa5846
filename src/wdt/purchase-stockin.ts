import { z } from 'zod';
import type { StockinDetailLine, StockinOrder, StockinQuery, WdtOutcome } from '../core/ports/wdt.js';
import { cancelArgs, PURCHASE_STOCKIN_METHOD } from '../core/purchase-stockin.js';
import { formatShanghai, parseShanghai } from '../shanghai-time.js';

/**
 * The purchase stock-in order on the wire: the arguments of each call, the paging of the query, and the
 * mapping of the vendor's fields to `StockinOrder`. The client signs and sends; this says what.
 */

/** Sends one signed qjb call: the client's, with its retries. */
export type QjbCall = (method: string, args: unknown[], pager?: Pager) => Promise<WdtOutcome<unknown>>;
export type Pager = { page_size: string; page_no: string; calc_total: string };

/** Orders per query page, and how many pages one query may read before it gives up. */
const QUERY_PAGE_SIZE = 100;
const QUERY_MAX_PAGES = 10;

export async function cancelPurchaseStockin(call: QjbCall, stockinNo: string): Promise<WdtOutcome<null>> {
  const outcome = await call(PURCHASE_STOCKIN_METHOD.cancel, cancelArgs(stockinNo));
  return outcome.kind === 'ok' ? { ...outcome, data: null } : outcome;
}

export function queryPurchaseStockin(
  call: QjbCall,
  query: StockinQuery,
): Promise<WdtOutcome<StockinOrder[]>> {
  const args = [
    {
      start_time: formatShanghai(query.start),
      end_time: formatShanghai(query.end),
      stockin_no: query.stockinNo,
    },
  ];
  return queryAllPages(query, (pager) => call(PURCHASE_STOCKIN_METHOD.query, args, pager));
}

async function queryAllPages(
  query: StockinQuery,
  fetchPage: (pager: Pager) => Promise<WdtOutcome<unknown>>,
): Promise<WdtOutcome<StockinOrder[]>> {
  const found: StockinOrder[] = [];
  let received = 0;
  let total: number | null = null;
  let durationMs = 0;
  for (let page = 0; page < QUERY_MAX_PAGES; page++) {
    const outcome = await fetchPage({
      page_size: String(QUERY_PAGE_SIZE),
      page_no: String(page),
      calc_total: page === 0 ? '1' : '0',
    });
    durationMs += outcome.durationMs;
    if (outcome.kind !== 'ok') return { ...outcome, durationMs };
    const mapped = mapOrderPage(outcome.data);
    if (!mapped.ok) return { kind: 'protocol_error', httpStatus: 200, reason: mapped.reason, durationMs };
    total ??= mapped.totalCount;
    received += mapped.received;
    // WDT filters by stockin_no itself; the exact match here guards against a looser server-side match.
    found.push(...mapped.orders.filter((order) => order.stockinNo === query.stockinNo));
    if (mapped.received < QUERY_PAGE_SIZE || (total !== null && received >= total)) {
      return { kind: 'ok', data: found, durationMs };
    }
  }
  return {
    kind: 'protocol_error',
    httpStatus: 200,
    reason: `more than ${QUERY_PAGE_SIZE * QUERY_MAX_PAGES} orders matched one order number; stopped paging`,
    durationMs,
  };
}

/** The vendor's table says strings, its examples send numbers: accept both wherever a value is scalar. */
const scalar = z.union([z.string(), z.number(), z.boolean()]).nullish();

const text = scalar.transform((value) => (value === null || value === undefined ? '' : String(value)));

const decimal = scalar.transform((value, ctx) => {
  if (value === null || value === undefined || value === '') return 0;
  const number = Number(value);
  if (!Number.isFinite(number)) {
    ctx.addIssue({ code: 'custom', message: 'not a number' });
    return z.NEVER;
  }
  return number;
});

const integer = z.union([z.number().int(), z.string().regex(/^\s*\d+\s*$/)]).transform(Number);

const time = scalar.transform((value) => toDate(value));

const detailSchema = z
  .object({ goods_name: text, spec_name: text, num: decimal })
  .transform(
    (raw): StockinDetailLine => ({ goodsName: raw.goods_name, specName: raw.spec_name, quantity: raw.num }),
  );

const orderSchema = z
  .object({
    order_no: z.string().min(1),
    status: integer,
    warehouse_no: text,
    purchase_no: text,
    provider_name: text,
    goods_count: decimal,
    total_price: decimal,
    remark: text,
    operator_name: text,
    created_time: time,
    modified: time,
    details_list: z.array(detailSchema).nullish(),
  })
  .transform(
    (raw): StockinOrder => ({
      stockinNo: raw.order_no,
      status: raw.status,
      warehouseNo: raw.warehouse_no,
      purchaseNo: raw.purchase_no,
      providerName: raw.provider_name,
      goodsCount: raw.goods_count,
      totalPrice: raw.total_price,
      remark: raw.remark,
      operatorName: raw.operator_name,
      createdAt: raw.created_time,
      modifiedAt: raw.modified,
      details: raw.details_list ?? [],
    }),
  );

const pageSchema = z
  .object({
    total_count: z.union([integer, z.null()]).optional(),
    order: z.array(orderSchema).nullish(),
  })
  .nullish();

export type OrderPage =
  | { ok: true; orders: StockinOrder[]; received: number; totalCount: number | null }
  | { ok: false; reason: string };

/** Maps the `data` of one query page. A malformed order fails the page, naming the field only. */
function mapOrderPage(data: unknown): OrderPage {
  const parsed = pageSchema.safeParse(data);
  if (!parsed.success) {
    const path = parsed.error.issues[0]?.path.join('.') ?? '';
    return {
      ok: false,
      reason: `${PURCHASE_STOCKIN_METHOD.query} data does not match the protocol at "${path || 'data'}"`,
    };
  }
  const orders = parsed.data?.order ?? [];
  return { ok: true, orders, received: orders.length, totalCount: parsed.data?.total_count ?? null };
}

/** Epoch milliseconds (number or digits), or `yyyy-MM-dd HH:mm:ss` in Asia/Shanghai; null when absent. */
function toDate(value: string | number | boolean | null | undefined): Date | null {
  if (typeof value === 'number') return fromEpoch(value);
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return fromEpoch(Number(trimmed));
  return parseShanghai(trimmed);
}

function fromEpoch(value: number): Date | null {
  if (!Number.isFinite(value) || value <= 0) return null;
  // The example sends milliseconds; a value this small can only be seconds.
  return new Date(value < 1e11 ? value * 1000 : value);
}
