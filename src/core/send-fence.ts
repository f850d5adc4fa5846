import { withDeadline } from './deadline.js';
import type { AuditStore, FenceResult } from './ports/audit.js';
import type { Timers } from './ports/timers.js';
import type { FenceGrant, SendFence } from './ports/wdt.js';

/**
 * WDT refuses a request whose signed timestamp is more than 120 s from its own clock (qjb status 7). That
 * window is the only fence WDT itself offers: a request signed at T cannot be accepted after T + 120 s.
 */
export const WDT_TIMESTAMP_WINDOW_MS = 120_000;

/**
 * How long after asking the fence the request may still be signed and sent. The fence's own round trip counts
 * against it: a process frozen after the fence answered, or a store that answers late, signs nothing.
 */
export const SIGN_WITHIN_MS = 3_000;

/** Added to every bound, for the time between signing and the request leaving, and rounding. */
export const ACCEPT_MARGIN_MS = 1_000;

/** What the fence records: WDT may accept what is signed now until the fence's time plus this (plus skew). */
export const ACCEPT_FOR_MS = SIGN_WITHIN_MS + WDT_TIMESTAMP_WINDOW_MS + ACCEPT_MARGIN_MS;

export type FenceRefusal =
  | Extract<FenceResult, { ok: false }>['reason']
  | 'store_unavailable'
  | 'budget_spent';

/** A fence for one attempt's call, and what it last refused (null while every signing passed). */
export interface AttemptFence {
  fence: SendFence;
  refusal(): FenceRefusal | null;
}

/**
 * The fence before every signature of one attempt's cancel: the store confirms, in one transaction, that the
 * attempt is still `calling` here, holds its order's lock, that this process's lease is live and that
 * cancels are not paused, and records until when WDT may accept what is signed now. A store that cannot say
 * in time refuses: nothing is signed without that record.
 */
export function attemptFence(deps: {
  audit: Pick<AuditStore, 'fence'>;
  timers: Pick<Timers, 'now' | 'after'>;
  attemptId: string;
  orderNo: string;
  instanceId: string;
  /** Monotonic time after which nothing more is signed: the call's budget (see `callTimings`) is spent. */
  signBefore: number;
}): AttemptFence {
  let refused: FenceRefusal | null = null;
  const fence: SendFence = async (signingAt): Promise<FenceGrant> => {
    const askedAt = deps.timers.now();
    if (askedAt > deps.signBefore) {
      refused = 'budget_spent';
      return { ok: false, reason: 'the call ran out of time' };
    }
    let result: FenceResult | 'late';
    try {
      result = await withDeadline(
        deps.audit.fence({
          attemptId: deps.attemptId,
          orderNo: deps.orderNo,
          instanceId: deps.instanceId,
          signingAt,
          acceptForMs: ACCEPT_FOR_MS,
        }),
        SIGN_WITHIN_MS,
        () => 'late' as const,
        deps.timers,
      );
    } catch {
      result = 'late';
    }
    if (result === 'late') {
      refused = 'store_unavailable';
      return { ok: false, reason: 'the audit store did not confirm the fence in time' };
    }
    if (!result.ok) {
      refused = result.reason;
      return { ok: false, reason: `fence refused (${result.reason})` };
    }
    refused = null;
    return { ok: true, stillValid: () => deps.timers.now() - askedAt <= SIGN_WITHIN_MS };
  };
  return { fence, refusal: () => refused };
}
