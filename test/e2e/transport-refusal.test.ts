import { describe, expect, it } from 'vitest';
import { runBotToExit } from '../support/spawn-bot.js';

describe('start-up transport rules, in a real process (issue 19.1)', () => {
  it('refuses to start with a plain-http production WDT URL, naming the variable and never a secret', async () => {
    const env = {
      SLACK_BOT_TOKEN: 'xoxb-transport-refusal-token',
      SLACK_SIGNING_SECRET: 'transport-refusal-signing-secret',
      WDT_SID: 'transport-sid',
      WDT_APP_KEY: 'transport-appkey',
      WDT_APP_SECRET: 'transport-secret-part:transport-salt-part',
      WDT_BASE_URL: 'http://wdt.wangdian.cn/openapi',
      SLACK_API_URL: 'http://slack.example.com/api/',
      AUDIT_DB_PATH: '/nonexistent/never-opened/audit.db',
    };
    const { code, stdout, stderr } = await runBotToExit(env);
    expect(code).toBe(1);
    expect(stderr).toContain('cancel-stockin cannot start.');
    expect(stderr).toMatch(/WDT_BASE_URL must use https:\/\/ .*WDT_ALLOW_HTTP=true/);
    expect(stderr).toMatch(/SLACK_API_URL must use https:\/\//);
    for (const secret of [
      'xoxb-transport',
      'transport-refusal-signing',
      'transport-secret-part',
      'transport-salt',
    ]) {
      expect(stderr + stdout).not.toContain(secret);
    }
    expect(stdout).not.toContain('cancel-stockin is up');
  });
});
