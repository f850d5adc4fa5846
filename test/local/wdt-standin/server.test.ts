import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { STOCKIN_STATUS } from '../../../src/core/purchase-stockin.js';
import {
  DEMO_ORDERS,
  SANDBOX_CREDENTIALS,
  SANDBOX_MESSAGES,
  type SandboxOrder,
  startWdtSandbox,
  type WdtSandbox,
  type WdtSandboxOptions,
} from '../../../src/local/wdt-standin/server.js';
import { formatShanghai } from '../../../src/shanghai-time.js';
import { WDT_METHOD } from '../../../src/wdt/methods.js';
import { signRequest, splitAppSecret, wdtTimestamp } from '../../../src/wdt/sign.js';

const NOW = new Date('2026-06-03T04:00:00Z');
const fixedClock = { now: () => NOW };
const DAY_MS = 86_400_000;
const { secret, salt } = splitAppSecret(SANDBOX_CREDENTIALS.appSecret);

let sandbox: WdtSandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

async function start(options: WdtSandboxOptions = {}): Promise<WdtSandbox> {
  sandbox = await startWdtSandbox({ clock: fixedClock, ...options });
  return sandbox;
}

interface CallOptions {
  /** Replaces (or, when undefined, removes) public parameters before signing. */
  query?: Record<string, string | undefined>;
  secret?: string;
  at?: Date;
  rawBody?: string;
  /** Replaces the sign after signing. */
  sign?: string;
}

/** A qjb call signed the way the vendor documents it, built here independently of the client. */
async function qjb(target: WdtSandbox, method: string, args: unknown, options: CallOptions = {}) {
  const body = options.rawBody ?? JSON.stringify(args);
  const params: Record<string, string> = {
    sid: SANDBOX_CREDENTIALS.sid,
    key: SANDBOX_CREDENTIALS.appKey,
    salt,
    method,
    v: '1.0',
    timestamp: String(wdtTimestamp(options.at ?? NOW)),
  };
  for (const [name, value] of Object.entries(options.query ?? {})) {
    if (value === undefined) delete params[name];
    else params[name] = value;
  }
  const sign = options.sign ?? signRequest(options.secret ?? secret, params, body);
  const response = await request(`${target.url}?${new URLSearchParams({ ...params, sign })}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body,
  });
  const text = await response.body.text();
  return {
    httpStatus: response.statusCode,
    contentType: response.headers['content-type'],
    text,
    json: parseJson(text),
  };
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

const query = (target: WdtSandbox, params: Record<string, unknown>, pager: Record<string, string> = {}) =>
  qjb(target, WDT_METHOD.queryStockin, [params], { query: pager });

const lastDays = (days: number) => ({
  start_time: formatShanghai(new Date(NOW.getTime() - days * DAY_MS)),
  end_time: formatShanghai(NOW),
});

async function control(target: WdtSandbox, method: 'GET' | 'POST', path: string, body?: unknown) {
  const response = await request(new URL(`/__sandbox/${path}`, target.url), {
    method,
    ...(body === undefined
      ? {}
      : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  return { status: response.statusCode, json: (await response.body.json()) as Record<string, unknown> };
}

describe('demo data', () => {
  it('seeds several editing orders, one of each other status, all modified in the last few days', async () => {
    const s = await start();
    const orders = [...s.orders.values()];
    const count = (status: number) => orders.filter((order) => order.status === status).length;
    expect(count(STOCKIN_STATUS.editing)).toBeGreaterThanOrEqual(3);
    expect(count(STOCKIN_STATUS.completed)).toBe(1);
    expect(count(STOCKIN_STATUS.cancelled)).toBe(1);
    expect(count(STOCKIN_STATUS.pendingReview)).toBe(1);
    expect(s.orders.get('RK2006030008')?.status).toBe(STOCKIN_STATUS.editing);
    for (const order of orders) {
      expect(NOW.getTime() - order.modifiedAt.getTime()).toBeGreaterThan(0);
      expect(NOW.getTime() - order.modifiedAt.getTime()).toBeLessThan(5 * DAY_MS);
      expect(order.createdAt.getTime()).toBeLessThanOrEqual(order.modifiedAt.getTime());
      expect(order.details.length).toBeGreaterThan(0);
      expect(order.providerName).toMatch(/[\u4e00-\u9fff]/);
    }
    expect(orders).toHaveLength(DEMO_ORDERS.length);
  });

  it('takes its own orders instead, and keeps them apart from the caller', async () => {
    const own: SandboxOrder = {
      stockinId: 1,
      stockinNo: 'RK9999',
      status: STOCKIN_STATUS.editing,
      warehouseNo: 'WH1',
      purchaseId: 1,
      purchaseNo: 'CG1',
      providerNo: 'P1',
      providerName: '测试供应商',
      remark: '',
      operatorName: '测试',
      createdAt: new Date(NOW.getTime() - DAY_MS),
      modifiedAt: new Date(NOW.getTime() - DAY_MS),
      details: [],
    };
    const s = await start({ orders: [own] });
    expect([...s.orders.keys()]).toEqual(['RK9999']);
    await qjb(s, WDT_METHOD.cancelStockin, ['RK9999']);
    expect(s.orders.get('RK9999')?.status).toBe(STOCKIN_STATUS.cancelled);
    expect(own.status).toBe(STOCKIN_STATUS.editing);
  });
});

describe('authentication', () => {
  it('answers a correctly signed call', async () => {
    const s = await start();
    const answer = await qjb(s, WDT_METHOD.serverTime, []);
    expect(answer.httpStatus).toBe(200);
    expect(answer.contentType).toContain('application/json');
    expect(answer.json).toEqual({ status: 0, data: NOW.getTime() / 1000 });
  });

  it.each<[string, CallOptions, number, string]>([
    ['an unknown sid', { query: { sid: 'nobody' } }, 1, SANDBOX_MESSAGES.unknownSid],
    ['a wrong appkey', { query: { key: 'other_key' } }, 1, SANDBOX_MESSAGES.authFailed],
    ['a wrong salt', { query: { salt: 'other-salt' } }, 1, SANDBOX_MESSAGES.authFailed],
    ['a sign made with another secret', { secret: 'another-secret' }, 1, SANDBOX_MESSAGES.authFailed],
    ['a tampered sign', { sign: '0'.repeat(32) }, 1, SANDBOX_MESSAGES.authFailed],
    ['a missing timestamp', { query: { timestamp: undefined } }, 1, SANDBOX_MESSAGES.missingParameter],
    ['version 2.0', { query: { v: '2.0' } }, 8, SANDBOX_MESSAGES.badVersion],
    ['a timestamp 121 s late', { at: new Date(NOW.getTime() - 121_000) }, 7, SANDBOX_MESSAGES.badTimestamp],
    ['a timestamp 121 s early', { at: new Date(NOW.getTime() + 121_000) }, 7, SANDBOX_MESSAGES.badTimestamp],
    ['a timestamp that is no number', { query: { timestamp: 'soon' } }, 7, SANDBOX_MESSAGES.badTimestamp],
  ])('refuses %s', async (_label, options, status, message) => {
    const s = await start();
    const answer = await qjb(s, WDT_METHOD.cancelStockin, ['RK2006030008'], options);
    expect(answer.json?.status).toBe(status);
    expect(String(answer.json?.message)).toContain(message);
    expect(s.orders.get('RK2006030008')?.status).toBe(STOCKIN_STATUS.editing);
  });

  it('accepts a timestamp 120 s off', async () => {
    const s = await start();
    const answer = await qjb(s, WDT_METHOD.cancelStockin, ['RK2006030008'], {
      at: new Date(NOW.getTime() - 120_000),
    });
    expect(answer.json).toEqual({ status: 0 });
  });

  it('signs over the exact body bytes', async () => {
    const s = await start();
    const signed = await qjb(s, WDT_METHOD.cancelStockin, null, { rawBody: '["RK2006030008"]' });
    expect(signed.json?.status).toBe(0);
    const params = {
      sid: SANDBOX_CREDENTIALS.sid,
      key: SANDBOX_CREDENTIALS.appKey,
      salt,
      method: WDT_METHOD.cancelStockin,
      v: '1.0',
      timestamp: String(wdtTimestamp(NOW)),
    };
    const signOfCompact = signRequest(secret, params, '["RK2006030009"]');
    const spaced = await qjb(s, WDT_METHOD.cancelStockin, null, {
      rawBody: '[ "RK2006030009" ]',
      sign: signOfCompact,
    });
    expect(spaced.json?.status).toBe(1);
  });

  it('lets system.Core.now through whatever the timestamp, so a client can measure its skew', async () => {
    const s = await start();
    const answer = await qjb(s, WDT_METHOD.serverTime, [], { at: new Date(NOW.getTime() - 3_600_000) });
    expect(answer.json?.status).toBe(0);
  });

  it('refuses an unknown method after authenticating it', async () => {
    const s = await start();
    const answer = await qjb(s, 'wms.stockin.Purchase.delete', ['RK2006030008']);
    expect(answer.json?.status).toBe(99);
  });

  it('refuses a body that is not a JSON array', async () => {
    const s = await start();
    const answer = await qjb(s, WDT_METHOD.cancelStockin, null, { rawBody: '{"stockin_no":"RK2006030008"}' });
    expect(answer.json).toEqual({ status: 1, message: SANDBOX_MESSAGES.badBody });
  });
});

describe('wms.stockin.Purchase.cancel', () => {
  it('cancels an order in editing state once, then refuses', async () => {
    const s = await start();
    expect((await qjb(s, WDT_METHOD.cancelStockin, ['RK2006030008'])).json).toEqual({ status: 0 });
    const order = s.orders.get('RK2006030008')!;
    expect(order.status).toBe(STOCKIN_STATUS.cancelled);
    expect(order.modifiedAt).toEqual(NOW);
    expect((await qjb(s, WDT_METHOD.cancelStockin, ['RK2006030008'])).json).toEqual({
      status: 100,
      message: SANDBOX_MESSAGES.notEditing,
    });
  });

  it.each(['RK2006020015', 'RK2006010021', 'RK2006020003'])(
    'refuses %s, which is not in editing state',
    async (no) => {
      const s = await start();
      const before = s.orders.get(no)!.status;
      expect((await qjb(s, WDT_METHOD.cancelStockin, [no])).json).toEqual({
        status: 100,
        message: SANDBOX_MESSAGES.notEditing,
      });
      expect(s.orders.get(no)!.status).toBe(before);
    },
  );

  it('refuses an unknown order', async () => {
    const s = await start();
    expect((await qjb(s, WDT_METHOD.cancelStockin, ['RK404'])).json).toEqual({
      status: 100,
      message: SANDBOX_MESSAGES.notFound,
    });
  });
});

describe('wms.stockin.Purchase.queryWithDetail', () => {
  it('finds by number only the order with that number, and only inside the time window', async () => {
    const s = await start();
    const total = async (filter: Record<string, unknown>) =>
      ((await query(s, filter, { calc_total: '1' })).json?.data as { total_count?: number } | undefined)
        ?.total_count;
    expect(await total({ ...lastDays(7), stockin_no: 'RK2006030008' })).toBe(1);
    expect(await total({ ...lastDays(7), stockin_no: 'RK2006039999' })).toBe(0);
    const seeded = s.orders.get('RK2006030008')!;
    const before = new Date(seeded.modifiedAt.getTime() - 60_000);
    const window = {
      start_time: formatShanghai(new Date(before.getTime() - DAY_MS)),
      end_time: formatShanghai(before),
    };
    expect(await total({ ...window, stockin_no: 'RK2006030008' })).toBe(0);
  });

  it('returns orders with vendor field names and epoch-millisecond times', async () => {
    const s = await start();
    const answer = await query(s, { ...lastDays(7), stockin_no: 'RK2006030008' }, { calc_total: '1' });
    const data = answer.json?.data as { total_count: number; order: Array<Record<string, unknown>> };
    expect(data.total_count).toBe(1);
    const [order] = data.order;
    const seeded = s.orders.get('RK2006030008')!;
    expect(order).toMatchObject({
      order_no: 'RK2006030008',
      status: 20,
      warehouse_no: seeded.warehouseNo,
      purchase_no: seeded.purchaseNo,
      provider_name: seeded.providerName,
      goods_count: 240,
      modified: seeded.modifiedAt.getTime(),
      created_time: seeded.createdAt.getTime(),
      operator_name: seeded.operatorName,
    });
    expect(order?.details_list).toEqual([
      expect.objectContaining({ goods_name: '不锈钢保温杯', spec_name: '500ml 雾白', num: 120 }),
      expect.objectContaining({ goods_name: '硅胶杯盖', num: 120 }),
    ]);
  });

  it('filters by the modified-time window', async () => {
    const s = await start();
    const end = new Date(NOW.getTime() - 3 * 3_600_000);
    const answer = await query(s, {
      start_time: formatShanghai(new Date(end.getTime() - DAY_MS)),
      end_time: formatShanghai(end),
    });
    const data = answer.json?.data as { order: Array<{ order_no: string }> } | undefined;
    const numbers = data?.order.map((o) => o.order_no);
    // Modified 24 h, 20 h and 5 h ago; RK2006030008 (2 h) is after the window, the rest before it.
    expect(numbers).toEqual(['RK2006030010', 'RK2006020003', 'RK2006030009']);
  });

  it('filters by comma-joined statuses and pages', async () => {
    const s = await start();
    const first = await query(
      s,
      { ...lastDays(10), status: '20,30' },
      { page_size: '3', page_no: '0', calc_total: '1' },
    );
    const second = await query(
      s,
      { ...lastDays(10), status: '20,30' },
      { page_size: '3', page_no: '1', calc_total: '0' },
    );
    const firstData = first.json?.data as {
      total_count?: number;
      order: Array<{ order_no: string; status: number }>;
    };
    const secondData = second.json?.data as {
      total_count?: number;
      order: Array<{ order_no: string; status: number }>;
    };
    expect(firstData.total_count).toBe(4);
    expect(firstData.order).toHaveLength(3);
    expect(secondData.total_count).toBeUndefined();
    expect(secondData.order).toHaveLength(1);
    const all = [...firstData.order, ...secondData.order];
    expect(new Set(all.map((o) => o.order_no)).size).toBe(4);
    expect(all.every((o) => o.status === 20 || o.status === 30)).toBe(true);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['a missing start', { end_time: formatShanghai(NOW) }, SANDBOX_MESSAGES.badTimeRange],
    [
      'a malformed end',
      { start_time: formatShanghai(NOW), end_time: '2026/06/03' },
      SANDBOX_MESSAGES.badTimeRange,
    ],
    ['a window over 30 days', lastDays(30.5), SANDBOX_MESSAGES.timeRangeTooLong],
    [
      'an end before the start',
      { start_time: formatShanghai(NOW), end_time: '2020-01-01 00:00:00' },
      SANDBOX_MESSAGES.timeRangeTooLong,
    ],
  ])('refuses %s with status 100', async (_label, params, message) => {
    const s = await start();
    expect((await query(s, params)).json).toEqual({ status: 100, message });
  });

  it('accepts exactly 30 days', async () => {
    const s = await start();
    expect((await query(s, lastDays(30))).json?.status).toBe(0);
  });
});

describe('system.Core.now', () => {
  it('answers seconds since 1970 of the sandbox clock, shifted by clockOffsetSec', async () => {
    const s = await start();
    s.faults.set({ clockOffsetSec: -90 });
    expect((await qjb(s, WDT_METHOD.serverTime, [])).json).toEqual({
      status: 0,
      data: NOW.getTime() / 1000 - 90,
    });
  });
});

describe('faults', () => {
  it.each<[string, number, RegExp, string]>([
    ['http500Html', 500, /^text\/html/, '<html>'],
    ['http502Html', 502, /^text\/html/, '502 Bad Gateway'],
    ['nonJson', 200, /^text\/html/, '<html>'],
    ['emptyBody', 200, /json/, ''],
    ['missingStatus', 200, /json/, '服务繁忙'],
    ['codeOnly', 200, /json/, '"code":2102'],
  ])('%s', async (fault, httpStatus, contentType, text) => {
    const s = await start();
    s.faults.set({ [fault]: true });
    const answer = await qjb(s, WDT_METHOD.cancelStockin, ['RK2006030008']);
    expect(answer.httpStatus).toBe(httpStatus);
    expect(String(answer.contentType)).toMatch(contentType);
    if (text) expect(answer.text).toContain(text);
    else expect(answer.text).toBe('');
    if (fault === 'missingStatus') expect(answer.json).not.toHaveProperty('status');
    expect(s.orders.get('RK2006030008')?.status).toBe(STOCKIN_STATUS.editing);
    expect(s.calls).toEqual([
      expect.objectContaining({ method: WDT_METHOD.cancelStockin, fault, httpStatus }),
    ]);
  });

  it('rate limits exactly the next n calls', async () => {
    const s = await start();
    s.faults.set({ rateLimitNext: 2 });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await qjb(s, WDT_METHOD.serverTime, [])).json);
    expect(statuses).toEqual([
      { status: 100, message: SANDBOX_MESSAGES.rateLimited },
      { status: 100, message: SANDBOX_MESSAGES.rateLimited },
      expect.objectContaining({ status: 0 }),
    ]);
    expect(s.calls.map((call) => call.status)).toEqual([100, 100, 0]);
  });

  it('scopes a fault to one method', async () => {
    const s = await start();
    s.faults.set({ rateLimitNext: 1, http502Html: true }, WDT_METHOD.cancelStockin);
    expect((await qjb(s, WDT_METHOD.serverTime, [])).json?.status).toBe(0);
    expect((await qjb(s, WDT_METHOD.cancelStockin, ['RK2006030008'])).httpStatus).toBe(502);
  });

  it('waits latencyMs before answering', async () => {
    const s = await start();
    s.faults.set({ latencyMs: 150 });
    const started = performance.now();
    expect((await qjb(s, WDT_METHOD.serverTime, [])).json?.status).toBe(0);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('runs the call, then holds the answer back for answerDelayMs', async () => {
    const s = await start();
    s.faults.set({ answerDelayMs: 1_000 }, WDT_METHOD.cancelStockin);
    const started = performance.now();
    const pending = qjb(s, WDT_METHOD.cancelStockin, ['RK2006030008']);
    let answered = false;
    void pending.then(() => {
      answered = true;
    });
    await expect
      .poll(() => s.orders.get('RK2006030008')?.status, { timeout: 5_000, interval: 10 })
      .toBe(STOCKIN_STATUS.cancelled);
    // The order is cancelled while the answer is still held back (no wall-clock margin to miss).
    expect(answered).toBe(false);
    expect(s.calls[0]).toMatchObject({ status: 0, httpStatus: null });
    expect((await pending).json).toEqual({ status: 0 });
    expect(performance.now() - started).toBeGreaterThanOrEqual(990);
  });

  it('resets the connection after reading the request', async () => {
    const s = await start();
    s.faults.set({ resetAfterRequest: true });
    await expect(qjb(s, WDT_METHOD.cancelStockin, ['RK2006030008'])).rejects.toThrow();
    expect(s.calls).toEqual([
      expect.objectContaining({ fault: 'resetAfterRequest', httpStatus: null, body: ['RK2006030008'] }),
    ]);
  });

  it('hangs without answering, and still closes promptly', async () => {
    const s = await start();
    s.faults.set({ hang: true });
    const pending = qjb(s, WDT_METHOD.cancelStockin, ['RK2006030008']);
    const caught = pending.then(
      () => 'answered',
      () => 'dropped',
    );
    await expect.poll(() => s.calls.length, { timeout: 2_000, interval: 10 }).toBe(1);
    const raced = await Promise.race([
      caught,
      new Promise((resolve) => setTimeout(() => resolve('waiting'), 100)),
    ]);
    expect(raced).toBe('waiting');
    await s.close();
    sandbox = undefined;
    expect(await caught).toBe('dropped');
  });

  it('refuses unknown knobs', async () => {
    const s = await start();
    expect(() => s.faults.set(JSON.parse('{"explode":true}'))).toThrow();
  });
});

describe('control endpoints', () => {
  it('sets faults, lists calls and resets over HTTP', async () => {
    const s = await start();
    const set = await control(s, 'POST', 'faults', { method: WDT_METHOD.cancelStockin, rateLimitNext: 1 });
    expect(set.status).toBe(200);
    expect((await qjb(s, WDT_METHOD.cancelStockin, ['RK2006030008'])).json?.status).toBe(100);
    expect((await qjb(s, WDT_METHOD.cancelStockin, ['RK2006030008'])).json?.status).toBe(0);

    const calls = await control(s, 'GET', 'calls');
    expect(calls.json).toEqual([
      expect.objectContaining({ method: WDT_METHOD.cancelStockin, status: 100, body: ['RK2006030008'] }),
      expect.objectContaining({ method: WDT_METHOD.cancelStockin, status: 0 }),
    ]);

    const reset = await control(s, 'POST', 'reset');
    expect(reset.status).toBe(200);
    expect(s.calls).toHaveLength(0);
    expect(s.orders.get('RK2006030008')?.status).toBe(STOCKIN_STATUS.editing);
    expect(s.faults.snapshot()).toEqual({ global: {}, byMethod: {} });
  });

  it('answers 400 to a bad fault request, naming the problem', async () => {
    const s = await start();
    const answer = await control(s, 'POST', 'faults', { latencyMs: -1 });
    expect(answer.status).toBe(400);
    expect(String(answer.json.error)).toContain('latencyMs');
  });
});
