import type { Logger } from 'pino';
import { advance } from './attempt.js';
import type { AttemptRecord, AuditStore } from './ports/audit.js';
import type { OutboxItem } from './ports/outbox.js';
import { isAllowedMove } from './transitions.js';

/** The fields of a record that say what WDT answered. */
function wdtAnswer(record: AttemptRecord): Partial<AttemptRecord> {
  const { wdtOutcome, wdtStatus, wdtCode, wdtMessage, durationMs, statusBefore, statusAfter, detail } =
    record;
  return { wdtOutcome, wdtStatus, wdtCode, wdtMessage, durationMs, statusBefore, statusAfter, detail };
}

/** A lost race is retried against what the store says now, a few times; more would mean a bug. */
const MAX_RACES = 3;

/**
 * Records what WDT answered a call, as the process that made it: a move out of `calling` when the attempt is
 * still there. When another process moved it first (it took the call over while this one was frozen or cut
 * off), the answer still counts, because it is WDT's: a decisive answer settles a verdict still pending
 * (`awaiting_verdict`), and a cancel WDT confirmed overturns a final "not cancelled" as a correction. Any
 * other late answer changes nothing: the record already written stands, and it is logged.
 */
export async function settleOutcome(
  audit: Pick<AuditStore, 'write'>,
  calling: AttemptRecord,
  finished: AttemptRecord,
  at: Date,
  logger: Logger,
  /** The messages a recorded answer owes; `late` when it settles what another process recorded first. */
  owe: (record: AttemptRecord, late: boolean) => OutboxItem[],
): Promise<{ record: AttemptRecord; wrote: boolean }> {
  let from = calling.state;
  let intended = finished;
  for (let race = 0; race < MAX_RACES; race += 1) {
    const corrected = from !== 'calling' && from !== 'awaiting_verdict';
    const result = await audit.write(
      [{ from, record: intended, ...(corrected ? { event: 'corrected' } : {}) }],
      at,
      owe(intended, from !== 'calling'),
    );
    if (result.ok) return { record: result.records.at(-1)!, wrote: true };
    const { conflict } = result;
    if (conflict.kind !== 'stale' || !conflict.current) {
      throw new Error(`recording the outcome of ${calling.attemptId}: unexpected ${conflict.kind}`);
    }
    const current = conflict.current;
    const late = lateMove(current, finished, at);
    if (!late) {
      logger.info(
        { attemptId: calling.attemptId, state: current.state, answer: finished.state },
        'WDT answered after another process recorded this attempt; its record stands',
      );
      return { record: current, wrote: false };
    }
    from = current.state;
    intended = late;
  }
  throw new Error(`recording the outcome of ${calling.attemptId}: lost ${MAX_RACES} races`);
}

/** What a late answer does to the attempt as it is now, or null when it changes nothing. */
function lateMove(current: AttemptRecord, finished: AttemptRecord, at: Date): AttemptRecord | null {
  if (current.state === 'awaiting_verdict') {
    // Still no answer: the reconciler settles it from WDT once no request of this attempt can be accepted.
    if (finished.state === 'awaiting_verdict') return null;
    return advance(current, finished.state, at, wdtAnswer(finished));
  }
  if (finished.state === 'cancelled' && isAllowedMove(current.state, 'cancelled', 'corrected')) {
    return advance(current, 'cancelled', at, {
      ...wdtAnswer(finished),
      detail: `correction: WDT confirmed the cancel after this attempt was recorded as ${current.state}`,
    });
  }
  return null;
}
