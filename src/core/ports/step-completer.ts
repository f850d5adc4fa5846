import type { AttemptRecord } from './audit.js';

/**
 * Completes the Workflow Builder step execution a batch came from, once every order of it is final. Batches
 * that came from elsewhere, or whose step was completed already, are left alone. Implemented by the Slack
 * adapter; never throws (a completion that fails is logged, and the next settlement sweep tries again).
 */
export interface StepCompleter {
  /** Every record of one batch, as they stand now. */
  settle(records: readonly AttemptRecord[]): Promise<void>;
}
