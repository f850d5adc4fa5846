import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchResults } from '../../bench/lib/run-bench.js';
import { startScriptArgs } from '../../bench/lib/start-script.js';
import { FIGURE_KEYS } from '../../bench/lib/targets.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** Runs `npm run bench -- --smoke` (the whole pipeline, seconds per scenario) into a temporary file. */
describe('npm run bench -- --smoke', () => {
  let dir: string;
  let results: BenchResults;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bench-smoke-'));
    const out = join(dir, 'latest.json');
    await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'bench/run.ts', '--smoke', '--out', out],
      {
        cwd: repoRoot,
        timeout: 90_000,
      },
    );
    results = JSON.parse(await readFile(out, 'utf8'));
  }, 100_000);

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each(FIGURE_KEYS)('writes %s as a finite number with the values it comes from', (key) => {
    const figure = results.figures[key];
    expect(Number.isFinite(figure.value)).toBe(true);
    expect(figure.parts.length).toBeGreaterThan(0);
    for (const part of figure.parts) expect(part.values.length).toBeGreaterThan(0);
  });

  it('says a smoke run is not judged', () => {
    expect(results).toMatchObject({ mode: 'smoke', judged: false, pass: null });
  });

  it('places the bot acks at c=1 by their distance from the last admitted command', () => {
    const c1 = results.details.commandPath.find((level) => level.concurrency === 1);
    expect(c1?.bot.median.neighbours).toMatchObject({
      undisturbedP99: expect.any(Number),
      nearAdmittedShare: expect.any(Number),
    });
    expect(c1?.floor.median.neighbours).toBeUndefined();
  });

  it('runs the bot with the node arguments npm start uses', async () => {
    expect(results.method.layout).toContain(
      `bot (node ${(await startScriptArgs()).join(' ')}, as npm start runs it)`,
    );
  });

  it('says which machine and which code the numbers come from', () => {
    expect(results).toMatchObject({
      mode: 'smoke',
      machine: { cores: expect.any(Number), cpuModel: expect.any(String), node: process.version },
      source: { commit: expect.any(String) },
    });
  });
});
