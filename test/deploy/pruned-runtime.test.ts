import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { createSlackDriver } from '../../src/local/demo/slack-driver.js';
import { DEFAULT_ACTOR } from '../../src/local/slack-standin/payloads.js';
import { startSlackStandin } from '../../src/local/slack-standin/web-api.js';
import { SANDBOX_CREDENTIALS, startWdtSandbox } from '../../src/local/wdt-standin/server.js';
import { scrapeMetrics } from '../support/prometheus-text.js';
import { spawnBot } from '../support/spawn-bot.js';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const NPM_QUIET = ['--no-audit', '--no-fund', '--loglevel=error'];
const SIGNING_SECRET = 'pruned-runtime-signing-secret';

/** Why the npm registry cannot be used, or null when `npm ping` answers. */
async function registryUnreachableReason(): Promise<string | null> {
  try {
    await run('npm', ['ping', '--loglevel=error'], { timeout: 20_000 });
    return null;
  } catch (error) {
    return `the npm registry is unreachable (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`;
  }
}

const unreachable = await registryUnreachableReason();
if (unreachable)
  console.warn(`${process.env.CI ? 'FAILING' : 'Skipping'} the pruned-runtime test: ${unreachable}`);

const work: string[] = [];
afterAll(async () => {
  for (const dir of work) await rm(dir, { recursive: true, force: true });
});

async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  work.push(dir);
  return dir;
}

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

// What the Docker image does, without a Docker daemon: build with every dependency, then run the build with
// production dependencies only (no tsx, no TypeScript, no dev package) against the stand-ins, and cancel.
describe.skipIf(unreachable !== null && !process.env.CI)('the build on production dependencies only', () => {
  it('builds in one copy, installs with --omit=dev in another, and cancels an order through it', async () => {
    if (unreachable) throw new Error(`CI requires the npm registry: ${unreachable}`);
    const build = await tempDir('cancel-stockin-build-');
    const { stdout: files } = await run('git', ['ls-files', '-z'], { cwd: repoRoot, maxBuffer: 16 << 20 });
    for (const file of files.split('\0').filter(Boolean)) {
      await mkdir(dirname(join(build, file)), { recursive: true });
      await cp(join(repoRoot, file), join(build, file));
    }
    await run('npm', ['ci', ...NPM_QUIET], { cwd: build, timeout: 300_000 });
    await run('npm', ['run', 'build', '--silent'], { cwd: build, timeout: 120_000 });

    const runtime = await tempDir('cancel-stockin-runtime-');
    await cp(join(build, 'dist'), join(runtime, 'dist'), { recursive: true });
    for (const file of ['package.json', 'package-lock.json'])
      await cp(join(build, file), join(runtime, file));
    await run('npm', ['ci', '--omit=dev', ...NPM_QUIET], { cwd: runtime, timeout: 300_000 });
    for (const devOnly of [
      'tsx',
      'typescript',
      'vitest',
      '@biomejs/biome',
      'fast-check',
      'dockerfile-utils',
    ]) {
      expect(await exists(join(runtime, 'node_modules', devOnly)), devOnly).toBe(false);
    }

    const wdt = await startWdtSandbox({ port: 0 });
    const slack = await startSlackStandin({ port: 0 });
    try {
      const bot = await spawnBot(
        {
          SLACK_BOT_TOKEN: 'xoxb-pruned-runtime-token',
          SLACK_SIGNING_SECRET: SIGNING_SECRET,
          SLACK_API_URL: slack.apiUrl,
          WDT_SID: SANDBOX_CREDENTIALS.sid,
          WDT_APP_KEY: SANDBOX_CREDENTIALS.appKey,
          WDT_APP_SECRET: SANDBOX_CREDENTIALS.appSecret,
          WDT_BASE_URL: wdt.url,
          AUDIT_DB_PATH: join(runtime, 'data', 'audit.db'),
          CANCEL_ALLOWED_USERS: DEFAULT_ACTOR.id,
          BOT_LOCALE: 'en',
        },
        { compiled: true, cwd: runtime, timeoutMs: 30_000 },
      );
      try {
        const driver = createSlackDriver({ slack, signingSecret: SIGNING_SECRET, url: bot.url });
        expect((await driver.command('RK2006030008')).statusCode).toBe(200);
        const submitted = await driver.submit(await driver.openedView(), 'built without dev dependencies');
        expect(submitted.statusCode).toBe(200);
        const post = await slack.waitFor('chat.postMessage', { timeoutMs: 15_000 });
        expect(JSON.stringify(post.args.blocks)).toContain('Cancelled');
        expect(wdt.orders.get('RK2006030008')?.status).toBe(10);
        const metrics = await scrapeMetrics(new URL('/', bot.url).toString());
        expect(metrics.get('cancel_stockin_cancels_total{outcome="cancelled"}')).toBe(1);
      } finally {
        bot.child.kill('SIGTERM');
        await bot.exited;
      }
    } finally {
      await slack.close();
      await wdt.close();
    }
  }, 900_000);
});
