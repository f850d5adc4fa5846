export type BenchMode = 'full' | 'quick' | 'smoke';

export interface BenchPlan {
  mode: BenchMode;
  concurrencies: number[];
  rounds: number;
  durationMs: number;
  warmupMs: number;
  confirmLevels: { concurrency: number; submissions: number }[];
  startupSamples: number;
  buildForStartup: boolean;
  microMs: number;
}

const PLANS: Record<BenchMode, BenchPlan> = {
  full: {
    mode: 'full',
    concurrencies: [1, 50, 200],
    rounds: 3,
    durationMs: 6_000,
    warmupMs: 1_500,
    // At least 200 at c = 1: with fewer, the p99 is simply the slowest one.
    confirmLevels: [
      { concurrency: 1, submissions: 200 },
      { concurrency: 50, submissions: 300 },
    ],
    startupSamples: 3,
    buildForStartup: true,
    microMs: 2_000,
  },
  quick: {
    mode: 'quick',
    concurrencies: [1, 50, 200],
    rounds: 1,
    durationMs: 2_000,
    warmupMs: 1_000,
    confirmLevels: [
      { concurrency: 1, submissions: 15 },
      { concurrency: 50, submissions: 100 },
    ],
    startupSamples: 1,
    buildForStartup: false,
    microMs: 500,
  },
  smoke: {
    mode: 'smoke',
    concurrencies: [1, 50],
    rounds: 1,
    durationMs: 600,
    warmupMs: 300,
    confirmLevels: [
      { concurrency: 1, submissions: 5 },
      { concurrency: 50, submissions: 50 },
    ],
    startupSamples: 1,
    buildForStartup: false,
    microMs: 200,
  },
};

/** `--quick` (under a minute) or `--smoke` (a few seconds, for the test suite); full otherwise. */
export function planFromArgs(args: readonly string[]): BenchPlan {
  if (args.includes('--smoke')) return PLANS.smoke;
  if (args.includes('--quick')) return PLANS.quick;
  return PLANS.full;
}

/** `--out <file>` overrides where the JSON goes (the smoke test writes to a temporary file). */
export function outputPathFromArgs(args: readonly string[], fallback: string): string {
  const index = args.indexOf('--out');
  return index >= 0 && args[index + 1] ? args[index + 1]! : fallback;
}
