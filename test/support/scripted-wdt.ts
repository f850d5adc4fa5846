import type {
  StockinOrder,
  StockinQuery,
  WdtEnvironment,
  WdtOutcome,
  WdtPort,
} from '../../src/core/ports/wdt.js';
import { STOCKIN_STATUS } from '../../src/core/purchase-stockin.js';

export type WdtCall =
  | { method: 'cancelStockin'; stockinNo: string }
  | { method: 'queryStockin'; query: StockinQuery }
  | { method: 'serverTime' };

/** One scripted answer: an outcome, or a function that makes it (and may hold it back). */
export type Answer<T> = WdtOutcome<T> | (() => Promise<WdtOutcome<T>>);

interface Answers {
  cancelStockin: Answer<null>;
  queryStockin: Answer<StockinOrder[]>;
  serverTime: Answer<Date>;
}

export interface ScriptedWdt extends WdtPort {
  /** Every call, in the order it was made. */
  readonly calls: WdtCall[];
  /** WDT's orders: queries answer from here and an accepted cancel moves its order to status 10. */
  readonly orders: Map<string, StockinOrder>;
  /** Queues answers for the next calls of `method`; once they are used up, the orders above answer. */
  next<M extends keyof Answers>(method: M, ...answers: Answers[M][]): void;
  /** Calls of one method, e.g. the cancels actually sent. */
  callsOf<M extends WdtCall['method']>(method: M): Extract<WdtCall, { method: M }>[];
}

const TEST_ENVIRONMENT: WdtEnvironment = { host: 'sandbox.wangdian.cn', kind: 'test' };

/** A complete order in editing state; override what the test is about. */
export function buildOrder(overrides: Partial<StockinOrder> & { stockinNo: string }): StockinOrder {
  return {
    status: STOCKIN_STATUS.editing,
    warehouseNo: 'WH01',
    purchaseNo: 'CG2024050100001',
    providerName: '华东供应商',
    goodsCount: 12,
    totalPrice: 345.6,
    remark: '',
    operatorName: '王五',
    createdAt: new Date('2024-04-30T02:00:00.000Z'),
    modifiedAt: new Date('2024-04-30T03:00:00.000Z'),
    details: [{ goodsName: '螺丝', specName: 'M3', quantity: 12 }],
    ...overrides,
  };
}

/**
 * A WdtPort for unit tests of the core: no network, no timers. It answers from a script (`next`) and
 * otherwise like WDT would from its `orders`, and records every call so a test can say what was sent (a
 * cancel only once its fence let it be signed).
 */
export function scriptedWdt(
  options: { orders?: readonly StockinOrder[]; environment?: WdtEnvironment; now?: () => Date } = {},
): ScriptedWdt {
  const calls: WdtCall[] = [];
  const orders = new Map((options.orders ?? []).map((order) => [order.stockinNo, { ...order }]));
  const queued: { [M in keyof Answers]: Answers[M][] } = {
    cancelStockin: [],
    queryStockin: [],
    serverTime: [],
  };
  const answer = async <T>(scripted: Answer<T> | undefined, otherwise: () => WdtOutcome<T>) =>
    scripted === undefined ? otherwise() : typeof scripted === 'function' ? scripted() : scripted;

  return {
    environment: options.environment ?? TEST_ENVIRONMENT,
    calls,
    orders,
    next(method, ...answers) {
      queued[method].push(...answers);
    },
    callsOf<M extends WdtCall['method']>(method: M) {
      return calls.filter((call): call is Extract<WdtCall, { method: M }> => call.method === method);
    },
    async cancelStockin(stockinNo, fence) {
      // As the real client does: signed (and so sent) only once the fence lets it, while it still holds.
      const grant = await fence(options.now?.() ?? new Date());
      if (!grant.ok) return { kind: 'not_sent', reason: `not signed: ${grant.reason}`, durationMs: 0 };
      if (!grant.stillValid())
        return { kind: 'not_sent', reason: 'not sent: the fence expired', durationMs: 0 };
      calls.push({ method: 'cancelStockin', stockinNo });
      return answer(queued.cancelStockin.shift(), (): WdtOutcome<null> => {
        const order = orders.get(stockinNo);
        if (order?.status !== STOCKIN_STATUS.editing) {
          return { kind: 'refused', status: 1, code: null, message: '入库单状态不为编辑中', durationMs: 5 };
        }
        order.status = STOCKIN_STATUS.cancelled;
        return { kind: 'ok', data: null, durationMs: 5 };
      });
    },
    queryStockin(query) {
      calls.push({ method: 'queryStockin', query });
      return answer(queued.queryStockin.shift(), (): WdtOutcome<StockinOrder[]> => {
        const order = orders.get(query.stockinNo);
        return { kind: 'ok', data: order ? [{ ...order }] : [], durationMs: 5 };
      });
    },
    serverTime() {
      calls.push({ method: 'serverTime' });
      return answer(queued.serverTime.shift(), () => ({
        kind: 'ok',
        data: options.now?.() ?? new Date(0),
        durationMs: 5,
      }));
    },
  };
}
