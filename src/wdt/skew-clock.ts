import type { Logger } from 'pino';
import type { Clock } from '../core/ports/clock.js';
import { systemClock } from '../core/ports/clock.js';
import type { WdtPort } from '../core/ports/wdt.js';

/** Far enough from WDT's 120 s window to be safe, close enough to be worth a warning before it bites. */
const WARN_ABOVE_MS = 30_000;

export interface SkewClockOptions {
  base?: Clock;
  logger: Logger;
  warnAboveMs?: number;
}

/**
 * WDT refuses a request whose timestamp is more than 120 s from its own clock (status 7). This clock is the
 * local one shifted by the skew last measured against `system.Core.now`; the WDT client signs with it.
 */
export class SkewClock implements Clock {
  readonly #base: Clock;
  readonly #logger: Logger;
  readonly #warnAboveMs: number;
  #offsetMs = 0;

  constructor(options: SkewClockOptions) {
    this.#base = options.base ?? systemClock;
    this.#logger = options.logger;
    this.#warnAboveMs = options.warnAboveMs ?? WARN_ABOVE_MS;
  }

  now(): Date {
    return new Date(this.#base.now().getTime() + this.#offsetMs);
  }

  /** The correction in use: WDT's time minus the local time, in ms. */
  get offsetMs(): number {
    return this.#offsetMs;
  }

  /**
   * Asks WDT for its time and adopts the difference. Returns the skew in ms, or null when WDT could not
   * be asked (the previous correction then stays).
   */
  async measure(wdt: Pick<WdtPort, 'serverTime'>): Promise<number | null> {
    const sentAt = this.#base.now().getTime();
    const outcome = await wdt.serverTime();
    const receivedAt = this.#base.now().getTime();
    if (outcome.kind !== 'ok') {
      this.#logger.warn(
        { outcome: outcome.kind },
        'could not read the WDT clock; keeping the previous correction',
      );
      return null;
    }
    // WDT read its clock somewhere during the round trip: the midpoint is the best local estimate.
    const skewMs = Math.round(outcome.data.getTime() - (sentAt + receivedAt) / 2);
    this.#offsetMs = skewMs;
    if (Math.abs(skewMs) > this.#warnAboveMs) {
      this.#logger.warn({ skewMs }, 'the local clock differs from WDT; signing with WDT time');
    }
    return skewMs;
  }
}
