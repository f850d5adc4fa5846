import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../lib/node-process.js';
import { median } from '../lib/stats.js';
import { startBot } from '../lib/targets-process.js';

export interface StartupResult {
  /** `node --import tsx src/main.ts` → `/readyz` 200, median of the samples. */
  tsxMs: number;
  tsxSamples: number[];
  /** `npm start`'s command (after `npm run build`) → `/readyz` 200; null when not measured. */
  distMs: number | null;
  distSamples: number[];
  distNote: string;
}

async function samples(
  env: Record<string, string>,
  workDir: string,
  entry: 'tsx' | 'dist',
  count: number,
): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const bot = await startBot(env, workDir, entry);
    out.push(bot.startupMs);
    await bot.stop();
  }
  return out;
}

/** Start-up of the real entry point to a 200 from `/readyz` (audit store open and writable), fresh database. */
export async function benchStartup(
  env: Record<string, string>,
  workDir: string,
  options: { count: number; build: boolean },
): Promise<StartupResult> {
  const tsxSamples = await samples(env, workDir, 'tsx', options.count);
  let distSamples: number[] = [];
  let distNote = 'not measured (quick mode does not build)';
  if (options.build) {
    try {
      await promisify(execFile)('npm', ['run', 'build'], { cwd: REPO_ROOT });
      distSamples = await samples(env, workDir, 'dist', options.count);
      distNote = "npm run build, then npm start's node command";
    } catch (error) {
      distNote = `build failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
    }
  }
  return {
    tsxMs: median(tsxSamples),
    tsxSamples,
    distMs: distSamples.length > 0 ? median(distSamples) : null,
    distSamples,
    distNote,
  };
}
