import { FINAL_STATES } from '../../src/core/attempt.js';
import type { AttemptRecord, AuditStore, FenceRequest, FenceResult } from '../../src/core/ports/audit.js';
import { STOCKIN_STATUS } from '../../src/core/purchase-stockin.js';
import { WDT_TIMESTAMP_WINDOW_MS } from '../../src/core/send-fence.js';
import type { QjbAnswer } from '../../src/local/wdt-standin/qjb-protocol.js';
import { wdtTimestamp } from '../../src/wdt/sign.js';
import type { World } from './world.js';

/** A cancel request as it left a process: signed by one attempt, for one order, with one timestamp. */
export interface SignedRequest {
  id: number;
  owner: string;
  attemptId: string | null;
  orderNo: string;
  /** The signed timestamp, in WDT's seconds. */
  timestamp: number;
  /** What WDT did with it: accepted (cancelled), refused after reading it, or nothing yet. */
  processed: 'cancelled' | 'refused' | null;
}

const WINDOW_S = WDT_TIMESTAMP_WINDOW_MS / 1000;
const NOT_CANCELLED: ReadonlySet<string> = new Set([
  'refused',
  'failed',
  'reconciled_not_cancelled',
  'released_unverified',
  'denied',
  'rejected',
  'expired',
]);

/**
 * Watches the simulated deployment from outside and holds it to the protocol's promises: what WDT did is the
 * truth, and the audit trail and the order locks must agree with it after every step.
 */
export class Oracle {
  readonly violations: string[] = [];
  readonly signedRequests: SignedRequest[] = [];
  /** The fence each process last passed, per order: the attempt its next signature belongs to. */
  readonly #grants = new Map<string, { attemptId: string; pausedBefore: boolean }>();

  constructor(
    private readonly world: World,
    private readonly store: AuditStore,
  ) {}

  readonly #seen = new Set<string>();

  #violate(what: string): void {
    if (this.#seen.has(what)) return;
    this.#seen.add(what);
    this.violations.push(`t=${this.world.now}: ${what}`);
  }

  /** The database ran a fence (nothing else has run since): was a pause already recorded? */
  async fenceRan(result: FenceResult): Promise<{ pausedBefore: boolean } | null> {
    if (!result.ok) return null;
    const control = await this.store.controlState();
    return { pausedBefore: control?.event === 'paused' };
  }

  /** The fence's answer reached its process: its next signature of that order is this attempt's. */
  fenceAnswered(owner: string, request: FenceRequest, ran: { pausedBefore: boolean }): void {
    this.#grants.set(`${owner}|${request.orderNo}`, { attemptId: request.attemptId, ...ran });
  }

  /**
   * A process signed and sent a cancel. Whose it is comes from the records, not from the fence: the attempt
   * of that order that this process made the call of and that has not finished (one order's lock is held by
   * one attempt at a time).
   */
  async signed(owner: string, orderNo: string, timestamp: number): Promise<SignedRequest> {
    const grant = this.#grants.get(`${owner}|${orderNo}`);
    if (!grant) this.#violate(`${owner} signed a cancel of ${orderNo} without passing a fence`);
    if (grant?.pausedBefore)
      this.#violate(`${owner} signed a cancel of ${orderNo} after a pause was recorded`);
    const mine = (
      await this.store.recentAttempts({ states: ['calling', 'awaiting_verdict'], limit: 10_000 })
    ).filter((a) => a.orderNo === orderNo && a.instanceId === owner);
    const request: SignedRequest = {
      id: this.signedRequests.length,
      owner,
      attemptId: mine[0]?.attemptId ?? null,
      orderNo,
      timestamp,
      processed: null,
    };
    if (grant && grant.attemptId !== request.attemptId) {
      this.#violate(`${owner} signed ${orderNo} for ${request.attemptId} behind ${grant.attemptId}'s fence`);
    }
    this.signedRequests.push(request);
    return request;
  }

  /** WDT read a signed cancel and answered it. */
  async processed(request: SignedRequest, answer: QjbAnswer): Promise<void> {
    // Refused before it ran (timestamp, rate limit): WDT did nothing with it.
    if (answer.status === 7 || /超过每分钟最大/.test(answer.message ?? '')) {
      request.processed = 'refused';
      return;
    }
    const holder = (await this.store.heldLocks()).find((lock) => lock.orderNo === request.orderNo);
    if (holder?.attemptId !== request.attemptId) {
      this.#violate(
        `WDT processed a cancel of ${request.orderNo} from ${request.attemptId}, whose lock is ${holder ? `held by ${holder.attemptId}` : 'released'}`,
      );
    }
    request.processed = answer.status === 0 ? 'cancelled' : 'refused';
  }

  /** Requests WDT could still accept: not answered yet, and their timestamp inside WDT's window. */
  #live(now: number): SignedRequest[] {
    const nowS = wdtTimestamp(new Date(now));
    return this.signedRequests.filter((r) => r.processed === null && r.timestamp + WINDOW_S >= nowS);
  }

  /** What the last full check saw: the chain's length and how many requests WDT had answered. */
  #checked = { seq: -1, answered: -1 };

  /**
   * The promises that must hold after every step. The records are read again only when the chain or WDT has
   * moved since the last check: nothing else can break what was checked.
   */
  async check(orders: ReadonlyMap<string, { status: number }>): Promise<void> {
    const live = this.#live(this.world.now);
    const byOrder = new Map<string, Set<string | null>>();
    for (const request of live)
      byOrder.set(request.orderNo, (byOrder.get(request.orderNo) ?? new Set()).add(request.attemptId));
    for (const [orderNo, attempts] of byOrder) {
      if (attempts.size > 1)
        this.#violate(`two attempts' cancels of ${orderNo} in flight at once: ${[...attempts].join(', ')}`);
    }
    const seq = (await this.store.head())?.seq ?? 0;
    const answered = this.signedRequests.filter((r) => r.processed !== null).length;
    if (seq === this.#checked.seq && answered === this.#checked.answered) return;
    this.#checked = { seq, answered };
    const attempts = await this.store.recentAttempts({ limit: 10_000 });
    for (const attempt of attempts) this.#checkFinal(attempt, orders);
    await this.#checkLastWords(attempts, orders);
  }

  /** A final attempt says what WDT did with its requests. */
  #checkFinal(attempt: AttemptRecord, orders: ReadonlyMap<string, { status: number }>): void {
    if (!FINAL_STATES.includes(attempt.state)) return;
    const mine = this.signedRequests.filter((r) => r.attemptId === attempt.attemptId);
    const cancelledByIt = mine.some((r) => r.processed === 'cancelled');
    if (attempt.state === 'cancelled' && !cancelledByIt) {
      this.#violate(`${attempt.attemptId} is recorded cancelled, but WDT accepted no cancel from it`);
    }
    if (NOT_CANCELLED.has(attempt.state) && cancelledByIt) {
      this.#violate(`${attempt.attemptId} is recorded ${attempt.state}, but WDT accepted its cancel`);
    }
    if (
      NOT_CANCELLED.has(attempt.state) &&
      this.#live(this.world.now).some((r) => r.attemptId === attempt.attemptId)
    ) {
      this.#violate(
        `${attempt.attemptId} is recorded ${attempt.state} while WDT could still accept its cancel`,
      );
    }
    const status = attempt.orderNo ? orders.get(attempt.orderNo)?.status : undefined;
    if (attempt.state === 'reconciled_cancelled' && status !== STOCKIN_STATUS.cancelled) {
      this.#violate(`${attempt.attemptId} is recorded reconciled_cancelled, but WDT shows ${status}`);
    }
  }

  /**
   * An order nobody holds: the last final word about its status, of the attempts that called WDT, is WDT's.
   * A word is what a record says of the order: cancelled, or the status WDT showed (an attempt that was not
   * sent for its own reasons, or that WDT refused, says nothing about the order).
   */
  async #checkLastWords(
    attempts: AttemptRecord[],
    orders: ReadonlyMap<string, { status: number }>,
  ): Promise<void> {
    const locked = new Set((await this.store.heldLocks()).map((lock) => lock.orderNo));
    for (const [orderNo, order] of orders) {
      if (locked.has(orderNo)) continue;
      const spoken = attempts.filter(
        (a) => a.orderNo === orderNo && a.stateTimes.calling !== undefined && wordOf(a) !== null,
      );
      if (spoken.length === 0) continue;
      const history = await this.store.orderHistory(orderNo);
      const lastSeq = (a: AttemptRecord) =>
        history.findLast((e) => e.record.attemptId === a.attemptId && e.event !== 'notified')?.seq ?? 0;
      const last = spoken.sort((a, b) => lastSeq(b) - lastSeq(a))[0]!;
      const saysCancelled = wordOf(last) === STOCKIN_STATUS.cancelled;
      if (saysCancelled !== (order.status === STOCKIN_STATUS.cancelled)) {
        this.#violate(
          `the last word on ${orderNo} is ${last.state} (${last.attemptId}), but WDT shows ${order.status}`,
        );
      }
    }
  }
}

/** What a final record says of its order's status in WDT, or null when it says nothing about it. */
function wordOf(attempt: AttemptRecord): number | null {
  switch (attempt.state) {
    case 'cancelled':
    case 'reconciled_cancelled':
      return STOCKIN_STATUS.cancelled;
    case 'reconciled_not_cancelled':
      return attempt.statusAfter;
    case 'failed':
      return attempt.statusBefore;
    default:
      return null;
  }
}
