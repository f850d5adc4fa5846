import { MAX_WINDOW_DAYS } from './core/order-lookup.js';
import { SIGN_WITHIN_MS } from './core/send-fence.js';
import { ATTEMPT_DEADLINE_TIMEOUTS, DEFAULT_RATE_LIMIT_RETRY } from './wdt/client.js';

const DAY_MS = 86_400_000;
/** The look-up's newest window ends a minute after now (`lookupOrder`). */
const LOOKUP_END_AHEAD_MS = 60_000;
/** Slack for the work between WDT calls (store writes, scheduling). */
const BETWEEN_CALLS_MS = 5_000;

export interface CallTimings {
  /** The status check under the lock: every look-up window, one answered page each, with every retry. */
  checkMs: number;
  /** The cancel itself: every rate-limit attempt behind its fence, and the retry after a clock resync. */
  sendMs: number;
  /** The longest one call can hold its order: a call held longer runs nowhere, whoever made it. */
  longestCallMs: number;
  /** A Workflow step, or a batch's order not begun, idle longer than its longest batch was left by a stopped process. */
  staleStepMs: number;
}

/**
 * The bounds of one cancel, derived from the WDT client's own retry rules: each HTTP attempt is cut at
 * `ATTEMPT_DEADLINE_TIMEOUTS` timeouts; a rate-limited call is tried `maxAttempts` times with doubling waits;
 * a timestamp refusal (status 7) reads WDT's clock (itself one such call) and tries once more. The execution
 * enforces `checkMs` and `sendMs` (a late check sends nothing; no fence passes after the budget), so the
 * bound holds even for an answer that pages.
 */
export function callTimings(
  config: { WDT_TIMEOUT_MS: number; LOOKUP_DAYS: number; MAX_BATCH: number },
  batchConcurrency: number,
): CallTimings {
  const retry = DEFAULT_RATE_LIMIT_RETRY;
  const waits = Array.from({ length: retry.maxAttempts - 1 }, (_, k) =>
    Math.min(retry.baseDelayMs * 2 ** k, retry.maxDelayMs),
  ).reduce((sum, ms) => sum + ms, 0);
  const attemptMs = ATTEMPT_DEADLINE_TIMEOUTS * config.WDT_TIMEOUT_MS;
  const oneCall = (fenceMs: number) => retry.maxAttempts * (fenceMs + attemptMs) + waits;
  const resynced = (fenceMs: number) => 2 * oneCall(fenceMs) + oneCall(0);
  const windows = Math.ceil(
    (config.LOOKUP_DAYS * DAY_MS + LOOKUP_END_AHEAD_MS) / (MAX_WINDOW_DAYS * DAY_MS - 1_000),
  );
  const checkMs = windows * resynced(0) + BETWEEN_CALLS_MS;
  const sendMs = resynced(SIGN_WITHIN_MS) + BETWEEN_CALLS_MS;
  const longestCallMs = checkMs + sendMs;
  return {
    checkMs,
    sendMs,
    longestCallMs,
    staleStepMs: longestCallMs * (Math.ceil(config.MAX_BATCH / batchConcurrency) + 1),
  };
}
