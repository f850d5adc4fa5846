import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { transportWarnings } from '../../src/config/transport.js';
import { WDT_TEST_BASE_URL } from '../../src/wdt/environment.js';

const valid = {
  SLACK_BOT_TOKEN: 'xoxb-123-456-abc',
  SLACK_SIGNING_SECRET: 'signing-secret-value',
  WDT_SID: 'mysid',
  WDT_APP_KEY: 'mykey',
  WDT_APP_SECRET: 'topsecret:salt',
};

describe('loadConfig', () => {
  it('applies defaults and returns a frozen config', () => {
    const config = loadConfig(valid);
    expect(config.PORT).toBe(3000);
    expect(config.WDT_BASE_URL).toBe('http://47.92.239.46/openapi');
    expect(config.WDT_TIMEOUT_MS).toBe(10_000);
    expect(config.AUDIT_DB_PATH).toBe('./data/audit.db');
    expect(config.CANCEL_ALLOWED_USERS).toEqual([]);
    expect(config.SLACK_APP_TOKEN).toBeUndefined();
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('parses comma-separated allowlists', () => {
    const config = loadConfig({
      ...valid,
      CANCEL_ALLOWED_USERS: 'U1AA, U2BB',
      CANCEL_ALLOWED_USERGROUPS: 'S1AA',
    });
    expect(config.CANCEL_ALLOWED_USERS).toEqual(['U1AA', 'U2BB']);
    expect(config.CANCEL_ALLOWED_USERGROUPS).toEqual(['S1AA']);
  });

  it('names every missing or bad variable in one error, without echoing values', () => {
    let caught: unknown;
    try {
      loadConfig({
        SLACK_BOT_TOKEN: 'xoxp-user-token-value',
        WDT_APP_SECRET: 'no-colon-secret-value',
        WDT_TIMEOUT_MS: 'soon',
        CANCEL_ALLOWED_USERS: 'alice',
      });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const message = (caught as ConfigError).message;
    for (const name of [
      'SLACK_BOT_TOKEN',
      'SLACK_SIGNING_SECRET',
      'WDT_SID',
      'WDT_APP_KEY',
      'WDT_APP_SECRET',
      'WDT_TIMEOUT_MS',
      'CANCEL_ALLOWED_USERS',
    ]) {
      expect(message).toContain(name);
    }
    expect(message).toContain('SLACK_SIGNING_SECRET is missing');
    expect(message).not.toContain('xoxp-user-token-value');
    expect(message).not.toContain('no-colon-secret-value');
  });
});

describe('an empty value', () => {
  it('means "not set" for every optional variable: the default applies', async () => {
    const { configSchema } = await import('../../src/config/config.js');
    const required = new Set(Object.keys(valid));
    const optional = Object.keys(configSchema.shape).filter((name) => !required.has(name));
    const blank = Object.fromEntries(optional.map((name, i) => [name, i % 2 === 0 ? '' : '  ']));
    expect(loadConfig({ ...valid, ...blank })).toEqual(loadConfig(valid));
  });

  it('reports a required variable left empty as missing, as if it were absent', () => {
    expect(problemsOf({ SLACK_BOT_TOKEN: '', WDT_SID: ' ' })).toEqual([
      'SLACK_BOT_TOKEN is missing',
      'WDT_SID is missing',
    ]);
  });
});

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig({ ...valid, ...env });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('transport rules (issue 19.1)', () => {
  it('accepts https for WDT and Slack', () => {
    const config = loadConfig({
      ...valid,
      WDT_BASE_URL: 'https://wdt.wangdian.cn/openapi',
      SLACK_API_URL: 'https://slack.com/api/',
    });
    expect(config.WDT_BASE_URL).toBe('https://wdt.wangdian.cn/openapi');
    expect(config.WDT_ALLOW_HTTP).toBe(false);
    expect(transportWarnings(config)).toEqual([]);
  });

  it('refuses a plain-http production WDT URL, naming the variable and the rule but not the URL', () => {
    const problems = problemsOf({ WDT_BASE_URL: 'http://user:pa55word@wdt.wangdian.cn/openapi' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^WDT_BASE_URL must use https:\/\/ .*WDT_ALLOW_HTTP=true/);
    expect(problems.join('\n')).not.toContain('pa55word');
    expect(problems.join('\n')).not.toContain('wdt.wangdian.cn');
  });

  it('refuses any other plain-http WDT host, and any scheme other than http and https', () => {
    expect(problemsOf({ WDT_BASE_URL: 'http://10.0.0.8:8080/openapi' })).toHaveLength(1);
    expect(problemsOf({ WDT_BASE_URL: 'http://127.evil.example/openapi' })).toHaveLength(1);
    expect(problemsOf({ WDT_BASE_URL: 'ftp://wdt.wangdian.cn/openapi', WDT_ALLOW_HTTP: 'true' })).toEqual([
      'WDT_BASE_URL must be an https:// URL',
    ]);
  });

  it('accepts plain-http WDT with WDT_ALLOW_HTTP=true, and says so at every start', () => {
    const config = loadConfig({
      ...valid,
      WDT_BASE_URL: 'http://wdt.wangdian.cn/openapi',
      WDT_ALLOW_HTTP: 'true',
    });
    expect(config.WDT_ALLOW_HTTP).toBe(true);
    const warnings = transportWarnings(config);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/WDT_ALLOW_HTTP=true.*plain HTTP.*forge/);
  });

  it('accepts the vendor test environment (no HTTPS there) without the flag, with a warning', () => {
    const config = loadConfig(valid);
    expect(config.WDT_BASE_URL).toBe(WDT_TEST_BASE_URL);
    expect(transportWarnings(config)).toEqual([expect.stringMatching(/test environment.*plain HTTP/)]);
  });

  it.each([
    'http://127.0.0.1:4010/openapi',
    'http://127.9.8.7/openapi',
    'http://localhost:4010/openapi',
    'http://[::1]:4010/openapi',
  ])('accepts plain http on loopback for WDT and Slack: %s', (url) => {
    const config = loadConfig({ ...valid, WDT_BASE_URL: url, SLACK_API_URL: url });
    expect(transportWarnings(config)).toEqual([]);
  });

  it('refuses a non-loopback plain-http SLACK_API_URL, whatever WDT_ALLOW_HTTP says', () => {
    const problems = problemsOf({ SLACK_API_URL: 'http://slack.example.com/api/', WDT_ALLOW_HTTP: 'true' });
    expect(problems).toEqual([expect.stringMatching(/^SLACK_API_URL must use https:\/\/ .*loopback/)]);
    expect(problems[0]).not.toContain('slack.example.com');
  });

  it('refuses a WDT_ALLOW_HTTP that is not true or false', () => {
    expect(problemsOf({ WDT_ALLOW_HTTP: 'yes' })).toEqual(['WDT_ALLOW_HTTP must be true or false']);
  });
});
