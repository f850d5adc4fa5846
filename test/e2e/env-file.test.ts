import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_CREDENTIALS } from '../../src/local/wdt-standin/server.js';
import { type ProcessStack, startProcessStack } from '../support/process-stack.js';
import { spawnBot } from '../support/spawn-bot.js';

const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../../dist/src/audit/cli.js', import.meta.url));
const TOKEN_IN_FILE = 'xoxb-from-the-dot-env-file';

let stack: ProcessStack;
let dir: string;
beforeAll(async () => {
  stack = await startProcessStack();
  dir = await mkdtemp(join(tmpdir(), 'cancel-stockin-dotenv-'));
  await writeFile(
    join(dir, '.env'),
    [
      '# as copied from .env.example',
      `SLACK_BOT_TOKEN=${TOKEN_IN_FILE}`,
      'SLACK_SIGNING_SECRET="a signing secret from the file"',
      `SLACK_API_URL=${stack.slack.apiUrl}`,
      `WDT_SID=${SANDBOX_CREDENTIALS.sid}`,
      `WDT_APP_KEY=${SANDBOX_CREDENTIALS.appKey}`,
      `WDT_APP_SECRET=${SANDBOX_CREDENTIALS.appSecret}`,
      `WDT_BASE_URL=${stack.wdt.url}`,
      `AUDIT_DB_PATH=${join(dir, 'from-file.db')}`,
      '',
    ].join('\n'),
  );
});
afterAll(async () => {
  await stack.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('./.env', () => {
  it('npm start loads it from its working directory, says which file, and a real variable wins', async () => {
    const fromEnvironment = join(dir, 'from-environment.db');
    const bot = await spawnBot({ AUDIT_DB_PATH: fromEnvironment }, { compiled: true, cwd: dir });
    try {
      const loaded = JSON.parse(await bot.waitForLine(/"envFile"/)) as Record<string, unknown>;
      expect(loaded.envFile).toBe(join(dir, '.env'));
      expect(loaded.variables).toBe(7);
      expect(loaded.environmentWins).toEqual(['AUDIT_DB_PATH']);
      expect((await fetch(`http://127.0.0.1:${bot.port}/readyz`)).status).toBe(200);
      expect(existsSync(fromEnvironment)).toBe(true);
      expect(existsSync(join(dir, 'from-file.db'))).toBe(false);
      expect(bot.lines.join('\n')).not.toContain(TOKEN_IN_FILE);
    } finally {
      bot.child.kill('SIGTERM');
      await bot.exited;
    }
  }, 60_000);

  it('the audit CLI loads it too, and says so on stderr; a real variable wins there as well', async () => {
    const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };
    // The file names from-file.db, which does not exist yet: create it through the bot's own store first.
    const { openSqliteAuditStore } = await import('../../src/audit/sqlite/store.js');
    await openSqliteAuditStore({ path: join(dir, 'from-file.db') }).close();

    const fromFile = await run(process.execPath, [CLI, 'verify'], { cwd: dir, env });
    expect(fromFile.stderr).toContain(`audit: loaded ${join(dir, '.env')}`);
    expect(fromFile.stdout).toMatch(/0 entries|intact/i);

    const overridden = await run(process.execPath, [CLI, 'verify'], {
      cwd: dir,
      env: { ...env, AUDIT_DB_PATH: join(dir, 'no-such.db') },
    }).catch((error: { code: number; stderr: string }) => error);
    expect('code' in overridden ? overridden.code : 0).toBe(3);
    expect(overridden.stderr).toContain('no-such.db');
  }, 60_000);
});
