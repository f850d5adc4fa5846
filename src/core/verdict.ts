import { advance } from './attempt.js';
import { lookupOrder, type OrderLookup } from './order-lookup.js';
import { owedFor } from './owed-messages.js';
import type { AttemptRecord, AuditStore, HeldCall } from './ports/audit.js';
import type { Clock } from './ports/clock.js';
import type { OutboxItem } from './ports/outbox.js';
import type { WdtPort } from './ports/wdt.js';
import { STOCKIN_STATUS } from './purchase-stockin.js';
import { ACCEPT_FOR_MS } from './send-fence.js';

const DAY_MS = 86_400_000;

/**
 * What a verdict (or the wait for one) owes: a follow-up post in the attempt's channel, even for an order of
 * a batch (people read the channel, not an edited line), and the batch's message and step as usual.
 */
function followUp(record: AttemptRecord): OutboxItem[] {
  return owedFor(record, { outcome: true });
}

export interface VerdictDeps {
  wdt: WdtPort;
  audit: Pick<AuditStore, 'write' | 'heldCalls'>;
  clock: Clock;
  /** The longest one call can take, for calls made before every signature passed a fence. */
  longestCallMs: number;
}

/** Asks WDT for the order of a held call; the search reaches back from before the lock was taken. */
export function lookupHeld(deps: Pick<VerdictDeps, 'wdt' | 'clock'>, held: HeldCall): Promise<OrderLookup> {
  const lockedAt = Date.parse(held.dbNow) - held.heldForMs;
  return lookupOrder(deps.wdt, held.orderNo, {
    now: deps.clock.now(),
    days: 90,
    notBefore: new Date(lockedAt - 90 * DAY_MS),
  });
}

/** WDT shows the order cancelled: that verdict can be written at once, whoever might still send. */
export function isCancelledAtWdt(lookup: OrderLookup): boolean {
  return lookup.kind === 'found' && lookup.order.status === STOCKIN_STATUS.cancelled;
}

/** The move to `reconciled_cancelled`, from whichever lock-holding state the attempt is in. */
export async function recordCancelled(
  deps: VerdictDeps,
  record: AttemptRecord,
  patch: Partial<AttemptRecord>,
): Promise<AttemptRecord | null> {
  const at = deps.clock.now();
  const done = advance(record, 'reconciled_cancelled', at, {
    statusAfter: STOCKIN_STATUS.cancelled,
    ...patch,
  });
  const written = await deps.audit.write([{ from: record.state, record: done }], at, followUp(done));
  return written.ok ? written.records.at(-1)! : null;
}

/**
 * Takes a call over (`calling` → `awaiting_verdict`): from then on no fence of its owner passes, so nothing
 * more is signed for it, and the store sets `verdictAfter` to when WDT can no longer accept anything it
 * signed. A call from before fences existed may have signed at any time while it ran: its floor is the
 * longest call after it took the lock. Null when another process changed the attempt first.
 */
export async function takeOver(
  deps: VerdictDeps,
  held: HeldCall,
  patch: Partial<AttemptRecord>,
): Promise<AttemptRecord | null> {
  const record = held.record;
  const at = deps.clock.now();
  const lockedAt = Date.parse(held.dbNow) - held.heldForMs;
  const floor = record.sendFence
    ? {}
    : { verdictAfter: new Date(lockedAt + deps.longestCallMs + ACCEPT_FOR_MS).toISOString() };
  const parked = advance(record, 'awaiting_verdict', at, { ...floor, ...patch });
  const written = await deps.audit.write([{ from: 'calling', record: parked }], at, followUp(parked));
  return written.ok ? written.records.at(-1)! : null;
}

export type FinalVerdict =
  /** Recorded: WDT's status, once nothing the attempt signed can still be accepted. */
  | { kind: 'final'; record: AttemptRecord }
  /** WDT may still accept a request the attempt signed, until `until` (database clock). */
  | { kind: 'not_due'; until: string }
  /** WDT did not show the order (not found, or the look-up failed). */
  | { kind: 'wdt_cannot_say'; lookup: Exclude<OrderLookup, { kind: 'found' }> }
  /** Another process changed the attempt first. */
  | { kind: 'stale' };

/**
 * The final verdict on an attempt awaiting one: only once the database's clock has passed `verdictAfter` is
 * WDT asked, so that its answer includes every request the attempt signed; then its status is recorded.
 * `unverified` (an operator's release with a reason) closes it even when WDT cannot say.
 */
export async function settleVerdict(
  deps: VerdictDeps,
  attemptId: string,
  patch: Partial<AttemptRecord>,
  unverified?: Partial<AttemptRecord>,
): Promise<FinalVerdict> {
  const held = (await deps.audit.heldCalls()).find((call) => call.record.attemptId === attemptId);
  if (held?.record.state !== 'awaiting_verdict') return { kind: 'stale' };
  const until = held.record.verdictAfter ?? held.dbNow;
  if (Date.parse(held.dbNow) < Date.parse(until)) return { kind: 'not_due', until };
  const lookup = await lookupHeld(deps, held);
  const at = deps.clock.now();
  let final: AttemptRecord;
  if (lookup.kind === 'found') {
    const state =
      lookup.order.status === STOCKIN_STATUS.cancelled ? 'reconciled_cancelled' : 'reconciled_not_cancelled';
    final = advance(held.record, state, at, { statusAfter: lookup.order.status, ...patch });
  } else if (unverified) {
    final = advance(held.record, 'released_unverified', at, { ...patch, ...unverified });
  } else {
    return { kind: 'wdt_cannot_say', lookup };
  }
  const written = await deps.audit.write([{ from: 'awaiting_verdict', record: final }], at, followUp(final));
  return written.ok ? { kind: 'final', record: written.records.at(-1)! } : { kind: 'stale' };
}
