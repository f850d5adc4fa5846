import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from 'pino';
import { Agent, type Dispatcher } from 'undici';
import type { Clock } from '../core/ports/clock.js';
import type { Timers } from '../core/ports/timers.js';
import type { SendFence, WdtOutcome, WdtPort } from '../core/ports/wdt.js';
import { describeEnvironment } from './environment.js';
import { WDT_API_VERSION, WDT_METHOD } from './methods.js';
import { cancelPurchaseStockin, type Pager, queryPurchaseStockin } from './purchase-stockin.js';
import { sendRequest } from './send-request.js';
import { parseServerTime } from './server-time.js';
import { signRequest, splitAppSecret, wdtTimestamp } from './sign.js';

const DEFAULT_TIMEOUT_MS = 10_000;
/** One HTTP attempt may take this many timeouts in all (connect and headers, then a body that trickles). */
export const ATTEMPT_DEADLINE_TIMEOUTS = 2;
const KEEP_ALIVE_MS = 30_000;

export interface RateLimitRetry {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** Wait before the second attempt; doubles for each further one, up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export const DEFAULT_RATE_LIMIT_RETRY: Readonly<Required<Omit<RateLimitRetry, 'sleep'>>> = {
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
  /** Times each attempt's deadline (default: the process's own timers). */
  timers?: Pick<Timers, 'after'>;
  rateLimitRetry?: Partial<RateLimitRetry>;
}

export interface WdtClient extends WdtPort {
  close(): Promise<void>;
}

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

  /**
   * One signed HTTP attempt. Behind a fence, the request is signed only once the fence lets it, with the
   * timestamp the fence was shown, and sent only while the fence still holds. Vendor messages are scrubbed
   * of the secret and the sign, just in case.
   */
  async function attempt(method: string, args: unknown[], pager?: Pager, fence?: SendFence) {
    const body = JSON.stringify(args);
    const signingAt = clock.now();
    const grant = fence ? await fence(signingAt) : null;
    if (grant && !grant.ok) return { kind: 'not_sent' as const, reason: `not signed: ${grant.reason}` };
    const params: Record<string, string> = {
      sid: options.sid,
      key: options.appKey,
      salt,
      method,
      v: WDT_API_VERSION,
      timestamp: String(wdtTimestamp(signingAt)),
      ...pager,
    };
    const sign = signRequest(secret, params, body);
    if (grant && !grant.stillValid()) {
      return {
        kind: 'not_sent' as const,
        reason: 'not sent: the fence expired before the request was signed',
      };
    }
    const query = new URLSearchParams({ ...params, sign }).toString();
    const answer = await sendRequest(
      { origin: base.origin, pathAndQuery: `${base.pathname}?${query}`, body },
      {
        dispatcher,
        headersTimeoutMs: timeoutMs,
        bodyTimeoutMs: timeoutMs,
        deadlineMs: ATTEMPT_DEADLINE_TIMEOUTS * timeoutMs,
        ...(options.timers ? { timers: options.timers } : {}),
      },
    );
    if (answer.kind === 'refused' || answer.kind === 'rate_limited') {
      answer.message = scrub(answer.message, [secret, sign]);
    }
    return answer;
  }

  async function call(
    method: string,
    args: unknown[],
    pager?: Pager,
    fence?: SendFence,
  ): Promise<WdtOutcome<unknown>> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    for (let attempts = 1; ; attempts++) {
      const attemptStarted = performance.now();
      const answer = await attempt(method, args, pager, fence);
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

    cancelStockin: (stockinNo, fence) =>
      cancelPurchaseStockin((method, args) => call(method, args, undefined, fence), stockinNo),
    queryStockin: (query) => queryPurchaseStockin(call, query),

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
