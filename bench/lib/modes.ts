export type BenchMode = 'full' | 'quick' | 'smoke';

/** Only a full run is judged: it alone has the rounds (`MIN_ROUNDS`) that a verdict needs. */
export const JUDGED_MODE: BenchMode = 'full';

export interface BenchPlan {
  mode: BenchMode;
  concurrencies: number[];
  /** Interleaved rounds of the command path and of the confirm path. */
  rounds: number;
  durationMs: number;
  warmupMs: number;
  /**
   * Unmeasured load at the run's own concurrency on the side about to run, just before its quiet spell.
   * Interleaved, the second of a pair had been idle for two runs and the first for none, and a process's
   * first run after a long idle has the worse tail: without it, the c = 200 median carried that for the bot.
   */
  primeMs: number;
  /**
   * Idle time before every command run, bot's and floor's alike: long enough for the bot's admission bucket
   * to refill (10 commands at 20/s by default), so that every bot run starts with the burst a quiet spell
   * lets in, whichever side ran before it.
   */
  quietSpellMs: number;
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
    primeMs: 1_000,
    quietSpellMs: 2_000,
    // At least 200 at c = 1 per round: with fewer, the p99 is simply the slowest one. At c = 50 the steady
    // window of a round is its confirmations less the first and last 50 (`steadyRatePerSec`).
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
    primeMs: 500,
    quietSpellMs: 2_000,
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
    concurrencies: [1, 50, 200],
    rounds: 1,
    durationMs: 600,
    warmupMs: 300,
    primeMs: 100,
    quietSpellMs: 200,
    confirmLevels: [
      { concurrency: 1, submissions: 5 },
      { concurrency: 50, submissions: 60 },
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
