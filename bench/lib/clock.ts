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
