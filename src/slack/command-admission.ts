import type { Logger } from 'pino';

export interface AdmissionLimits {
  /** Commands admitted per second, sustained. */
  perSecond: number;
  /** Commands admitted at once after a quiet spell (the bucket's size). */
  burst: number;
  /** Commands whose dialog work may run at the same time. */
  maxInFlight: number;
}

const SHED_REPORT_EVERY_MS = 10_000;

/**
 * Decides at ack time whether a command can still get its dialog inside the trigger id's 3 seconds. A token
 * bucket bounds the sustained rate and the burst; a cap bounds the dialog work already running. A command
 * turned away is answered in the ack itself, so shedding costs no Slack call and no audit write.
 */
export class CommandAdmission {
  private tokens: number;
  private refilledAt: number;
  private shedSinceReport = 0;
  private reportedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly limits: AdmissionLimits,
    private readonly logger: Logger,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = limits.burst;
    this.refilledAt = now();
  }

  admit(inFlight: number): boolean {
    const now = this.now();
    this.tokens = Math.min(
      this.limits.burst,
      this.tokens + ((now - this.refilledAt) * this.limits.perSecond) / 1000,
    );
    this.refilledAt = now;
    if (this.tokens >= 1 && inFlight < this.limits.maxInFlight) {
      this.tokens -= 1;
      return true;
    }
    this.noteShed(now, inFlight);
    return false;
  }

  // One log line per spell of overload, not one per command: logging each would add to the load.
  private noteShed(now: number, inFlight: number): void {
    this.shedSinceReport++;
    if (now - this.reportedAt < SHED_REPORT_EVERY_MS) return;
    this.logger.warn(
      { shed: this.shedSinceReport, inFlight, limits: this.limits },
      'overloaded: commands turned away with a "too busy" reply',
    );
    this.shedSinceReport = 0;
    this.reportedAt = now;
  }
}
