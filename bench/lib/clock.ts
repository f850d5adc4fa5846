import { performance } from 'node:perf_hooks';

/**
 * Wall-clock milliseconds with sub-millisecond resolution, comparable with `Date` values recorded by the
 * WDT sandbox in this process (which only have millisecond resolution).
 */
export function epochMsNow(): number {
  return performance.timeOrigin + performance.now();
}

export function epochMsOf(performanceMs: number): number {
  return performance.timeOrigin + performanceMs;
}

/**
 * One clock for every thread of the process: `performance.now()` counts from each thread's own start, the
 * monotonic clock behind `process.hrtime` does not.
 */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
