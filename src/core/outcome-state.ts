import type { AttemptRecord, AttemptState } from './ports/audit.js';
import type { WdtOutcome } from './ports/wdt.js';
import { STOCKIN_STATUS } from './purchase-stockin.js';

/**
 * How a WDT answer to a cancel becomes an audit state. No answer (a timeout, a lost connection) and a
 * protocol error (HTML 5xx page, garbage body) leave the outcome unknown: a gateway can fail after the
 * backend acted, and reporting "not cancelled" for an order that was cancelled is the one lie this bot must
 * never tell. Such an attempt keeps its order locked (`awaiting_verdict`) until WDT can no longer accept the
 * request, and then WDT's status decides.
 */
export function stateForCancelOutcome(outcome: WdtOutcome<null>): {
  state: AttemptState;
  patch: Partial<AttemptRecord>;
} {
  const base = { wdtOutcome: outcome.kind, durationMs: Math.round(outcome.durationMs) };
  switch (outcome.kind) {
    case 'ok':
      return { state: 'cancelled', patch: { ...base, wdtStatus: 0, statusAfter: STOCKIN_STATUS.cancelled } };
    case 'refused':
      return {
        state: 'refused',
        patch: { ...base, wdtStatus: outcome.status, wdtCode: outcome.code, wdtMessage: outcome.message },
      };
    case 'rate_limited':
      return {
        state: 'refused',
        patch: {
          ...base,
          wdtStatus: 100,
          wdtMessage: outcome.message,
          detail: `rate limited after ${outcome.attempts} attempts`,
        },
      };
    case 'not_sent':
      return { state: 'failed', patch: { ...base, detail: outcome.reason } };
    case 'unknown':
      return { state: 'awaiting_verdict', patch: { ...base, detail: outcome.reason } };
    case 'protocol_error':
      return {
        state: 'awaiting_verdict',
        patch: { ...base, detail: `HTTP ${outcome.httpStatus}: ${outcome.reason}` },
      };
  }
}
