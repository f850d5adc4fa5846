import { setTimeout as delay } from 'node:timers/promises';

/**
 * Time as the process experiences it: a monotonic clock, waits and repeated work. Injected wherever the core
 * waits or measures, so that the protocol simulation can run the real code on virtual time (and freeze a
 * process between any two of its steps).
 */
export interface Timers {
  /** Monotonic milliseconds (never jumps with the wall clock). */
  now(): number;
  sleep(ms: number): Promise<void>;
  /** Runs `work` after `ms`; the returned function cancels it. */
  after(ms: number, work: () => void): () => void;
  /** Runs `work` every `ms`; the returned function stops it. Never keeps the process alive. */
  every(ms: number, work: () => void): () => void;
}

export const systemTimers: Timers = {
  now: () => performance.now(),
  sleep: (ms) => delay(ms).then(() => undefined),
  after(ms, work) {
    const timer = setTimeout(work, ms);
    return () => clearTimeout(timer);
  },
  every(ms, work) {
    const timer = setInterval(work, ms);
    timer.unref();
    return () => clearInterval(timer);
  },
};
