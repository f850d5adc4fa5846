import { median } from './stats.js';

/**
 * How a figure's values come about, which decides how it is judged:
 * - `rounds`: one value per interleaved round (bot and floor back to back, fresh orders each round); judged
 *   by the median, and only with at least `MIN_ROUNDS` of them.
 * - `samples`: repeated measurements of one thing on its own (start-ups, slices of a micro benchmark);
 *   judged by the median.
 * - `peak`: a single high-water mark over the whole run; judged as it is.
 */
export type FigureKind = 'rounds' | 'samples' | 'peak';

export interface Target {
  op: '<=' | '>=';
  limit: number;
}

interface FigureSpec {
  kind: FigureKind;
  unit: string;
  /** With several parts (concurrencies), which part's median is the figure: the highest or the lowest. */
  worst: 'max' | 'min';
  /** Absent: reported with its values, judged against nothing. */
  target?: Target;
}

export const MIN_ROUNDS = 3;

/** Every figure the bench reports, in the summary's order; BENCHMARKS.md gives each target's reason. */
export const FIGURES = {
  ackP99RatioVsFloor: { kind: 'rounds', unit: '×', worst: 'max', target: { op: '<=', limit: 1.3 } },
  ackP99AtC1Ms: { kind: 'rounds', unit: 'ms', worst: 'max', target: { op: '<=', limit: 5 } },
  throughputRatioVsFloor: { kind: 'rounds', unit: '×', worst: 'min', target: { op: '>=', limit: 0.75 } },
  viewsOpenSteadyP99Ms: { kind: 'rounds', unit: 'ms', worst: 'max', target: { op: '<=', limit: 50 } },
  viewsOpenBurstP99Ms: { kind: 'rounds', unit: 'ms', worst: 'max', target: { op: '<=', limit: 1_000 } },
  confirmToWdtP99AtC1Ms: { kind: 'rounds', unit: 'ms', worst: 'max', target: { op: '<=', limit: 20 } },
  confirmsPerSecAtC50: { kind: 'rounds', unit: '/s', worst: 'min', target: { op: '>=', limit: 200 } },
  confirmCpuRatioVsFloorAtC50: { kind: 'rounds', unit: '×', worst: 'max', target: { op: '<=', limit: 3 } },
  ackMainCpuRatioVsFloorAtC200: { kind: 'rounds', unit: '×', worst: 'max', target: { op: '<=', limit: 1.2 } },
  startupMs: { kind: 'samples', unit: 'ms', worst: 'max', target: { op: '<=', limit: 1_500 } },
  rssPeakMb: { kind: 'peak', unit: 'MB', worst: 'max', target: { op: '<=', limit: 150 } },
  signsPerSec: { kind: 'samples', unit: '/s', worst: 'min', target: { op: '>=', limit: 200_000 } },
  auditAppendsPerSec: { kind: 'samples', unit: '/s', worst: 'min', target: { op: '>=', limit: 2_000 } },
  confirmToWdtP99RatioVsFloorAtC50: { kind: 'rounds', unit: '×', worst: 'max' },
  confirmToWdtP99AtC50Ms: { kind: 'rounds', unit: 'ms', worst: 'max' },
  confirmFloorToWdtP99AtC50Ms: { kind: 'rounds', unit: 'ms', worst: 'max' },
  confirmToOutcomeP99Ms: { kind: 'rounds', unit: 'ms', worst: 'max' },
  confirmFloorPerSecAtC50: { kind: 'rounds', unit: '/s', worst: 'min' },
  confirmCpuMsAtC50: { kind: 'rounds', unit: 'ms', worst: 'max' },
  confirmMainCpuMsAtC50: { kind: 'rounds', unit: 'ms', worst: 'max' },
  confirmFloorCpuMsAtC50: { kind: 'rounds', unit: 'ms', worst: 'max' },
  admittedCommandCpuMs: { kind: 'rounds', unit: 'ms', worst: 'max' },
  admittedCommandMainCpuMs: { kind: 'rounds', unit: 'ms', worst: 'max' },
  ackShedMainCpuUsAtC200: { kind: 'rounds', unit: 'µs', worst: 'max' },
  ackFloorMainCpuUsAtC200: { kind: 'rounds', unit: 'µs', worst: 'max' },
} as const satisfies Record<string, FigureSpec>;

export type FigureKey = keyof typeof FIGURES;
export const FIGURE_KEYS = Object.keys(FIGURES) as FigureKey[];

/** One part of a figure (a concurrency, or the whole run) and its values, in round order. */
export interface Part {
  label: string;
  values: number[];
}

/** A figure as the results file and the summary carry it. */
export interface Figure {
  kind: FigureKind;
  unit: string;
  parts: Array<Part & { median: number }>;
  /** The worst part's median: what is judged. */
  value: number;
  target?: Target;
  pass?: boolean;
  /** Why a figure with a target does not pass although its value would (too few rounds, missing data). */
  problem?: string;
}

/** The median, or NaN when a value is missing: a round that measured nothing never lets a figure pass. */
export function medianOfValues(values: readonly number[]): number {
  if (values.length === 0 || values.some((value) => !Number.isFinite(value))) return Number.NaN;
  return median(values);
}

const meets = (value: number, target: Target) =>
  target.op === '<=' ? value <= target.limit : value >= target.limit;

/** A figure's value and, when it has a target, its verdict. */
export function judgeFigure(key: FigureKey, parts: readonly Part[]): Figure {
  const spec: FigureSpec = FIGURES[key];
  const withMedians = parts.map((part) => ({
    ...part,
    median: spec.kind === 'peak' ? Math.max(...part.values) : medianOfValues(part.values),
  }));
  const medians = withMedians.map((part) => part.median);
  const value =
    medians.length === 0 || medians.some(Number.isNaN)
      ? Number.NaN
      : spec.worst === 'max'
        ? Math.max(...medians)
        : Math.min(...medians);
  const figure: Figure = { kind: spec.kind, unit: spec.unit, parts: withMedians, value };
  if (!spec.target) return figure;
  const fewest = Math.min(...parts.map((part) => part.values.length));
  const problem = Number.isNaN(value)
    ? 'a value is missing'
    : spec.kind === 'rounds' && fewest < MIN_ROUNDS
      ? `${fewest} round(s), fewer than ${MIN_ROUNDS}`
      : undefined;
  return {
    ...figure,
    target: spec.target,
    pass: problem === undefined && meets(value, spec.target),
    ...(problem ? { problem } : {}),
  };
}

/** Every figure judged from its parts. */
export function judgeAll(parts: Readonly<Record<FigureKey, readonly Part[]>>): Record<FigureKey, Figure> {
  return Object.fromEntries(FIGURE_KEYS.map((key) => [key, judgeFigure(key, parts[key])])) as Record<
    FigureKey,
    Figure
  >;
}

/** The figures with a target that did not pass. */
export function misses(figures: Readonly<Record<FigureKey, Figure>>): FigureKey[] {
  return FIGURE_KEYS.filter((key) => figures[key].pass === false);
}
