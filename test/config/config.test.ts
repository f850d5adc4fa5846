import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';

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

describe('.env.example', () => {
  it('lists exactly the variables the schema reads', async () => {
    const { readFile } = await import('node:fs/promises');
    const { configSchema } = await import('../../src/config/config.js');
    const example = await readFile(new URL('../../.env.example', import.meta.url), 'utf8');
    const listed = example
      .split('\n')
      .filter((line) => /^[A-Z_]+=/.test(line))
      .map((line) => line.split('=')[0])
      .sort();
    expect(listed).toEqual(Object.keys(configSchema.shape).sort());
  });
});
