import type { AttemptState } from './ports/audit.js';

/**
 * The states an attempt moves through, and who writes each move. Every move is written by the store only if
 * the attempt is still in the state its writer read (a compare-and-set), so two writers racing for one
 * attempt never both win. `null` is an attempt not yet recorded.
 *
 * | from              | to                                   | written by                                        |
 * |-------------------|--------------------------------------|---------------------------------------------------|
 * | (new)             | requested, denied                    | the request; a refused request or action          |
 * | requested         | confirmed, denied, failed            | the confirmation; the preview; a stale sweep      |
 * | confirmed         | calling                              | the execution, taking the order's lock            |
 * | confirmed         | approved, rejected, expired, denied  | the approval decision (four-eyes), once           |
 * | confirmed         | failed                               | a batch that stops; a stale sweep                 |
 * | approved          | calling, failed                      | the execution; a batch that stops; a stale sweep  |
 * | calling           | cancelled, refused, failed           | the process that made the call (WDT's answer)     |
 * | calling           | awaiting_verdict                     | that process (no answer), a reconciler or unlock  |
 * | calling           | reconciled_cancelled                 | a reconciler or unlock (WDT shows it cancelled)   |
 * | awaiting_verdict  | cancelled, refused, failed           | the process that made the call, answered late     |
 * | awaiting_verdict  | reconciled_cancelled                 | a reconciler or unlock, at any time               |
 * | awaiting_verdict  | reconciled_not_cancelled             | a reconciler or unlock, after `verdictAfter` only |
 * | awaiting_verdict  | released_unverified                  | unlock with a reason, after `verdictAfter` only   |
 * | final, not cancel | cancelled (event `corrected`)        | the caller whose WDT answer arrived late          |
 */
const MOVES: Readonly<Partial<Record<AttemptState | 'new', readonly AttemptState[]>>> = {
  new: ['requested', 'denied'],
  requested: ['confirmed', 'denied', 'failed'],
  confirmed: ['calling', 'approved', 'rejected', 'expired', 'denied', 'failed'],
  approved: ['calling', 'failed'],
  calling: ['cancelled', 'refused', 'failed', 'awaiting_verdict', 'reconciled_cancelled'],
  awaiting_verdict: [
    'cancelled',
    'refused',
    'failed',
    'reconciled_cancelled',
    'reconciled_not_cancelled',
    'released_unverified',
  ],
};

/** While in these states an attempt holds its order's lock: its call to WDT has begun and is not settled. */
export const LOCK_HOLDING_STATES: readonly AttemptState[] = ['calling', 'awaiting_verdict'];

/** Final verdicts that say the cancel did not happen: only once WDT can no longer accept it. */
export const VERDICTS_AFTER_WINDOW: readonly AttemptState[] = [
  'reconciled_not_cancelled',
  'released_unverified',
];

/** Final states a late truth from WDT (`corrected`) may overturn: those that say, or could not say, it did not happen. */
const CORRECTABLE: readonly AttemptState[] = [
  'refused',
  'failed',
  'unknown',
  'reconciled_not_cancelled',
  'released_unverified',
];

export function holdsLock(state: AttemptState | null): boolean {
  return state !== null && LOCK_HOLDING_STATES.includes(state);
}

/** Whether `from` → `to` is a move of the table above (with `corrected` for a late truth). */
export function isAllowedMove(from: AttemptState | null, to: AttemptState, event?: 'corrected'): boolean {
  if (event === 'corrected') return from !== null && CORRECTABLE.includes(from) && to === 'cancelled';
  return (MOVES[from ?? 'new'] ?? []).includes(to);
}

/** A write that breaks the table is a bug in the writer: it fails loudly and nothing is written. */
export function assertAllowedMove(from: AttemptState | null, to: AttemptState, event?: 'corrected'): void {
  if (!isAllowedMove(from, to, event)) {
    throw new TypeError(`audit: ${from ?? '(new)'} → ${to}${event ? ` (${event})` : ''} is not a transition`);
  }
}
