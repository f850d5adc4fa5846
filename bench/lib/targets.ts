/** The headline numbers `bench/results/latest.json` carries at its top level. */
export interface Headline {
  ackP99RatioVsFloor: number;
  throughputRatioVsFloor: number;
  commandToViewsOpenP99Ms: number;
  confirmToWdtP99Ms: number;
  confirmToOutcomeP99Ms: number;
  /** The confirm floor's worst →WDT p99: what a bare Bolt app reaches on the same machine and harness. */
  confirmFloorToWdtP99Ms: number;
  startupMs: number;
  rssPeakMb: number;
  signsPerSec: number;
  auditAppendsPerSec: number;
}

export const HEADLINE_KEYS = [
  'ackP99RatioVsFloor',
  'throughputRatioVsFloor',
  'commandToViewsOpenP99Ms',
  'confirmToWdtP99Ms',
  'confirmToOutcomeP99Ms',
  'confirmFloorToWdtP99Ms',
  'startupMs',
  'rssPeakMb',
  'signsPerSec',
  'auditAppendsPerSec',
] as const satisfies ReadonlyArray<keyof Headline>;

export interface Target {
  key: keyof Headline;
  op: '<=' | '>=';
  limit: number;
}

/** From issue 5. confirmToOutcomeP99Ms and confirmFloorToWdtP99Ms are reported but have no target. */
export const TARGETS: readonly Target[] = [
  { key: 'ackP99RatioVsFloor', op: '<=', limit: 1.3 },
  { key: 'throughputRatioVsFloor', op: '>=', limit: 0.75 },
  { key: 'commandToViewsOpenP99Ms', op: '<=', limit: 50 },
  { key: 'confirmToWdtP99Ms', op: '<=', limit: 20 },
  { key: 'startupMs', op: '<=', limit: 1500 },
  { key: 'rssPeakMb', op: '<=', limit: 150 },
  { key: 'signsPerSec', op: '>=', limit: 200_000 },
  { key: 'auditAppendsPerSec', op: '>=', limit: 2_000 },
];

export interface Verdict extends Target {
  value: number;
  pass: boolean;
}

export function judge(headline: Headline): Verdict[] {
  return TARGETS.map((target) => {
    const value = headline[target.key];
    const pass = target.op === '<=' ? value <= target.limit : value >= target.limit;
    return { ...target, value, pass };
  });
}
