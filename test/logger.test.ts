import { describe, expect, it } from 'vitest';
import { createLogger, type Logger } from '../src/logger.js';
import { captureStream } from './audit/cli-io.js';

const SECRETS = {
  ascii: 'xoxb-1234567890-SECRETSECRET',
  quoteAndBackslash: 'wdt"se\\cret"42',
  nonAscii: '密钥-geheim-ü-🔑',
};
const ALL_SECRETS = Object.values(SECRETS);

/** Undoes one level of JSON string escaping, without knowing how the logger spelled anything. */
function unescapeJson(text: string): string {
  return text.replace(/\\(["\\/bfnrt]|u[0-9a-fA-F]{4})/g, (_, code: string) => {
    if (code.startsWith('u')) return String.fromCharCode(Number.parseInt(code.slice(1), 16));
    return ({ b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' } as Record<string, string>)[code] ?? code;
  });
}

function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, member]) => [key, ...stringsIn(member)]);
  }
  return [];
}

/** The secrets a reader of these lines could recover: in any string, as is or after one or two unescapes. */
function leakedSecrets(output: string): string[] {
  const texts = output
    .split('\n')
    .filter((line) => line !== '')
    .flatMap((line) => stringsIn(JSON.parse(line)))
    .flatMap((text) => [text, unescapeJson(text), unescapeJson(unescapeJson(text))]);
  return ALL_SECRETS.filter((secret) => texts.some((text) => text.includes(secret)));
}

interface Scenario {
  name: string;
  log: (logger: Logger, secret: string) => void;
}

const SCENARIOS: Scenario[] = [
  {
    name: "in an error's cause",
    log: (logger, secret) =>
      logger.error({ err: new Error('call failed', { cause: new Error(`bad token ${secret}`) }) }, 'x'),
  },
  {
    name: 'in a nested cause, the error passed alone',
    log: (logger, secret) =>
      logger.error(
        new Error('outer', { cause: new Error('middle', { cause: new Error(`innermost ${secret}`) }) }),
      ),
  },
  {
    name: "in an error's own enumerable property",
    log: (logger, secret) =>
      logger.warn({
        err: Object.assign(new Error('WDT refused'), { responseBody: `sid=x&appsecret=${secret}` }),
      }),
  },
  {
    name: 'in a message string and a printf argument',
    log: (logger, secret) => {
      logger.info(`using ${secret} now`);
      logger.info('calling with %s', secret);
    },
  },
  {
    name: 'in an object field at depth',
    log: (logger, secret) => logger.info({ a: { b: [{ c: { d: `x${secret}y` } }] } }, 'deep'),
  },
  {
    name: "in a child logger's bindings",
    log: (logger, secret) => logger.child({ request: { note: secret } }).info('child'),
  },
  {
    name: 'in JSON text carried inside a string (escaped twice in the line)',
    log: (logger, secret) =>
      logger.error({ body: JSON.stringify({ error: { detail: secret } }) }, 'WDT answered'),
  },
  {
    name: 'written with non-ASCII as \\uXXXX inside a string',
    log: (logger, secret) =>
      logger.error(
        {
          body: Array.from({ length: secret.length }, (_, i) => {
            const unit = secret.charCodeAt(i);
            return unit < 0x80 ? secret[i] : `\\u${unit.toString(16).padStart(4, '0')}`;
          }).join(''),
        },
        'ascii-only encoder',
      ),
  },
];

function run(scenario: Scenario, secrets: readonly string[] | undefined): string {
  const out = captureStream();
  const logger = createLogger({ level: 'debug', destination: out.stream, secrets });
  for (const secret of ALL_SECRETS) scenario.log(logger, secret);
  return out.text();
}

describe('log scrubbing of configured secrets', () => {
  for (const scenario of SCENARIOS) {
    it(`keeps every secret out of the line when it is ${scenario.name}`, () => {
      const scrubbed = run(scenario, ALL_SECRETS);
      expect(scrubbed).toContain('[redacted]');
      expect(leakedSecrets(scrubbed)).toEqual([]);
    });

    // Without the scrubber the same call prints the secrets: so the test above would catch a broken one.
    it(`a logger without the scrubber would print them when they are ${scenario.name}`, () => {
      expect(leakedSecrets(run(scenario, undefined)).length).toBeGreaterThan(0);
    });
  }

  it('keeps the path redaction, also for values that are not configured secrets', () => {
    const out = captureStream();
    createLogger({ destination: out.stream }).info(
      { token: 'short', config: { WDT_APP_SECRET: 'abc' }, headers: { authorization: 'Bearer x' } },
      'r',
    );
    const line = JSON.parse(out.text());
    expect(line).toMatchObject({
      token: '[redacted]',
      config: { WDT_APP_SECRET: '[redacted]' },
      headers: { authorization: '[redacted]' },
    });
  });

  it('leaves lines without secrets and values shorter than six characters alone', () => {
    const out = captureStream();
    createLogger({ destination: out.stream, secrets: ['', 'abc'] }).info({ n: 'abc abcdef' }, 'plain');
    expect(JSON.parse(out.text())).toMatchObject({ n: 'abc abcdef', msg: 'plain' });
  });
});
