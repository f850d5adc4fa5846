import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startSlackStandin } from '../../src/local/slack-standin/web-api.js';
import { SANDBOX_CREDENTIALS, startWdtSandbox } from '../../src/local/wdt-standin/server.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

describe('npm start', () => {
  it('builds and runs the compiled bot, which reports ready and stops cleanly on SIGTERM', async () => {
    const wdt = await startWdtSandbox({ port: 0 });
    const slack = await startSlackStandin({ port: 0 });
    const dir = await mkdtemp(join(tmpdir(), 'cancel-stockin-start-'));
    const child = spawn('npm', ['start', '--silent'], {
      cwd: repoRoot,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        SLACK_BOT_TOKEN: 'xoxb-npm-start-test',
        SLACK_SIGNING_SECRET: 'npm-start-signing-secret',
        SLACK_API_URL: slack.apiUrl,
        WDT_SID: SANDBOX_CREDENTIALS.sid,
        WDT_APP_KEY: SANDBOX_CREDENTIALS.appKey,
        WDT_APP_SECRET: SANDBOX_CREDENTIALS.appSecret,
        WDT_BASE_URL: wdt.url,
        AUDIT_DB_PATH: join(dir, 'audit.db'),
        CANCEL_ALLOWED_USERS: 'U0OPERATOR1',
        PORT: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, as under a terminal or systemd: a signal reaches npm and the bot alike.
      detached: true,
    });
    try {
      let output = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        output += chunk;
      });
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        output += chunk;
      });
      const deadline = Date.now() + 90_000;
      while (!/cancel-stockin is up/.test(output)) {
        if (Date.now() > deadline || child.exitCode !== null)
          throw new Error(`bot did not start:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const up = JSON.parse(output.split('\n').find((line) => line.includes('cancel-stockin is up'))!) as {
        port: number;
      };
      expect((await fetch(`http://127.0.0.1:${up.port}/readyz`)).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${up.port}/healthz`)).status).toBe(200);
      process.kill(-child.pid!, 'SIGTERM');
      // 'close' waits for every writer of the pipes: npm's and the bot's own.
      await once(child, 'close');
      // npm forwards the signal and may itself end by it; the bot's own clean stop is what its log says.
      expect(output).toMatch(/"drained":true[^\n]*"msg":"stopped"/);
    } finally {
      if (child.exitCode === null) process.kill(-child.pid!, 'SIGKILL');
      await slack.close();
      await wdt.close();
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
