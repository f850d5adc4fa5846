import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SourceInfo } from './machine.js';
import { type BenchPlan, JUDGED_MODE } from './modes.js';

/** Kept runs, committed: `<UTC date>-<short commit>.json`, with `-2`, `-3`… for later runs of that day. */
const RESULTS_DIR = fileURLToPath(new URL('../results/', import.meta.url));

/** Every run's results, kept or not (gitignored). */
export const SCRATCH_PATH = join(RESULTS_DIR, 'latest.json');

/** The file a kept run goes to: the first of `<date>-<commit>.json`, `<date>-<commit>-2.json`, … not taken. */
export function keptResultPath(
  finishedAt: string,
  commit: string,
  taken: (path: string) => boolean = existsSync,
  dir = RESULTS_DIR,
): string {
  const stem = `${finishedAt.slice(0, 10)}-${commit.slice(0, 7)}`;
  for (let n = 1; ; n++) {
    const path = join(dir, n === 1 ? `${stem}.json` : `${stem}-${n}.json`);
    if (!taken(path)) return path;
  }
}

/**
 * Why a run may not be kept, or null. A kept run is one someone can reproduce and compare: a full run of
 * committed code, judged by committed bench code.
 */
export function keepRefusal(plan: BenchPlan, source: SourceInfo): string | null {
  if (plan.mode !== JUDGED_MODE) return `only a full run is kept (this is ${plan.mode} mode)`;
  if (source.commit === 'unknown') return 'the commit is unknown (not a git checkout?)';
  if (source.srcChanges > 0 || source.benchChanges > 0)
    return `src/ or bench/ differ from ${source.commit.slice(0, 7)} (${source.srcChanges + source.benchChanges} file(s)); commit first`;
  return null;
}
