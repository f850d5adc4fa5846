import { z } from 'zod';
import type { StockinDetailLine, StockinOrder } from '../core/ports/wdt.js';
import { parseShanghai } from '../shanghai-time.js';

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

/** Maps the `data` of one `queryWithDetail` page. A malformed order fails the page, naming the field only. */
export function mapOrderPage(data: unknown): OrderPage {
  const parsed = pageSchema.safeParse(data);
  if (!parsed.success) {
    const path = parsed.error.issues[0]?.path.join('.') ?? '';
    return { ok: false, reason: `queryWithDetail data does not match the protocol at "${path || 'data'}"` };
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
