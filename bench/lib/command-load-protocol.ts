import type { ClosedLoopResult } from './load-generator.js';

export interface CommandLoadRequest {
  origin: string;
  concurrency: number;
  durationMs: number;
  signingSecret: string;
  orderNo: string;
  /** The stand-in's response URL without its id; the worker appends one per command. */
  responseUrlPrefix: string;
  /** Record each command's trigger id and send time (for the bot's views.open delays). */
  recordSends: boolean;
}

export interface CommandLoadResult {
  result: ClosedLoopResult;
  /** `answers[i]` is request i's ack, absent if it failed. */
  answers: Array<{ latencyMs: number; admitted: boolean } | undefined>;
  triggerIds: string[];
  /** `monotonicMs()` when each of `triggerIds` was handed to undici. */
  sentAtMs: number[];
}
