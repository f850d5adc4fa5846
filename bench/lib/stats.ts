/** Latency summary in milliseconds; NaN fields for an empty sample, so missing data never passes a target. */
export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentile of an ascending-sorted sample. */
function percentileOfSorted(sorted: Float64Array | number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function summarize(samples: readonly number[]): LatencySummary {
  if (samples.length === 0)
    return { count: 0, p50: Number.NaN, p99: Number.NaN, max: Number.NaN, mean: Number.NaN };
  const sorted = Float64Array.from(samples).sort();
  let sum = 0;
  for (const value of sorted) sum += value;
  return {
    count: sorted.length,
    p50: percentileOfSorted(sorted, 50),
    p99: percentileOfSorted(sorted, 99),
    max: sorted[sorted.length - 1]!,
    mean: sum / sorted.length,
  };
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Median of each field over repeated rounds. */
export function medianSummary(rounds: readonly LatencySummary[]): LatencySummary {
  return {
    count: median(rounds.map((r) => r.count)),
    p50: median(rounds.map((r) => r.p50)),
    p99: median(rounds.map((r) => r.p99)),
    max: median(rounds.map((r) => r.max)),
    mean: median(rounds.map((r) => r.mean)),
  };
}

export function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/**
 * Completions per second in a closed loop's steady state. The first `concurrency` completions are the
 * ramp (every worker started at once) and the last `concurrency` the drain (fewer and fewer in flight), so
 * the rate is taken between them; at most a quarter of the sample is cut at each end. NaN when too few.
 */
export function steadyRatePerSec(completedAtMs: readonly number[], concurrency: number): number {
  const sorted = [...completedAtMs].sort((a, b) => a - b);
  const skip = Math.min(concurrency, Math.floor(sorted.length / 4));
  const first = skip;
  const last = sorted.length - 1 - skip;
  if (last <= first) return Number.NaN;
  const spanMs = sorted[last]! - sorted[first]!;
  return spanMs > 0 ? ((last - first) / spanMs) * 1000 : Number.NaN;
}
