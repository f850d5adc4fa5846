import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from 'pino';
import { Agent, type Dispatcher } from 'undici';
import type { Clock } from '../core/ports/clock.js';
import type { StockinOrder, StockinQuery, WdtOutcome, WdtPort } from '../core/ports/wdt.js';
import { formatShanghai } from '../shanghai-time.js';
import { describeEnvironment } from './environment.js';
import { mapOrderPage } from './map-order.js';
import { WDT_API_VERSION, WDT_METHOD } from './methods.js';
import { sendRequest } from './send-request.js';
import { parseServerTime } from './server-time.js';
import { signRequest, splitAppSecret, wdtTimestamp } from './sign.js';

const DEFAULT_TIMEOUT_MS = 10_000;
/** Orders per `queryWithDetail` page, and how many pages one query may read before it gives up. */
const QUERY_PAGE_SIZE = 100;
const QUERY_MAX_PAGES = 10;
const KEEP_ALIVE_MS = 30_000;

export interface RateLimitRetry {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** Wait before the second attempt; doubles for each further one, up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

const DEFAULT_RATE_LIMIT_RETRY: Readonly<Required<Omit<RateLimitRetry, 'sleep'>>> = {
  maxAttempts: 3,
  baseDelayMs: 1_000,
  maxDelayMs: 20_000,
};

export interface WdtClientOptions {
  baseUrl: string;
  sid: string;
  appKey: string;
  /** As issued: `secret:salt`. */
  appSecret: string;
  /** Connect, response-headers and body-idle timeout of one HTTP attempt; the whole attempt gets twice this. */
  timeoutMs?: number;
  /** Signs the timestamp. Pass a `SkewClock` to follow WDT's clock. */
  clock: Clock;
  logger: Logger;
  /** An undici dispatcher to share; the client then leaves closing it to the caller. */
  dispatcher?: Dispatcher;
  rateLimitRetry?: Partial<RateLimitRetry>;
}

export interface WdtClient extends WdtPort {
  close(): Promise<void>;
}

type Pager = { page_size: string; page_no: string; calc_total: string };

/** The qjb client behind `WdtPort`: signs, sends, classifies; retries only rate-limit refusals. */
export function createWdtClient(options: WdtClientOptions): WdtClient {
  const base = parseBaseUrl(options.baseUrl);
  const { secret, salt } = splitAppSecret(options.appSecret);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const { clock, logger } = options;
  const retry = options.rateLimitRetry ?? {};
  const maxAttempts = Math.max(1, Math.floor(retry.maxAttempts ?? DEFAULT_RATE_LIMIT_RETRY.maxAttempts));
  const baseDelayMs = retry.baseDelayMs ?? DEFAULT_RATE_LIMIT_RETRY.baseDelayMs;
  const maxDelayMs = retry.maxDelayMs ?? DEFAULT_RATE_LIMIT_RETRY.maxDelayMs;
  const sleep = retry.sleep ?? ((ms: number) => delay(ms).then(() => undefined));
  const ownDispatcher = options.dispatcher
    ? null
    : new Agent({
        connect: { timeout: timeoutMs },
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        keepAliveTimeout: KEEP_ALIVE_MS,
      });
  const dispatcher = options.dispatcher ?? ownDispatcher!;
  let closed = false;

  /** One signed HTTP attempt. Vendor messages are scrubbed of the secret and the sign, just in case. */
  async function attempt(method: string, args: unknown[], pager?: Pager) {
    const body = JSON.stringify(args);
    const params: Record<string, string> = {
      sid: options.sid,
      key: options.appKey,
      salt,
      method,
      v: WDT_API_VERSION,
      timestamp: String(wdtTimestamp(clock.now())),
      ...pager,
    };
    const sign = signRequest(secret, params, body);
    const query = new URLSearchParams({ ...params, sign }).toString();
    const answer = await sendRequest(
      { origin: base.origin, pathAndQuery: `${base.pathname}?${query}`, body },
      { dispatcher, headersTimeoutMs: timeoutMs, bodyTimeoutMs: timeoutMs, deadlineMs: 2 * timeoutMs },
    );
    if (answer.kind === 'refused' || answer.kind === 'rate_limited') {
      answer.message = scrub(answer.message, [secret, sign]);
    }
    return answer;
  }

  async function call(method: string, args: unknown[], pager?: Pager): Promise<WdtOutcome<unknown>> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    for (let attempts = 1; ; attempts++) {
      const attemptStarted = performance.now();
      const answer = await attempt(method, args, pager);
      logger.debug(
        { method, durationMs: Math.round(performance.now() - attemptStarted), outcome: answer.kind },
        'wdt call',
      );
      if (answer.kind !== 'rate_limited') return { ...answer, durationMs: elapsed() };
      if (attempts >= maxAttempts) return { ...answer, attempts, durationMs: elapsed() };
      await sleep(Math.min(baseDelayMs * 2 ** (attempts - 1), maxDelayMs));
    }
  }

  return {
    environment: describeEnvironment(options.baseUrl),

    async cancelStockin(stockinNo) {
      const outcome = await call(WDT_METHOD.cancelStockin, [stockinNo]);
      return outcome.kind === 'ok' ? { ...outcome, data: null } : outcome;
    },

    async queryStockin(query) {
      return queryAllPages(query, (pager) =>
        call(
          WDT_METHOD.queryStockin,
          [
            {
              start_time: formatShanghai(query.start),
              end_time: formatShanghai(query.end),
              stockin_no: query.stockinNo,
            },
          ],
          pager,
        ),
      );
    },

    async serverTime() {
      const outcome = await call(WDT_METHOD.serverTime, []);
      if (outcome.kind !== 'ok') return outcome;
      const time = parseServerTime(outcome.data);
      return time
        ? { ...outcome, data: time }
        : {
            kind: 'protocol_error',
            httpStatus: 200,
            reason: 'system.Core.now answered without a time',
            durationMs: outcome.durationMs,
          };
    },

    async close() {
      if (closed) return;
      closed = true;
      await ownDispatcher?.close();
    },
  };
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

function parseBaseUrl(baseUrl: string): { origin: string; pathname: string } {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new Error('the WDT base URL is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new Error('the WDT base URL must be http or https');
  return { origin: url.origin, pathname: url.pathname };
}

function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets)
    if (secret && out.includes(secret)) out = out.split(secret).join('[redacted]');
  return out;
}
