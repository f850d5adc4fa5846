import { createServer } from 'node:net';
import { pino } from 'pino';
import { MockAgent } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/ports/clock.js';
import type { FenceGrant, SendFence, WdtOutcome } from '../../src/core/ports/wdt.js';
import { STOCKIN_STATUS } from '../../src/core/purchase-stockin.js';
import {
  SANDBOX_CREDENTIALS,
  SANDBOX_MESSAGES,
  type SandboxFaults,
  startWdtSandbox,
  type WdtSandbox,
} from '../../src/local/wdt-standin/server.js';
import { USER_AGENT } from '../../src/version.js';
import { createWdtClient, type WdtClient, type WdtClientOptions } from '../../src/wdt/client.js';
import { WDT_METHOD } from '../../src/wdt/methods.js';
import { resyncOnTimestampRefusal } from '../../src/wdt/resync-on-timestamp-refusal.js';
import { wdtTimestamp } from '../../src/wdt/sign.js';
import { SkewClock } from '../../src/wdt/skew-clock.js';
import { memoryLog } from '../support/memory-log.js';
import { OPEN_FENCE } from '../support/open-fence.js';

const EDITING = 'RK2006030008';
const COMPLETED = 'RK2006020015';
const SECRET = SANDBOX_CREDENTIALS.appSecret.split(':')[0]!;
const DAY_MS = 86_400_000;

let sandbox: WdtSandbox;
const clients: WdtClient[] = [];

beforeEach(async () => {
  sandbox = await startWdtSandbox();
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await sandbox.close();
});

interface Harness {
  client: WdtClient;
  log: ReturnType<typeof memoryLog>;
  sleeps: number[];
}

/** A client on the sandbox, logging at trace into memory, with an instant recorded sleep for retries. */
function build(overrides: Partial<WdtClientOptions> = {}, log = memoryLog()): Harness {
  const sleeps: number[] = [];
  const client = createWdtClient({
    baseUrl: sandbox.url,
    sid: SANDBOX_CREDENTIALS.sid,
    appKey: SANDBOX_CREDENTIALS.appKey,
    appSecret: SANDBOX_CREDENTIALS.appSecret,
    timeoutMs: 2_000,
    clock: systemClock,
    // Plain pino, no redaction: the client must keep secrets out by construction.
    logger: pino({ level: 'trace' }, log.destination),
    ...overrides,
    rateLimitRetry: {
      maxAttempts: 3,
      baseDelayMs: 100,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      ...overrides.rateLimitRetry,
    },
  });
  clients.push(client);
  return { client, log, sleeps };
}

const callsTo = (method: string) => sandbox.calls.filter((call) => call.method === method);
const cancelCalls = () => callsTo(WDT_METHOD.cancelStockin);

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('cancelStockin over HTTP against the sandbox', () => {
  it('cancels an order in editing state, signing a positional JSON body', async () => {
    const { client } = build();
    const outcome = await client.cancelStockin(EDITING, OPEN_FENCE);
    expect(outcome).toMatchObject({ kind: 'ok', data: null });
    expect(outcome.durationMs).toBeGreaterThanOrEqual(0);
    expect(sandbox.orders.get(EDITING)?.status).toBe(STOCKIN_STATUS.cancelled);
    const [call] = cancelCalls();
    expect(cancelCalls()).toHaveLength(1);
    expect(call?.body).toEqual([EDITING]);
    expect(call?.contentType).toBe('application/json; charset=utf-8');
    expect(call?.userAgent).toBe(USER_AGENT);
    expect(Object.keys(call?.query ?? {}).sort()).toEqual([
      'key',
      'method',
      'salt',
      'sid',
      'sign',
      'timestamp',
      'v',
    ]);
    expect(call?.query).toMatchObject({ sid: SANDBOX_CREDENTIALS.sid, v: '1.0', salt: 'sandbox-salt-77e2' });
    expect(JSON.stringify(call?.query)).not.toContain(SECRET);
  });

  it('reports a refusal with its status and message, and does not retry it', async () => {
    const { client } = build();
    const outcome = await client.cancelStockin(COMPLETED, OPEN_FENCE);
    expect(outcome).toMatchObject({
      kind: 'refused',
      status: 100,
      code: null,
      message: SANDBOX_MESSAGES.notEditing,
    });
    expect(cancelCalls()).toHaveLength(1);
    expect(sandbox.orders.get(COMPLETED)?.status).toBe(STOCKIN_STATUS.completed);
  });

  it('answers a second cancel of the same order with a refusal', async () => {
    const { client } = build();
    expect((await client.cancelStockin(EDITING, OPEN_FENCE)).kind).toBe('ok');
    expect(await client.cancelStockin(EDITING, OPEN_FENCE)).toMatchObject({
      kind: 'refused',
      message: SANDBOX_MESSAGES.notEditing,
    });
  });

  it('reports an unknown order as refused', async () => {
    const { client } = build();
    expect(await client.cancelStockin('RK0000000000', OPEN_FENCE)).toMatchObject({
      kind: 'refused',
      status: 100,
      message: SANDBOX_MESSAGES.notFound,
    });
  });

  it('retries a rate-limit refusal with exponential backoff, then succeeds', async () => {
    const { client, sleeps } = build();
    sandbox.faults.set({ rateLimitNext: 2 });
    const outcome = await client.cancelStockin(EDITING, OPEN_FENCE);
    expect(outcome.kind).toBe('ok');
    expect(cancelCalls()).toHaveLength(3);
    expect(cancelCalls().map((call) => call.status)).toEqual([100, 100, 0]);
    expect(sleeps).toEqual([100, 200]);
    expect(sandbox.orders.get(EDITING)?.status).toBe(STOCKIN_STATUS.cancelled);
  });

  it('gives up after exactly maxAttempts rate-limit refusals', async () => {
    const { client, sleeps } = build({ rateLimitRetry: { maxAttempts: 4 } });
    sandbox.faults.set({ rateLimitNext: 10 });
    const outcome = await client.cancelStockin(EDITING, OPEN_FENCE);
    expect(outcome).toMatchObject({
      kind: 'rate_limited',
      attempts: 4,
      message: SANDBOX_MESSAGES.rateLimited,
    });
    expect(cancelCalls()).toHaveLength(4);
    expect(sleeps).toEqual([100, 200, 400]);
    expect(sandbox.orders.get(EDITING)?.status).toBe(STOCKIN_STATUS.editing);
  });

  it('caps the backoff delay', async () => {
    const { client, sleeps } = build({
      rateLimitRetry: { maxAttempts: 4, baseDelayMs: 1_000, maxDelayMs: 1_500 },
    });
    sandbox.faults.set({ rateLimitNext: 10 });
    expect((await client.cancelStockin(EDITING, OPEN_FENCE)).kind).toBe('rate_limited');
    expect(sleeps).toEqual([1_000, 1_500, 1_500]);
  });

  it('reports not_sent when nothing listens on the port', async () => {
    const port = await closedPort();
    const { client } = build({ baseUrl: `http://127.0.0.1:${port}/openapi` });
    const outcome = await client.cancelStockin(EDITING, OPEN_FENCE);
    expect(outcome).toMatchObject({ kind: 'not_sent', reason: expect.stringContaining('ECONNREFUSED') });
  });

  it('reports not_sent after close()', async () => {
    const { client } = build();
    await client.close();
    expect((await client.cancelStockin(EDITING, OPEN_FENCE)).kind).toBe('not_sent');
    expect(sandbox.calls).toHaveLength(0);
  });

  it('reports unknown, without retrying, when WDT never answers', async () => {
    const { client } = build({ timeoutMs: 150 });
    sandbox.faults.set({ hang: true });
    const outcome = await client.cancelStockin(EDITING, OPEN_FENCE);
    // undici checks its timeouts on a coarse tick, so the whole-call deadline may fire first.
    expect(outcome).toMatchObject({
      kind: 'unknown',
      reason: expect.stringMatching(/UND_ERR_HEADERS_TIMEOUT|deadline/),
    });
    expect(outcome.durationMs).toBeGreaterThanOrEqual(140);
    expect(outcome.durationMs).toBeLessThan(2_000);
    expect(cancelCalls()).toHaveLength(1);
  });

  it('reports unknown when the connection drops after the request was sent', async () => {
    const { client } = build();
    sandbox.faults.set({ resetAfterRequest: true });
    const outcome = await client.cancelStockin(EDITING, OPEN_FENCE);
    expect(outcome.kind).toBe('unknown');
    expect(cancelCalls()).toHaveLength(1);
  });

  it.each<[keyof SandboxFaults, number, string]>([
    ['http500Html', 500, 'HTTP 500 (text/html'],
    ['http502Html', 502, 'HTTP 502 (text/html'],
    ['nonJson', 200, 'not JSON (text/html'],
    ['emptyBody', 200, 'empty body'],
    ['missingStatus', 200, 'neither status nor code'],
  ])('reports %s as a protocol error', async (fault, httpStatus, reason) => {
    const { client } = build();
    sandbox.faults.set({ [fault]: true });
    const outcome = await client.cancelStockin(EDITING, OPEN_FENCE);
    expect(outcome).toMatchObject({
      kind: 'protocol_error',
      httpStatus,
      reason: expect.stringContaining(reason),
    });
    expect(cancelCalls()).toHaveLength(1);
  });

  it('reports a code-only body as a refusal', async () => {
    const { client } = build();
    sandbox.faults.set({ codeOnly: true });
    expect(await client.cancelStockin(EDITING, OPEN_FENCE)).toMatchObject({
      kind: 'refused',
      status: null,
      code: '2102',
      message: SANDBOX_MESSAGES.codeOnly,
    });
  });

  it('is refused with status 1 when signed with the wrong secret', async () => {
    const { client } = build({ appSecret: `not-the-secret:${SANDBOX_CREDENTIALS.appSecret.split(':')[1]}` });
    expect(await client.cancelStockin(EDITING, OPEN_FENCE)).toMatchObject({
      kind: 'refused',
      status: 1,
      message: SANDBOX_MESSAGES.authFailed,
    });
    expect(sandbox.orders.get(EDITING)?.status).toBe(STOCKIN_STATUS.editing);
  });

  it('is refused with sid is not exists for an unknown seller account', async () => {
    const { client } = build({ sid: 'othersid' });
    expect(await client.cancelStockin(EDITING, OPEN_FENCE)).toMatchObject({
      kind: 'refused',
      status: 1,
      message: 'sid is not exists',
    });
  });
});

describe('the fence before each signature of a cancel', () => {
  /** A fence that records the timestamps it was shown and answers as `grant` says. */
  function recordingFence(
    grant: (shown: Date[]) => FenceGrant = () => ({ ok: true, stillValid: () => true }),
  ) {
    const shown: Date[] = [];
    const fence: SendFence = async (signingAt) => {
      shown.push(signingAt);
      return grant(shown);
    };
    return { fence, shown };
  }

  it('signs with the very timestamp the fence was shown', async () => {
    const { client } = build();
    const { fence, shown } = recordingFence();
    expect((await client.cancelStockin(EDITING, fence)).kind).toBe('ok');
    expect(shown).toHaveLength(1);
    expect(cancelCalls()[0]?.query.timestamp).toBe(String(wdtTimestamp(shown[0]!)));
  });

  it('sends nothing, and says so, when the fence refuses', async () => {
    const { client } = build();
    const { fence } = recordingFence(() => ({ ok: false, reason: 'fence refused (superseded)' }));
    expect(await client.cancelStockin(EDITING, fence)).toMatchObject({
      kind: 'not_sent',
      reason: 'not signed: fence refused (superseded)',
    });
    expect(cancelCalls()).toEqual([]);
    expect(sandbox.orders.get(EDITING)?.status).toBe(STOCKIN_STATUS.editing);
  });

  it('sends nothing when the fence no longer holds once the request is signed', async () => {
    const { client } = build();
    const { fence } = recordingFence(() => ({ ok: true, stillValid: () => false }));
    expect(await client.cancelStockin(EDITING, fence)).toMatchObject({ kind: 'not_sent' });
    expect(cancelCalls()).toEqual([]);
  });

  it('asks the fence again before each rate-limit retry, and stops when it refuses', async () => {
    const { client } = build();
    sandbox.faults.set({ rateLimitNext: 2 });
    const { fence, shown } = recordingFence((seen) =>
      seen.length < 2
        ? { ok: true, stillValid: () => true }
        : { ok: false, reason: 'fence refused (paused)' },
    );
    expect(await client.cancelStockin(EDITING, fence)).toMatchObject({ kind: 'not_sent' });
    expect(shown).toHaveLength(2);
    expect(cancelCalls()).toHaveLength(1);
  });

  it('signs the retry after a clock resync behind a fence of its own', async () => {
    sandbox.faults.set({ clockOffsetSec: 600 });
    const skew = new SkewClock({ logger: pino({ level: 'silent' }) });
    const { client } = build({ clock: skew });
    const { fence, shown } = recordingFence();
    expect((await resyncOnTimestampRefusal(client, skew).cancelStockin(EDITING, fence)).kind).toBe('ok');
    expect(shown).toHaveLength(2);
    expect(shown[1]!.getTime() - shown[0]!.getTime()).toBeGreaterThan(590_000);
    expect(cancelCalls()).toHaveLength(2);
  });
});

describe('clock skew', () => {
  it('is refused with status 7 when the clocks differ, and succeeds once the skew clock has measured', async () => {
    sandbox.faults.set({ clockOffsetSec: 600 });
    const plain = build();
    expect(await plain.client.cancelStockin(EDITING, OPEN_FENCE)).toMatchObject({
      kind: 'refused',
      status: 7,
    });

    const log = memoryLog();
    const skew = new SkewClock({ logger: pino({ level: 'trace' }, log.destination) });
    const corrected = build({ clock: skew }, log);
    const measured = await skew.measure(corrected.client);
    expect(measured).not.toBeNull();
    expect(Math.abs(measured! - 600_000)).toBeLessThan(2_000);
    expect(skew.offsetMs).toBe(measured);
    expect(log.entries().some((entry) => entry.level === 40 && entry.skewMs === measured)).toBe(true);

    expect((await corrected.client.cancelStockin(EDITING, OPEN_FENCE)).kind).toBe('ok');
    expect(sandbox.orders.get(EDITING)?.status).toBe(STOCKIN_STATUS.cancelled);
  });

  it('does not warn for a small skew', async () => {
    const log = memoryLog();
    const skew = new SkewClock({ logger: pino({ level: 'trace' }, log.destination) });
    const { client } = build({ clock: skew }, log);
    const measured = await skew.measure(client);
    expect(Math.abs(measured!)).toBeLessThan(2_000);
    expect(log.entries().filter((entry) => entry.level === 40)).toHaveLength(0);
  });

  it('keeps the previous correction when WDT cannot be asked', async () => {
    const log = memoryLog();
    const skew = new SkewClock({ logger: pino({ level: 'trace' }, log.destination) });
    const { client } = build({ clock: skew }, log);
    sandbox.faults.set({ clockOffsetSec: -300 });
    const first = await skew.measure(client);
    sandbox.faults.set({ http502Html: true });
    expect(await skew.measure(client)).toBeNull();
    expect(skew.offsetMs).toBe(first);
  });
});

describe('serverTime', () => {
  it('reads system.Core.now with an empty argument list', async () => {
    const { client } = build();
    const outcome = await client.serverTime();
    expect(outcome.kind).toBe('ok');
    if (outcome.kind !== 'ok') return;
    expect(Math.abs(outcome.data.getTime() - Date.now())).toBeLessThan(2_000);
    expect(callsTo(WDT_METHOD.serverTime)[0]?.body).toEqual([]);
  });
});

describe('queryStockin against the sandbox', () => {
  it('maps the order, its times and its detail lines, querying by Shanghai time', async () => {
    const { client } = build();
    const end = new Date();
    const start = new Date(end.getTime() - 10 * DAY_MS);
    const outcome = await client.queryStockin({ stockinNo: EDITING, start, end });
    expect(outcome.kind).toBe('ok');
    if (outcome.kind !== 'ok') return;
    expect(outcome.data).toHaveLength(1);
    const seeded = sandbox.orders.get(EDITING)!;
    expect(outcome.data[0]).toEqual({
      stockinNo: EDITING,
      status: STOCKIN_STATUS.editing,
      warehouseNo: seeded.warehouseNo,
      purchaseNo: seeded.purchaseNo,
      providerName: seeded.providerName,
      goodsCount: 240,
      totalPrice: 120 * 18.5 + 120 * 2.3,
      remark: seeded.remark,
      operatorName: seeded.operatorName,
      createdAt: seeded.createdAt,
      modifiedAt: seeded.modifiedAt,
      details: seeded.details.map((line) => ({
        goodsName: line.goodsName,
        specName: line.specName,
        quantity: line.num,
      })),
    });

    const [call] = callsTo(WDT_METHOD.queryStockin);
    const shanghai = (date: Date) =>
      new Date(date.getTime() + 8 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');
    expect(call?.body).toEqual([
      { start_time: shanghai(start), end_time: shanghai(end), stockin_no: EDITING },
    ]);
    expect(call?.query).toMatchObject({ page_no: '0', page_size: '100', calc_total: '1' });
  });

  it('returns no order when none matches in the window', async () => {
    const { client } = build();
    const end = new Date(Date.now() - 20 * DAY_MS);
    const outcome = await client.queryStockin({
      stockinNo: EDITING,
      start: new Date(end.getTime() - DAY_MS),
      end,
    });
    expect(outcome).toMatchObject({ kind: 'ok', data: [] });
  });

  it('passes a refusal through (window over 30 days)', async () => {
    const { client } = build();
    const end = new Date();
    const outcome = await client.queryStockin({
      stockinNo: EDITING,
      start: new Date(end.getTime() - 40 * DAY_MS),
      end,
    });
    expect(outcome).toMatchObject({
      kind: 'refused',
      status: 100,
      message: SANDBOX_MESSAGES.timeRangeTooLong,
    });
  });

  it('retries a rate-limited page', async () => {
    const { client } = build();
    sandbox.faults.set({ rateLimitNext: 1 }, WDT_METHOD.queryStockin);
    const end = new Date();
    const outcome = await client.queryStockin({
      stockinNo: EDITING,
      start: new Date(end.getTime() - DAY_MS),
      end,
    });
    expect(outcome.kind).toBe('ok');
    expect(callsTo(WDT_METHOD.queryStockin)).toHaveLength(2);
  });
});

describe('queryStockin paging and lenient mapping (injected dispatcher)', () => {
  const ORIGIN = 'http://wdt.test';
  let agent: MockAgent;

  beforeEach(() => {
    agent = new MockAgent();
    agent.disableNetConnect();
  });
  afterEach(async () => {
    await agent.close();
  });

  const vendorOrder = (orderNo: string, extra: Record<string, unknown> = {}) => ({
    order_no: orderNo,
    status: 20,
    warehouse_no: 'WH1',
    purchase_no: 'CG1',
    provider_name: '供应商',
    goods_count: 1,
    total_price: 1,
    remark: '',
    operator_name: '张三',
    modified: 1_676_964_121_000,
    created_time: 1_676_964_112_000,
    details_list: [],
    ...extra,
  });

  function mockPages(pages: Array<Record<string, unknown>>): string[] {
    const paths: string[] = [];
    for (const data of pages) {
      agent
        .get(ORIGIN)
        .intercept({ method: 'POST', path: () => true })
        .reply(({ path }) => {
          paths.push(path);
          return {
            statusCode: 200,
            data: JSON.stringify({ status: 0, data }),
            responseOptions: { headers: { 'content-type': 'application/json' } },
          };
        });
    }
    return paths;
  }

  const mockClient = () => build({ baseUrl: `${ORIGIN}/openapi`, dispatcher: agent }).client;
  const query = {
    stockinNo: 'RK1',
    start: new Date('2024-04-20T00:00:00+08:00'),
    end: new Date('2024-04-22T00:00:00+08:00'),
  };

  it('reads every page until total_count is reached, keeping only the exact order number', async () => {
    const first = Array.from({ length: 100 }, (_, i) => vendorOrder(i === 7 ? 'RK1' : `RK1${i}`));
    const second = [vendorOrder('rk1'), vendorOrder('RK1', { status: '10' })];
    const paths = mockPages([{ total_count: 102, order: first }, { order: second }]);
    const outcome = await mockClient().queryStockin(query);
    expect(outcome.kind).toBe('ok');
    if (outcome.kind !== 'ok') return;
    expect(outcome.data.map((order) => [order.stockinNo, order.status])).toEqual([
      ['RK1', 20],
      ['RK1', 10],
    ]);
    expect(paths).toHaveLength(2);
    expect(new URLSearchParams(paths[0]!.split('?')[1]).get('page_no')).toBe('0');
    expect(new URLSearchParams(paths[1]!.split('?')[1]).get('page_no')).toBe('1');
    expect(new URLSearchParams(paths[1]!.split('?')[1]).get('calc_total')).toBe('0');
  });

  it('accepts string numbers and Shanghai date strings', async () => {
    mockPages([
      {
        total_count: '1',
        order: [
          vendorOrder('RK1', {
            status: '20',
            goods_count: '12.5000',
            total_price: '99.70000000',
            modified: '2024-04-21 10:00:00',
            created_time: '0000-00-00 00:00:00',
            details_list: [{ goods_name: '王小卤', spec_name: null, num: '5.0000' }],
          }),
        ],
      },
    ]);
    const outcome = await mockClient().queryStockin(query);
    expect(outcome).toMatchObject({
      kind: 'ok',
      data: [
        {
          status: 20,
          goodsCount: 12.5,
          totalPrice: 99.7,
          modifiedAt: new Date('2024-04-21T02:00:00Z'),
          createdAt: null,
          details: [{ goodsName: '王小卤', specName: '', quantity: 5 }],
        },
      ],
    });
  });

  it('reports a malformed order as a protocol error naming the field', async () => {
    mockPages([{ order: [vendorOrder('RK1', { status: 'editing' })] }]);
    expect(await mockClient().queryStockin(query)).toMatchObject({
      kind: 'protocol_error',
      reason: expect.stringContaining('order.0.status'),
    });
  });

  it('stops paging at its bound when the server ignores the filter', async () => {
    const full = { order: Array.from({ length: 100 }, (_, i) => vendorOrder(`RK9${i}`)) };
    const paths = mockPages(Array.from({ length: 12 }, () => full));
    const outcome = await mockClient().queryStockin(query);
    expect(outcome).toMatchObject({
      kind: 'protocol_error',
      reason: expect.stringContaining('stopped paging'),
    });
    expect(paths).toHaveLength(10);
  });
});

describe('secrets', () => {
  it('never puts the secret, a sign or the signed query in an outcome or a log line', async () => {
    const log = memoryLog();
    const { client } = build({ timeoutMs: 150 }, log);
    const outcomes: WdtOutcome<unknown>[] = [];
    const run = async (faults: SandboxFaults | null, call: () => Promise<WdtOutcome<unknown>>) => {
      sandbox.faults.reset();
      if (faults) sandbox.faults.set(faults);
      outcomes.push(await call());
    };
    const end = new Date();
    await run(null, () => client.cancelStockin(EDITING, OPEN_FENCE));
    await run(null, () => client.cancelStockin(COMPLETED, OPEN_FENCE));
    await run(null, () =>
      client.queryStockin({ stockinNo: EDITING, start: new Date(end.getTime() - DAY_MS), end }),
    );
    await run(null, () => client.serverTime());
    await run({ rateLimitNext: 5 }, () => client.cancelStockin('RK2006030009', OPEN_FENCE));
    await run({ hang: true }, () => client.cancelStockin('RK2006030009', OPEN_FENCE));
    await run({ resetAfterRequest: true }, () => client.cancelStockin('RK2006030009', OPEN_FENCE));
    await run({ http500Html: true }, () => client.cancelStockin('RK2006030009', OPEN_FENCE));
    await run({ http502Html: true }, () => client.cancelStockin('RK2006030009', OPEN_FENCE));
    await run({ nonJson: true }, () => client.cancelStockin('RK2006030009', OPEN_FENCE));
    await run({ clockOffsetSec: 900 }, () => client.cancelStockin('RK2006030009', OPEN_FENCE));
    const wrong = build({ appSecret: 'wrong-secret-value:sandbox-salt-77e2' }, log).client;
    await run(null, () => wrong.cancelStockin('RK2006030009', OPEN_FENCE));
    const port = await closedPort();
    const unreachable = build({ baseUrl: `http://127.0.0.1:${port}/openapi` }, log).client;
    await run(null, () => unreachable.cancelStockin('RK2006030009', OPEN_FENCE));

    expect(new Set(outcomes.map((outcome) => outcome.kind))).toEqual(
      new Set(['ok', 'refused', 'rate_limited', 'unknown', 'protocol_error', 'not_sent']),
    );
    const signs = sandbox.calls
      .map((call) => call.query.sign)
      .filter((sign): sign is string => Boolean(sign));
    expect(signs.length).toBeGreaterThan(10);
    const queries = sandbox.calls.map((call) => new URLSearchParams(call.query).toString());
    const forbidden = [SECRET, 'wrong-secret-value', 'sign=', ...signs, ...queries];
    const outcomesText = JSON.stringify(outcomes);
    const logText = log.text();
    expect(log.lines.length).toBeGreaterThanOrEqual(outcomes.length);
    for (const needle of forbidden) {
      expect(outcomesText).not.toContain(needle);
      expect(logText).not.toContain(needle);
    }
  });

  it('logs each attempt at debug with method, duration and outcome kind only', async () => {
    const { client, log } = build();
    sandbox.faults.set({ rateLimitNext: 1 });
    await client.cancelStockin(EDITING, OPEN_FENCE);
    const entries = log.entries();
    expect(entries.map((entry) => [entry.level, entry.method, entry.outcome])).toEqual([
      [20, WDT_METHOD.cancelStockin, 'rate_limited'],
      [20, WDT_METHOD.cancelStockin, 'ok'],
    ]);
    for (const entry of entries) {
      expect(Object.keys(entry).sort()).toEqual([
        'durationMs',
        'hostname',
        'level',
        'method',
        'msg',
        'outcome',
        'pid',
        'time',
      ]);
    }
  });
});

describe('environment', () => {
  it('names the host it talks to', () => {
    const { client } = build();
    expect(client.environment).toEqual({ host: `127.0.0.1:${sandbox.port}`, kind: 'other' });
  });

  it('refuses a malformed appsecret at construction without echoing it', () => {
    expect(() => build({ appSecret: 'secret-without-salt' })).toThrow('secret:salt');
    expect(() => build({ appSecret: 'secret-without-salt' })).not.toThrow('secret-without-salt');
  });
});
