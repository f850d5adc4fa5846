import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSlackStandin } from '../../src/local/slack-standin/web-api.js';
import { startWdtSandbox } from '../../src/local/wdt-standin/server.js';
import { spawnBot } from '../support/spawn-bot.js';

const EXAMPLE = fileURLToPath(new URL('../../.env.example', import.meta.url));

let wdt: Awaited<ReturnType<typeof startWdtSandbox>>;
let slack: Awaited<ReturnType<typeof startSlackStandin>>;
let dir: string;
beforeAll(async () => {
  wdt = await startWdtSandbox({ port: 0 });
  slack = await startSlackStandin({ port: 0 });
  dir = await mkdtemp(join(tmpdir(), 'cancel-stockin-first-run-'));
  await copyFile(EXAMPLE, join(dir, '.env'));
});
afterAll(async () => {
  await slack.close();
  await wdt.close();
  await rm(dir, { recursive: true, force: true });
});

// docs/install.md: `cp .env.example .env`, then start. Only the two hosts are pointed at this machine's stand-ins
// (a variable in the environment wins over .env): everything else is the example exactly as shipped.
describe('a first run from an unmodified .env.example', () => {
  it('starts, answers /healthz 200 and /readyz 200, keeps its audit file in ./data, and lets nobody cancel', async () => {
    const bot = await spawnBot(
      { SLACK_API_URL: slack.apiUrl, WDT_BASE_URL: wdt.url, HOST: '127.0.0.1' },
      { compiled: true, cwd: dir, timeoutMs: 30_000 },
    );
    try {
      const loaded = JSON.parse(await bot.waitForLine(/"envFile"/)) as { environmentWins: string[] };
      // The harness also sets PORT=0 and LOG_LEVEL; nothing else of the example is replaced.
      expect(loaded.environmentWins.sort()).toEqual([
        'HOST',
        'LOG_LEVEL',
        'PORT',
        'SLACK_API_URL',
        'WDT_BASE_URL',
      ]);
      expect((await fetch(`http://127.0.0.1:${bot.port}/healthz`)).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${bot.port}/readyz`)).status).toBe(200);
      expect(existsSync(join(dir, 'data', 'audit.db'))).toBe(true);
      expect(bot.lines.join('\n')).toContain('Nobody may cancel stock-in orders');
    } finally {
      bot.child.kill('SIGTERM');
      await bot.exited;
    }
  }, 60_000);
});
