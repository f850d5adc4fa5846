import type { Measurements } from '../../bench/lib/figures.js';
import type { LatencySummary } from '../../bench/lib/stats.js';
import type { ViewsOpenRun } from '../../bench/lib/views-open-delays.js';
import type { CommandPathLevel, CommandRun } from '../../bench/scenarios/command-path.js';
import type { ConfirmPathLevel, ConfirmRun, ViewsOpening } from '../../bench/scenarios/confirm-path.js';

/** Typed fixtures for the bench's judging: one run or level each, with the fields a test cares about. */
export function latency(overrides: Partial<LatencySummary> = {}): LatencySummary {
  return { count: 100, p50: 1, p99: 2, max: 3, mean: 1.2, ...overrides };
}

export function viewsOpenRun(overrides: { burstP99?: number; steadyP99?: number } = {}): ViewsOpenRun {
  return {
    all: latency(),
    burst: latency({ p99: overrides.burstP99 ?? 100 }),
    steady: latency({ p99: overrides.steadyP99 ?? 20 }),
    missing: 0,
    failed: 0,
  };
}

export function commandRun(overrides: Partial<CommandRun> = {}): CommandRun {
  return {
    ack: latency(),
    requestsPerSec: 10_000,
    admittedPerSec: 20,
    shedShare: 0.99,
    errors: 0,
    cpuPerRequest: { allMs: 0.2, mainMs: 0.15 },
    ...overrides,
  };
}

export function commandLevel(
  concurrency: number,
  rounds: { bot: CommandRun[]; floor: CommandRun[] },
): CommandPathLevel {
  return {
    concurrency,
    bot: { median: rounds.bot[0] ?? commandRun(), rounds: rounds.bot },
    floor: { median: rounds.floor[0] ?? commandRun(), rounds: rounds.floor },
  };
}

export function confirmRun(overrides: Partial<ConfirmRun> = {}): ConfirmRun {
  return {
    submissions: 300,
    ack: latency(),
    toWdt: latency({ p50: 5, p99: 10 }),
    toOutcome: latency({ p50: 8, p99: 15 }),
    confirmsPerSec: 500,
    cpuPerConfirm: { allMs: 3, mainMs: 2 },
    cancelled: 300,
    missing: 0,
    ...overrides,
  };
}

export function viewsOpening(overrides: Partial<ViewsOpening> = {}): ViewsOpening {
  return { commands: 300, turnedAway: 0, cpuPerCommand: { allMs: 6, mainMs: 5 }, ...overrides };
}

export function confirmLevel(
  concurrency: number,
  rounds: { bot: ConfirmRun[]; floor: ConfirmRun[]; opening?: ViewsOpening[] },
): ConfirmPathLevel {
  return {
    concurrency,
    submissions: rounds.bot[0]?.submissions ?? 0,
    bot: rounds.bot,
    floor: rounds.floor,
    opening: rounds.opening ?? rounds.bot.map(() => viewsOpening()),
  };
}

const three = <T>(make: () => T): T[] => [make(), make(), make()];

/** Three rounds of every level a full run measures, all comfortably inside their targets. */
export function measurements(overrides: Partial<Measurements> = {}): Measurements {
  return {
    commandPath: [1, 50, 200].map((c) =>
      commandLevel(c, {
        bot: three(() => commandRun({ viewsOpen: viewsOpenRun() })),
        floor: three(() => commandRun()),
      }),
    ),
    confirmPath: [1, 50].map((c) =>
      confirmLevel(c, {
        bot: three(() => confirmRun()),
        floor: three(() => confirmRun({ cpuPerConfirm: { allMs: 1.5, mainMs: 1 } })),
      }),
    ),
    startup: { tsxMs: 900, tsxSamples: [900], distMs: 400, distSamples: [390, 400, 410], distNote: '' },
    rssPeakMb: 140,
    signsPerSecSlices: [800_000, 810_000, 790_000, 805_000, 795_000],
    appendsPerSecSlices: [6_000, 6_100, 5_900],
    ...overrides,
  };
}
