import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Backend, runSchedule } from './schedule.js';

/**
 * The protocol under freezes, crashes, database and WDT faults and clock skew, over the real code: each run is
 * a schedule (a list of choices, shrunk by fast-check to a smaller one when a run breaks a promise).
 * Replay a failure with the seed and path it prints:
 *   SIM_SEED=<seed> SIM_PATH=<path> npx vitest run test/sim
 * More runs: SIM_RUNS=20000 npx vitest run test/sim
 */
const RUNS = {
  memory: Number(process.env.SIM_RUNS ?? 2_000),
  sqlite: Number(process.env.SIM_SQLITE_RUNS ?? 200),
};
const schedules = fc.array(fc.nat({ max: 1_000_000 }), { minLength: 200, maxLength: 1_500, size: 'max' });

function replay(): Partial<fc.Parameters<[number[]]>> {
  if (!process.env.SIM_SEED) return {};
  return {
    seed: Number(process.env.SIM_SEED),
    ...(process.env.SIM_PATH ? { path: process.env.SIM_PATH } : {}),
  };
}

async function holds(values: number[], backend: Backend): Promise<void> {
  const result = await runSchedule(values, backend);
  expect(result.violations).toEqual([]);
}

describe.each(['memory', 'sqlite'] as const)('the cancel protocol on the %s store', (backend) => {
  it(
    'never sends twice, never lies, and settles once faults stop',
    async () => {
      await fc.assert(
        fc.asyncProperty(schedules, (values) => holds(values, backend)),
        // A failure is reported at once with its seed and path: shrinking a long schedule takes minutes.
        { numRuns: RUNS[backend], endOnFailure: true, ...replay() },
      );
    },
    10 * 60_000,
  );
});

/** Schedules that found a bug (with that bug's fix reverted), kept and replayed on every run. */
const REGRESSIONS = new URL('./regressions/', import.meta.url);
const regressions = readdirSync(REGRESSIONS)
  .filter((file) => file.endsWith('.json'))
  .map(
    (file) =>
      JSON.parse(readFileSync(new URL(file, REGRESSIONS), 'utf8')) as {
        name: string;
        finding: string;
        values: number[];
      },
  );

describe('schedules that found bugs', () => {
  it.each(regressions.map((r) => [r.name, r] as const))('%s', async (_name, regression) => {
    await holds(regression.values, 'memory');
    await holds(regression.values, 'sqlite');
  });
});
